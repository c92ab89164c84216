// Qinglian: small enhancements only. Every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Language select submits on change.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    // Confirm destructive actions.
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
    // "Back" links go back in history when there is one.
    document.querySelectorAll("a[data-back]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (window.history.length > 1) { ev.preventDefault(); window.history.back(); }
      });
    });
    // Print buttons.
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function (ev) { ev.preventDefault(); window.print(); });
    });
  });
})();
