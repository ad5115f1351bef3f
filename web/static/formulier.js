// Task forms (issue 17): repeated rows are added in the page, without submitting, and a field that applies only to
// some choices (x-alleen-bij in the form file) is shown only for those choices. Without JavaScript every field
// stays visible, and 'Concept opslaan' adds an empty row; the engine ignores a field that does not apply.
(function () {
  "use strict";

  function renumber(row, index) {
    row.querySelectorAll("[name], [id], label[for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/\[\d+\]/g, "[" + index + "]"));
      });
    });
    row.querySelectorAll("label").forEach(function (label) {
      label.childNodes.forEach(function (node) {
        if (node.nodeType === 3) node.textContent = node.textContent.replace(/\(rij \d+\)/, "(rij " + (index + 1) + ")");
      });
    });
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.tagName === "SELECT") el.selectedIndex = 0; else el.value = "";
      el.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".veldfout").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".met-fout").forEach(function (el) { el.classList.remove("met-fout"); });
  }

  function addRow(button) {
    var group = button.closest("fieldset.groep");
    var rows = group.querySelectorAll(".groep-rij");
    var last = rows[rows.length - 1];
    var copy = last.cloneNode(true);
    renumber(copy, rows.length);
    last.after(copy);
    var first = copy.querySelector("input, select, textarea");
    if (first) first.focus();
  }

  function chosen(form, name) {
    var checked = form.querySelector('input[type="radio"][name="' + name + '"]:checked');
    if (checked) return checked.value;
    var select = form.querySelector('select[name="' + name + '"]');
    return select ? select.value : null;
  }

  function applyConditions(form) {
    form.querySelectorAll("[data-alleen-bij]").forEach(function (block) {
      var when = JSON.parse(block.getAttribute("data-alleen-bij"));
      var applies = Object.keys(when).every(function (name) { return when[name].indexOf(chosen(form, name)) !== -1; });
      block.hidden = !applies;
      block.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !applies; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rij-toevoegen]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { addRow(button); });
    });
    document.querySelectorAll("form.formulier").forEach(function (form) {
      if (!form.querySelector("[data-alleen-bij]")) return;
      applyConditions(form);
      form.addEventListener("change", function () { applyConditions(form); });
    });
  });
})();
