// The phone header: the menu folds behind one button (static script; the Content-Security-Policy forbids inline
// ones). The class "js" is set at once, before the page is drawn, so that the menu folds only when this script
// runs: without scripts it stays open.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu-toggle");
    var header = document.querySelector(".topbar");
    if (!button || !header) {
      return;
    }
    button.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();
