/* The sharing form's pickers: States, partner groups and people chosen by name.

   Each <select multiple data-picker> becomes a combobox with a list of suggestions
   (the WAI-ARIA combobox pattern, list autocomplete) and the list of what is chosen.
   The select stays in the form, hidden, and is what is submitted: without this
   script it is a plain multi-select. States and groups are filtered from the
   select's own options; people come from the directory's JSON endpoint
   (data-source), which also says for each tier whether a person is cleared for it. */
(function () {
  "use strict";

  var TIER_LABELS = {
    "public": "public",
    "restricted": "restricted",
    "confidential": "confidential",
    "highly_confidential": "highly confidential"
  };
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function Picker(select) {
    this.select = select;
    this.form = select.form;
    this.kind = select.getAttribute("data-picker");
    this.source = select.getAttribute("data-source");
    this.tierField = this.form && this.form.querySelector("[data-picker-tier]");
    this.fits = {}; // person id -> {tier: bool}, from the endpoint
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.request = 0;
    this.build();
  }

  Picker.prototype.tier = function () {
    return this.tierField ? this.tierField.value : "";
  };

  Picker.prototype.build = function () {
    var select = this.select;
    var id = select.id || "picker-" + (++counter);
    var label = document.querySelector('label[for="' + id + '"]');
    var help = document.getElementById(id + "_help");
    var wrapper = el("div", { "class": "picker" });
    this.input = el("input", {
      "type": "text",
      "id": id + "_combobox",
      "class": "picker-input",
      "role": "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": id + "_listbox",
      "autocomplete": "off",
      "spellcheck": "false"
    });
    if (help) this.input.setAttribute("aria-describedby", help.id);
    this.listbox = el("ul", {
      "id": id + "_listbox",
      "class": "picker-listbox",
      "role": "listbox"
    });
    this.listbox.hidden = true;
    this.chosen = el("ul", { "class": "picker-chosen" });
    this.status = el("div", {
      "class": "visually-hidden",
      "role": "status",
      "aria-live": "polite"
    });
    if (label) {
      label.setAttribute("for", this.input.id);
      label.id = label.id || id + "_label";
      this.listbox.setAttribute("aria-labelledby", label.id);
      this.chosen.setAttribute("aria-label", label.textContent.trim() + ": chosen");
    }
    wrapper.appendChild(this.chosen);
    wrapper.appendChild(this.input);
    wrapper.appendChild(this.listbox);
    wrapper.appendChild(this.status);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.parentNode.insertBefore(wrapper, select.nextSibling);

    var self = this;
    this.input.addEventListener("input", function () { self.changed(); });
    this.input.addEventListener("keydown", function (event) { self.key(event); });
    this.input.addEventListener("blur", function () { self.close(); });
    this.listbox.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the input
      var option = event.target.closest("[role=option]");
      if (option) self.choose(Number(option.getAttribute("data-index")));
    });
    if (this.tierField) {
      this.tierField.addEventListener("change", function () { self.renderChosen(); });
    }
    this.renderChosen();
  };

  Picker.prototype.optionFor = function (value) {
    var options = this.select.options;
    for (var i = 0; i < options.length; i++) {
      if (options[i].value === String(value)) return options[i];
    }
    return null;
  };

  Picker.prototype.changed = function () {
    var self = this;
    var text = this.input.value.trim();
    clearTimeout(this.timer);
    if (!text) {
      this.close();
      return;
    }
    if (this.source) {
      this.timer = setTimeout(function () { self.fetch(text); }, 150);
    } else {
      this.show(this.local(text));
    }
  };

  Picker.prototype.local = function (text) {
    var wanted = words(text);
    var found = [];
    Array.prototype.forEach.call(this.select.options, function (option) {
      var name = option.textContent.toLowerCase();
      if (!option.selected && wanted.every(function (w) { return name.indexOf(w) !== -1; })) {
        found.push({ id: option.value, name: option.textContent.trim(), detail: "" });
      }
    });
    return found.slice(0, 20);
  };

  Picker.prototype.fetch = function (text) {
    var self = this;
    var number = ++this.request;
    var url = this.source + "?q=" + encodeURIComponent(text) +
      "&tier=" + encodeURIComponent(this.tier());
    window.fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (number !== self.request) return; // a later keystroke has its own answer
        var found = [];
        data.results.forEach(function (person) {
          self.fits[person.id] = person.fits;
          var option = self.optionFor(person.id);
          if (option && option.selected) return;
          found.push({
            id: String(person.id),
            name: person.name,
            detail: person.state + (person.you ? " · you" : "")
          });
        });
        self.show(found);
      })
      .catch(function () { self.say("The list of people could not be loaded."); });
  };

  Picker.prototype.blocked = function (item) {
    var tier = this.tier();
    var fits = this.fits[item.id];
    if (!tier || !fits || fits[tier] !== false) return "";
    return "cannot see " + (TIER_LABELS[tier] || tier);
  };

  Picker.prototype.show = function (items) {
    var self = this;
    this.results = items;
    this.active = -1;
    this.listbox.textContent = "";
    items.forEach(function (item, index) {
      var blocked = self.blocked(item);
      var option = el("li", {
        "id": self.listbox.id + "_" + index,
        "class": "picker-option",
        "role": "option",
        "aria-selected": "false",
        "data-index": String(index)
      });
      option.appendChild(el("span", { "class": "picker-name" }, item.name));
      if (item.detail) option.appendChild(el("span", { "class": "picker-detail" }, " — " + item.detail));
      if (blocked) {
        option.setAttribute("aria-disabled", "true");
        option.appendChild(el("span", { "class": "picker-blocked" }, " (" + blocked + ")"));
      }
      self.listbox.appendChild(option);
    });
    if (!items.length) {
      this.listbox.appendChild(el("li", { "class": "picker-empty", "role": "presentation" }, "No match"));
    }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.input.removeAttribute("aria-activedescendant");
    this.say(items.length === 1 ? "1 match" : items.length + " matches");
  };

  Picker.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Picker.prototype.move = function (step) {
    if (this.listbox.hidden || !this.results.length) return;
    var options = this.listbox.querySelectorAll("[role=option]");
    if (this.active >= 0) options[this.active].setAttribute("aria-selected", "false");
    this.active = (this.active + step + options.length) % options.length;
    var option = options[this.active];
    option.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  };

  Picker.prototype.key = function (event) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (this.listbox.hidden) this.changed();
        else this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        this.move(-1);
        break;
      case "Enter":
        if (!this.listbox.hidden) {
          event.preventDefault(); // choosing, not submitting the form
          if (this.active >= 0) this.choose(this.active);
        }
        break;
      case "Escape":
        if (!this.listbox.hidden) {
          event.preventDefault();
          this.close();
        } else {
          this.input.value = "";
        }
        break;
      default:
        break;
    }
  };

  Picker.prototype.choose = function (index) {
    var item = this.results[index];
    if (!item) return;
    var blocked = this.blocked(item);
    if (blocked) {
      this.say(item.name + " " + blocked + " documents.");
      return;
    }
    var option = this.optionFor(item.id);
    if (!option) {
      option = new Option(item.name, item.id);
      this.select.appendChild(option);
    }
    option.selected = true;
    this.input.value = "";
    this.close();
    this.renderChosen();
    this.say(item.name + " added.");
  };

  Picker.prototype.remove = function (option) {
    option.selected = false;
    this.renderChosen();
    this.say(option.textContent.trim() + " removed.");
    this.input.focus();
  };

  Picker.prototype.renderChosen = function () {
    var self = this;
    this.chosen.textContent = "";
    Array.prototype.forEach.call(this.select.selectedOptions, function (option) {
      var item = el("li", { "class": "picker-chip" });
      var name = option.textContent.trim();
      item.appendChild(el("span", {}, name));
      var blocked = self.blocked({ id: option.value });
      if (blocked) item.appendChild(el("span", { "class": "picker-blocked" }, " (" + blocked + ")"));
      var button = el("button", { "type": "button", "class": "picker-remove" }, "Remove");
      button.appendChild(el("span", { "class": "visually-hidden" }, " " + name));
      button.addEventListener("click", function () { self.remove(option); });
      item.appendChild(button);
      self.chosen.appendChild(item);
    });
    this.chosen.hidden = !this.select.selectedOptions.length;
  };

  Picker.prototype.say = function (text) {
    this.status.textContent = text;
  };

  document.querySelectorAll("select[multiple][data-picker]").forEach(function (select) {
    select.picker = new Picker(select);
  });
})();
