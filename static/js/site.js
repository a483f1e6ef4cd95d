// Behaviour every page shares. The Content-Security-Policy allows scripts
// from our static files only, so templates carry data-* attributes instead
// of inline handlers:
//   <select data-autosubmit>      submits its form on change
//   <button data-confirm="text">  asks before submitting
//   <button class="detail" data-detail="text">  shows text in #detail-dialog
(function () {
  "use strict";

  function wireMenu() {
    var toggle = document.getElementById("menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) return;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  }

  function wireAutosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        if (sel.form) sel.form.submit();
      });
    });
  }

  function wireConfirm() {
    document.addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-confirm]");
      if (button && !window.confirm(button.dataset.confirm)) ev.preventDefault();
    });
  }

  function wireDetailDialog() {
    var dialog = document.getElementById("detail-dialog");
    if (!dialog) return;
    document.addEventListener("click", function (ev) {
      var button = ev.target.closest("button.detail");
      if (!button) return;
      document.getElementById("detail-text").textContent = button.dataset.detail;
      dialog.showModal();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireMenu();
    wireAutosubmit();
    wireConfirm();
    wireDetailDialog();
  });
})();
