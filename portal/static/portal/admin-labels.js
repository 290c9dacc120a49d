// Names the admin's script-built inputs after their field's label: the rich text
// editor's text box and the tag field's typing box come without one, so a screen
// reader announces them as an unnamed "edit text".
(function () {
  "use strict";
  var selector =
    ".public-DraftEditor-content[role='textbox'], input.ui-autocomplete-input";
  // The field's label sits beside the field, in its wrapper; a StreamField block's
  // field may have none, and then the block's or panel's heading names it.
  var sources = [
    ["[data-field-wrapper], .w-field__wrapper", "label.w-field__label, .w-field__label"],
    ["[data-streamfield-child], .w-panel", "[data-panel-heading-text], .w-panel__heading, h2, h3"],
  ];
  function labelFor(element) {
    // The widget's own input (hidden behind the script-built one) has the label.
    var wrapper = element.closest("[data-field-wrapper], .w-field__wrapper");
    var inputs = wrapper ? wrapper.querySelectorAll("input[id], textarea[id]") : [];
    for (var i = 0; i < inputs.length; i++) {
      var label = document.querySelector("label[for='" + inputs[i].id + "']");
      var text = label ? label.textContent.replace(/\s+/g, " ").trim() : "";
      if (text) return text;
    }
    return "";
  }
  function fieldLabel(element) {
    var own = labelFor(element);
    if (own) return own;
    for (var i = 0; i < sources.length; i++) {
      var scope = element.closest(sources[i][0]);
      var label = scope && scope.querySelector(sources[i][1]);
      var text = label ? label.textContent.replace(/\s+/g, " ").trim() : "";
      if (text) return text;
    }
    return "";
  }
  function name(element) {
    if (element.getAttribute("aria-label") || element.getAttribute("aria-labelledby")) return;
    if (element.id && document.querySelector("label[for='" + element.id + "']")) return;
    var text = fieldLabel(element);
    if (text) element.setAttribute("aria-label", text.replace(/\s*\*\s*/g, " ").trim());
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
