// Names the admin's script-built inputs after their field's label: the rich text
// editor's text box and the tag field's typing box come without one, so a screen
// reader announces them as an unnamed "edit text".
(function () {
  "use strict";
  var selector =
    ".public-DraftEditor-content[role='textbox'], input.ui-autocomplete-input";
  function fieldLabel(element) {
    var field = element.closest(".w-field, [data-field], .w-panel");
    var label = field && field.querySelector("label, .w-field__label, h2");
    return label ? label.textContent.replace(/\s+/g, " ").trim() : "";
  }
  function name(element) {
    if (element.getAttribute("aria-label") || element.getAttribute("aria-labelledby")) return;
    if (element.id && document.querySelector("label[for='" + element.id + "']")) return;
    var text = fieldLabel(element);
    if (text) element.setAttribute("aria-label", text.replace(/\s*\*$/, ""));
  }
  function nameAll(root) {
    if (root.querySelectorAll) root.querySelectorAll(selector).forEach(name);
  }
  function watch() {
    nameAll(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          if (node.matches(selector)) name(node);
          nameAll(node);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
