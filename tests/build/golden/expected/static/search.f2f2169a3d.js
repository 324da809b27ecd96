/* Search: filters search-index.json (fetched relative to the page) in the
 * browser. Every word of the query must start a word of the document or of
 * its title; documents whose title matches come first. The form is hidden
 * until this script runs, so that without JavaScript the page shows only the
 * <noscript> advice. A query in the address (?q=...) is searched at once. */
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form) return;
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var root = form.getAttribute("data-root") || "";
  var index = null;

  function words(s) {
    return String(s || "").toLowerCase().split(/[^a-z0-9\u0080-\uffff]+/)
      .filter(function (w) { return w.length > 0; });
  }
  function has(hay, terms) {
    return terms.every(function (t) { return hay.indexOf(" " + t) >= 0; });
  }
  function say(text) { status.textContent = text; }

  function show() {
    var query = input.value.trim();
    var terms = words(query);
    list.textContent = "";
    if (!index) return;
    if (terms.length === 0) { say(""); return; }
    var first = [], rest = [];
    index.forEach(function (d) {
      var title = " " + words(d.title).join(" ") + " ";
      if (has(title, terms)) first.push(d);
      else if (has(" " + d.words + title, terms)) rest.push(d);
    });
    var found = first.concat(rest);
    if (found.length === 0) {
      say("No results for \u201c" + query + "\u201d. Check the spelling, or try fewer or different words.");
      return;
    }
    say(found.length + (found.length === 1 ? " result" : " results") +
      " for \u201c" + query + "\u201d" + (found.length > 50 ? ", the first 50 shown." : "."));
    found.slice(0, 50).forEach(function (d) {
      var li = document.createElement("li");
      var kind = document.createElement("span");
      kind.className = "result-kind";
      kind.textContent = d.kind;
      li.appendChild(kind);
      var a = document.createElement("a");
      a.href = root + d.url;
      a.textContent = d.title;
      li.appendChild(a);
      if (d.summary) {
        var p = document.createElement("p");
        p.textContent = d.summary;
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(show, 150);
  }

  form.hidden = false;
  var m = /[?&]q=([^&#]*)/.exec(location.search);
  if (m) {
    try { input.value = decodeURIComponent(m[1].replace(/\+/g, " ")); } catch (e) { /* leave it empty */ }
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); show(); });
  input.addEventListener("input", later);

  say("Loading the search index\u2026");
  fetch(form.getAttribute("data-index"))
    .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
    .then(function (data) { index = data; say(""); show(); })
    .catch(function () {
      say(location.protocol === "file:"
        ? "Search does not work when the site is opened from files on your computer. Use the menu to find what you need."
        : "Sorry, search is not working at the moment. Use the menu to find what you need.");
    });
})();
