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
    // File inputs with a size limit: say so before a long upload is refused by the server.
    document.querySelectorAll("input[type=file][data-max-mb]").forEach(function (el) {
      el.addEventListener("change", function () {
        var max = parseInt(el.getAttribute("data-max-mb"), 10) * 1024 * 1024;
        var big = Array.prototype.some.call(el.files || [], function (f) { return f.size > max; });
        el.setCustomValidity(big ? el.getAttribute("data-too-large") : "");
        if (big) { el.reportValidity(); }
      });
    });
    // A unit picker that reloads the form's people lists (the button is there without JS).
    document.querySelectorAll("select[data-reload]").forEach(function (el) {
      el.addEventListener("change", function () {
        var b = el.form.querySelector("button[name=reload]");
        if (b) { b.click(); }
      });
    });
    // Print buttons.
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function (ev) { ev.preventDefault(); window.print(); });
    });
  });
})();
