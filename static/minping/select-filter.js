// A search box above every long drop-down list marked data-search (units, mostly): typing part
// of a name keeps only the matching options, so nobody scrolls through hundreds of units on a
// phone. Loaded from a file, as the site's Content-Security-Policy allows no inline script.
"use strict";
document.querySelectorAll("select[data-search]").forEach(function (select) {
  if (select.options.length < 8) {
    return;
  }
  var box = document.createElement("input");
  box.type = "search";
  box.className = "select-filter";
  box.placeholder = select.getAttribute("data-search") || "输入名称筛选";
  box.setAttribute("aria-label", "输入名称筛选下面的列表");
  // Never inside the select's <label>: the label would then name the box instead.
  var before = select.closest("label") || select;
  before.parentNode.insertBefore(box, before);
  var options = Array.prototype.slice.call(select.options);
  var apply = function () {
    var words = box.value.trim().toLowerCase();
    options.forEach(function (option) {
      // The empty choice ("请选择……") stays, so the list never looks broken.
      var keep = words === "" || option.value === "" ||
        option.text.toLowerCase().indexOf(words) >= 0;
      option.hidden = !keep;
      option.disabled = !keep && !option.selected;
    });
    // One match left: choose it, as a person who typed its name means it.
    var matches = options.filter(function (o) { return !o.hidden && o.value !== ""; });
    if (words !== "" && matches.length === 1) {
      matches[0].selected = true;
    }
  };
  box.addEventListener("input", apply);
  apply();
});
