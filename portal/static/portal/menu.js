/* The header's menu on a phone: a button that shows or hides the search, the
 * account links and the main navigation. Loaded from the <head> so the header is
 * folded before the first paint; without this script the header stays open. */
(function () {
  "use strict";
  document.documentElement.classList.add("js-menu");
  document.addEventListener("DOMContentLoaded", function () {
    var header = document.querySelector(".site-header");
    var toggle = header && header.querySelector(".menu-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();
