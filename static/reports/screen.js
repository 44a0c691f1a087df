/* The hall screen (大屏): draws the JSON document, pages long rankings through screen by
   screen, and asks for a new document every few seconds; nothing reloads the page. */
(function () {
  "use strict";
  var frame = document.getElementById("screen");
  var area = document.getElementById("screen-board");
  var first = document.getElementById("screen-first");
  if (!frame || !area || !first) { return; }
  var pollMs = Math.max(1, Number(frame.dataset.poll) || 15) * 1000;
  var pageMs = Math.max(1, Number(frame.dataset.page) || 8) * 1000;
  var doc = JSON.parse(first.textContent);
  var pages = [];
  var index = 0;
  var pageTimer = null;
  var pollTimer = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function draw(board, start, end, number, of) {
    area.textContent = "";
    var heading = el("h2", "", board.title);
    heading.appendChild(el("span", "group", board.group));
    area.appendChild(heading);
    if (board.note) { area.appendChild(el("p", "note", board.note)); }
    var table = el("table");
    var head = el("tr");
    board.columns.forEach(function (label, i) { head.appendChild(el("th", board.kinds[i], label)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    board.rows.slice(start, end).forEach(function (row) {
      var tr = el("tr");
      row.forEach(function (cell, i) { tr.appendChild(el("td", board.kinds[i], cell)); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    area.appendChild(table);
    document.getElementById("screen-page").textContent =
      of > 1 ? board.group + " 第 " + number + "/" + of + " 页" : board.group;
  }

  // How many rows of ``board`` fit: draw them all and count those above the area's bottom.
  function fitting(board) {
    draw(board, 0, board.rows.length, 1, 1);
    var bottom = area.getBoundingClientRect().bottom;
    var rows = area.querySelectorAll("tbody tr");
    var n = 0;
    while (n < rows.length && rows[n].getBoundingClientRect().bottom <= bottom + 0.5) { n += 1; }
    return Math.max(1, n);
  }

  function paginate() {
    pages = [];
    doc.boards.forEach(function (board) {
      if (!board.rows.length) { pages.push([board, 0, 0, 1, 1]); return; }
      var per = fitting(board);
      var count = Math.ceil(board.rows.length / per);
      for (var p = 0; p < count; p += 1) {
        pages.push([board, p * per, (p + 1) * per, p + 1, count]);
      }
    });
    index = 0;
  }

  function show() {
    if (!pages.length) {
      area.textContent = "";
      area.appendChild(el("p", "screen-empty", doc.empty));
      document.getElementById("screen-page").textContent = "";
      return;
    }
    draw.apply(null, pages[index % pages.length]);
  }

  function header() {
    document.getElementById("screen-status").textContent = doc.status;
    var counts = document.getElementById("screen-counts");
    counts.textContent = "";
    doc.counts.forEach(function (line) { counts.appendChild(el("li", "", line)); });
    document.getElementById("screen-updated").textContent = "更新于 " + doc.updated;
  }

  function redraw() {
    header();
    paginate();
    show();
  }

  function turn() {
    if (pages.length > 1) {
      index = (index + 1) % pages.length;
      show();
    }
  }

  function stopped(text) {
    clearInterval(pageTimer);
    clearInterval(pollTimer);
    area.textContent = "";
    area.appendChild(el("p", "screen-empty", text));
  }

  function poll() {
    fetch(frame.dataset.url, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404) { stopped("此大屏已停止显示。"); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (next) {
        if (!next) { return; }
        var changed = next.version !== doc.version;
        doc = next;
        if (changed) { redraw(); } else { header(); }
      })
      .catch(function () { /* the network is down: keep showing what we have */ });
  }

  redraw();
  pageTimer = setInterval(turn, pageMs);
  pollTimer = setInterval(poll, pollMs);
  var resized = null;
  window.addEventListener("resize", function () {
    clearTimeout(resized);
    resized = setTimeout(redraw, 300);
  });
}());
