// Searchable pickers (a text filter over a list of check boxes) for pages with many units.
// Loaded from a file, as the site's Content-Security-Policy allows no inline script.
"use strict";
document.querySelectorAll("[data-picker]").forEach(function (picker) {
  var filter = picker.querySelector("[data-picker-filter]");
  var items = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-item]"));
  var boxes = function (visibleOnly) {
    return items
      .filter(function (item) { return !visibleOnly || !item.hidden; })
      .map(function (item) { return item.querySelector("input[type=checkbox]"); });
  };
  if (filter) {
    // Shown only where this script runs (respondent pages work without JavaScript).
    filter.hidden = false;
    var apply = function () {
      var words = filter.value.trim().toLowerCase();
      items.forEach(function (item) {
        item.hidden = words !== "" && item.textContent.toLowerCase().indexOf(words) < 0;
      });
    };
    filter.addEventListener("input", apply);
    // Text typed before this script ran (a slow page), or kept by the browser on "back".
    apply();
  }
  picker.querySelectorAll("[data-picker-all], [data-picker-none]").forEach(function (button) {
    var checked = button.hasAttribute("data-picker-all");
    button.hidden = false;
    button.addEventListener("click", function () {
      boxes(checked).forEach(function (box) { box.checked = checked; });
    });
  });
});
