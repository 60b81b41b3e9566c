// Progressive enhancement only: every page works without JavaScript.
// Loaded without `defer` from <head> so that the `js` class is on <html> before the first paint:
// the stylesheet folds the phone navigation behind its toggle only when this script runs.
(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.add('js');

  document.addEventListener('DOMContentLoaded', function () {
    var toggle = document.querySelector('.nav-toggle');
    var nav = document.getElementById('main-nav');
    if (toggle && nav) {
      var setOpen = function (open) {
        nav.classList.toggle('open', open);
        toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      };
      toggle.addEventListener('click', function () {
        setOpen(!nav.classList.contains('open'));
      });
      // Escape closes the open menu and returns focus to its button.
      document.addEventListener('keydown', function (e) {
        if ((e.key === 'Escape' || e.key === 'Esc') && nav.classList.contains('open')) {
          setOpen(false);
          toggle.focus();
        }
      });
    }
    // A form far down a long page (a case's actions, its fees) answered with an error: the page
    // comes back at its top, so bring the error into view and move focus to it (a screen reader
    // reads it out). Without JavaScript the error is still there, beside its form.
    var formError = document.querySelector('[data-form-error]');
    if (formError) {
      formError.setAttribute('tabindex', '-1');
      formError.scrollIntoView({ block: 'center' });
      formError.focus({ preventScroll: true });
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
