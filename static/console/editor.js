// The campaign editor's checks as you type: method weights summed, codes unique in each
// part, end dates not before start dates, case-formula fields only for methods scored
// from cases, and rows added from the part's template. The server checks everything
// again (these checks only save a round trip). Loaded from a file: the site's
// Content-Security-Policy allows no inline script.
"use strict";
(function () {
  var form = document.querySelector("[data-editor]");
  if (!form) { return; }

  function rows(part) { return Array.prototype.slice.call(part.querySelectorAll("[data-row]")); }
  function removed(row) {
    var box = row.querySelector("input[name$='-DELETE']");
    return box && box.checked;
  }
  function field(row, name) { return row.querySelector("[name$='-" + name + "']"); }
  function flag(input, message) {
    var wrap = input.closest(".editor-field");
    var note = wrap.querySelector(".live-error");
    note.textContent = message || "";
    note.hidden = !message;
    wrap.classList.toggle("live-invalid", !!message);
  }
  function number(text) {
    var value = parseFloat(text);
    return isNaN(value) ? null : value;
  }

  function checkWeights() {
    var part = form.querySelector("[data-part=methods]");
    var out = part.querySelector("[data-sum]");
    var total = 0, any = false;
    rows(part).forEach(function (row) {
      var weight = field(row, "weight");
      var title = field(row, "title");
      if (removed(row) || !weight || (!weight.value && !title.value)) { return; }
      any = true;
      total += number(weight.value) || 0;
    });
    total = Math.round(total * 10000) / 10000;
    out.textContent = any ? "权重合计:" + total + (total === 100 ? "(正确)" : ",应为 100") : "";
    out.classList.toggle("bad", any && total !== 100);
    out.classList.toggle("good", any && total === 100);
  }

  function checkCodes(part) {
    var seen = {};
    var scale = part.getAttribute("data-part") === "scale";
    rows(part).forEach(function (row) {
      var code = field(row, scale ? "label" : "code");
      if (!code) { return; }
      var value = code.value.trim();
      var message = "";
      if (value && !removed(row)) {
        if (scale) {
          message = seen[value] ? "等级“" + value + "”重复" : "";
        } else if (!/^[a-z0-9_-]+$/.test(value)) {
          message = "代码只能由小写字母、数字、下划线和连字符组成";
        } else if (seen[value]) {
          message = "代码“" + value + "”重复";
        }
        seen[value] = true;
      }
      flag(code, message);
    });
  }

  function checkDates(row) {
    [["starts", "ends"]].forEach(function (pair) {
      var starts = field(row, pair[0]), ends = field(row, pair[1]);
      if (!starts || !ends) { return; }
      var bad = starts.value && ends.value && ends.value < starts.value;
      flag(ends, bad ? "结束日期早于开始日期" : "");
    });
  }

  function showCaseFields(row) {
    var input = field(row, "input");
    if (!input) { return; }
    row.querySelectorAll(".cases-only").forEach(function (wrap) {
      wrap.hidden = input.value !== "cases";
    });
  }

  function fillList(partName, listId) {
    var part = form.querySelector("[data-part=" + partName + "]");
    var list = document.getElementById(listId);
    if (!part || !list) { return; }
    list.textContent = "";
    rows(part).forEach(function (row) {
      var title = field(row, "title");
      if (title && title.value.trim() && !removed(row)) {
        var option = document.createElement("option");
        option.value = title.value.trim();
        list.appendChild(option);
      }
    });
  }

  function checkAll() {
    checkWeights();
    form.querySelectorAll("[data-part]").forEach(checkCodes);
    form.querySelectorAll("[data-row]").forEach(function (row) {
      checkDates(row);
      showCaseFields(row);
    });
    var dFrom = form.querySelector("[name='basics-deductions_from']");
    var dTo = form.querySelector("[name='basics-deductions_to']");
    if (dFrom && dTo) {
      flag(dTo, dFrom.value && dTo.value && dTo.value < dFrom.value ? "截止日早于起始日" : "");
    }
    fillList("sources", "editor-sources");
    fillList("stages", "editor-stages");
  }

  form.querySelectorAll("[data-part]").forEach(function (part) {
    var add = part.querySelector("[data-add]");
    var template = part.querySelector("template[data-empty]");
    var total = part.querySelector("input[name$='-TOTAL_FORMS']");
    if (!add || !template || !total) { return; }
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.firstElementChild;
      part.querySelector("[data-rows]").appendChild(row);
      total.value = String(index + 1);
      checkAll();
      var first = row.querySelector("input, select");
      if (first) { first.focus(); }
    });
  });

  form.addEventListener("input", checkAll);
  form.addEventListener("change", checkAll);
  checkAll();
})();
