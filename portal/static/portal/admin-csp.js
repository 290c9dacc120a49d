// Starts Wagtail's choosers and date pickers without inline scripts, so that the
// admin runs under the portal's Content-Security-Policy (portal/core/admin_csp.py).
// Each widget leaves a hidden marker naming a constructor (data-portal-construct) or
// a function (data-portal-init), its input and its options; markers added to the
// page later (a new inline form) are started too.
(function () {
  "use strict";
  function lookup(name) {
    return name.split(".").reduce(function (scope, part) {
      return scope == null ? undefined : scope[part];
    }, window);
  }
  function start(marker) {
    if (marker.dataset.portalStarted) return;
    var name = marker.dataset.portalConstruct || marker.dataset.portalInit;
    var callable = lookup(name);
    if (typeof callable !== "function") return;
    marker.dataset.portalStarted = "1";
    var options = JSON.parse(marker.dataset.portalConfig || "{}");
    if (marker.dataset.portalConstruct) new callable(marker.dataset.portalTarget, options);
    else callable(marker.dataset.portalTarget, options);
  }
  var selector = "[data-portal-construct], [data-portal-init]";
  function startAll(root) {
    if (root.querySelectorAll) root.querySelectorAll(selector).forEach(start);
  }
  function watch() {
    startAll(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          if (node.matches(selector)) start(node);
          startAll(node);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
