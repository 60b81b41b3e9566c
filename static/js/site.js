// Progressive enhancement only: every page works without JavaScript.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var toggle = document.querySelector('.nav-toggle');
    var nav = document.getElementById('main-nav');
    if (toggle && nav) {
      toggle.addEventListener('click', function () {
        var open = nav.classList.toggle('open');
        toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      });
    }
    document.querySelectorAll('form[data-confirm]').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
      });
    });
    // Registration: show the legal representative field for enterprises only.
    var kinds = document.querySelectorAll('input[name="kind"]');
    var rep = document.querySelector('.enterprise-only');
    function sync() {
      var checked = document.querySelector('input[name="kind"]:checked');
      if (rep) rep.hidden = !(checked && checked.value === 'enterprise');
    }
    kinds.forEach(function (k) { k.addEventListener('change', sync); });
    if (kinds.length) sync();
  });
})();
