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
    // Parts of a form that belong to one choice (data-show-when="name:value": the 补正 list to
    // 一次性告知补正, the grounds to 不予受理) are shown only while it is chosen; hidden, their fields
    // are not sent. Without JavaScript everything is shown and the server checks the combination.
    document.querySelectorAll('[data-show-when]').forEach(function (el) {
      var rule = el.getAttribute('data-show-when').split(':');
      var form = el.closest('form');
      if (!form || rule.length !== 2) return;
      var radios = form.querySelectorAll('input[type="radio"][name="' + rule[0] + '"]');
      var update = function () {
        var on = false;
        radios.forEach(function (r) { if (r.checked && r.value === rule[1]) on = true; });
        el.hidden = !on;
        el.querySelectorAll('input, textarea, select').forEach(function (f) { f.disabled = !on; });
      };
      radios.forEach(function (r) { r.addEventListener('change', update); });
      update();
    });
    document.querySelectorAll('form[data-confirm]').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
      });
    });
    // Application materials: the sizes checked before sending. The server checks every file
    // again (and its type by content); a request larger than its limit is cut off without an
    // answer, which a browser shows as a failed connection, so this says it first, in words.
    document.querySelectorAll('form[data-upload-max]').forEach(function (form) {
      var max = Number(form.getAttribute('data-upload-max'));
      var totalMax = Number(form.getAttribute('data-upload-total-max'));
      var problem = document.getElementById('upload-problem');
      var mb = function (n) { return (n / 1048576).toFixed(1) + ' MB'; };
      var inputs = form.querySelectorAll('input[type="file"]');
      // The note is tied to its field (aria-invalid, aria-describedby) like the server's errors.
      function tie(input, noteId, on) {
        var ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (x) { return x && x !== noteId; });
        if (on) ids.push(noteId);
        if (ids.length) input.setAttribute('aria-describedby', ids.join(' ')); else input.removeAttribute('aria-describedby');
        if (on) input.setAttribute('aria-invalid', 'true');
        else if (!input.hasAttribute('data-server-invalid')) input.removeAttribute('aria-invalid');
      }
      function check(input) {
        var note = input.parentNode.querySelector('.upload-size-error');
        var noteId = input.id + '-size-error';
        var file = input.files && input.files[0];
        var text = file && file.size > max
          ? '“' + file.name + '”有 ' + mb(file.size) + '，超过每份 ' + form.getAttribute('data-upload-max-mb') + ' MB 的限制，请压缩或分页扫描后重新选择'
          : '';
        if (!text && note) note.remove();
        if (text) {
          if (!note) {
            note = document.createElement('p');
            note.className = 'field-error upload-size-error';
            note.id = noteId;
            input.insertAdjacentElement('afterend', note);
          }
          note.textContent = text;
        }
        tie(input, noteId, !!text);
        return !text;
      }
      inputs.forEach(function (input) {
        if (input.getAttribute('aria-invalid') === 'true') input.setAttribute('data-server-invalid', '');
      });
      inputs.forEach(function (input) { input.addEventListener('change', function () { check(input); }); });
      form.addEventListener('submit', function (e) {
        var ok = true, total = 0, first = null;
        inputs.forEach(function (input) {
          if (!check(input)) { ok = false; first = first || input; }
          if (input.files && input.files[0]) total += input.files[0].size;
        });
        var message = '';
        if (!ok) message = '有材料超过每份 ' + form.getAttribute('data-upload-max-mb') + ' MB 的限制，请按提示重新选择。';
        else if (total > totalMax) {
          message = '本次选择的材料合计 ' + mb(total) + '，超过一次提交合计 ' + form.getAttribute('data-upload-total-max-mb') +
            ' MB 的限制。' + (form.getAttribute('data-upload-total-advice') ||
            '可先“保存草稿”上传一部分材料，再继续填写上传其余材料后提交。');
          first = inputs[0];
        }
        if (problem) { problem.hidden = !message; problem.textContent = message; }
        if (message) {
          e.preventDefault();
          if (problem) { problem.setAttribute('tabindex', '-1'); problem.scrollIntoView({ block: 'center' }); problem.focus({ preventScroll: true }); }
        }
      });
    });
    // A form that came back with an error asks for every file again (browsers never keep a chosen
    // file): a material's "请重新选择" note goes once a file is chosen for it.
    document.querySelectorAll('[data-reselect]').forEach(function (note) {
      var input = note.parentNode.querySelector('input[type="file"]');
      if (!input) return;
      input.addEventListener('change', function () { note.hidden = !!(input.files && input.files.length); });
    });
    // 办理过程: a date in an opinion written by the server ("受理期限至 2026-12-04") stays on one
    // line; browsers would break it after a hyphen. Only the text is rewrapped, never parsed as HTML.
    var dateRe = /\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?/g;
    document.querySelectorAll('.timeline > li > p').forEach(function (p) {
      Array.prototype.slice.call(p.childNodes).forEach(function (node) {
        if (node.nodeType !== 3 || !dateRe.test(node.nodeValue)) return;
        dateRe.lastIndex = 0;
        var text = node.nodeValue, frag = document.createDocumentFragment(), at = 0, m;
        while ((m = dateRe.exec(text))) {
          frag.appendChild(document.createTextNode(text.slice(at, m.index)));
          var span = document.createElement('span');
          span.className = 'nowrap';
          span.textContent = m[0];
          frag.appendChild(span);
          at = m.index + m[0].length;
        }
        frag.appendChild(document.createTextNode(text.slice(at)));
        p.replaceChild(frag, node);
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
