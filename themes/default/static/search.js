/* Search: filters search-index.json in the browser. Every word of the query
 * must start a word of the document (or appear in its title). */
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
    return s.toLowerCase().split(/[^a-z0-9\u0080-\uffff]+/).filter(function (w) { return w.length > 0; });
  }
  function matches(doc, terms) {
    var hay = " " + doc.words + " " + words(doc.title).join(" ") + " ";
    return terms.every(function (t) { return hay.indexOf(" " + t) >= 0; });
  }
  function show() {
    var terms = words(input.value);
    list.textContent = "";
    if (!index || terms.length === 0) { status.textContent = ""; return; }
    var found = index.filter(function (d) { return matches(d, terms); });
    status.textContent = found.length === 0 ? "No results." :
      found.length + (found.length === 1 ? " result." : " results.");
    found.slice(0, 50).forEach(function (d) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + d.url;
      a.textContent = d.title;
      li.appendChild(a);
      var kind = document.createElement("span");
      kind.className = "muted";
      kind.textContent = " (" + d.kind + ")";
      li.appendChild(kind);
      if (d.summary) {
        var p = document.createElement("p");
        p.textContent = d.summary;
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
  input.addEventListener("input", show);
  status.textContent = "Loading the index...";
  fetch(form.getAttribute("data-index"))
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) { index = data; status.textContent = ""; show(); })
    .catch(function () {
      status.textContent = "Search could not load its index. Use the menu to browse the site.";
    });
})();
