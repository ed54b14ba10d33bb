// What the page does for a reader: the theme toggle (remembered on every page), copy buttons
// on code, the language switcher that keeps the section, the table of contents open on wide
// screens, and search. Search reads static/search-<lang>.js, a script (not fetch(), which
// file:// blocks) loaded the first time the search box is used; it holds the index gzipped.
(function () {
  var KEY = "annotated-docs-theme";
  var root = document.documentElement;
  var system = window.matchMedia("(prefers-color-scheme: dark)");

  function currentTheme() {
    return root.dataset.theme || (system.matches ? "dark" : "light");
  }

  // The button says what a click does: its label, icon and title name the other theme.
  function showTheme(button) {
    var dark = currentTheme() === "dark";
    var next = dark ? "light" : "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.dataset.next = next;
    button.title = dark ? button.dataset.labelLight : button.dataset.labelDark;
    button.querySelector(".theme-label").textContent =
      dark ? button.dataset.textLight : button.dataset.textDark;
  }

  function setUpTheme() {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    showTheme(button);
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem(KEY, next); } catch (e) { /* not remembered */ }
      showTheme(button);
    });
    system.addEventListener("change", function () { showTheme(button); });
  }

  // ------------------------------------------------------------------------- copy buttons
  function codeText(pre) {
    var lines = pre.querySelectorAll(".line");
    if (!lines.length) return pre.textContent;
    // line numbers are CSS content (not text), so each line's text is the code alone
    return Array.prototype.map.call(lines, function (line) { return line.textContent; }).join("\n") + "\n";
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand("copy");
      document.body.removeChild(area);
      if (done) resolve(); else reject(new Error("copy refused"));
    });
  }

  function setUpCopyButtons() {
    var labels = document.body.dataset;
    document.querySelectorAll(".code pre, .notes pre").forEach(function (pre) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = labels.copy;
      button.setAttribute("aria-label", labels.copy + ": " + (pre.getAttribute("aria-label") || labels.code));
      button.addEventListener("click", function () {
        copy(codeText(pre)).then(function () {
          button.textContent = labels.copied;
          setTimeout(function () { button.textContent = labels.copy; }, 1500);
        }, function () { /* the reader can still select the text */ });
      });
      var box = pre.parentNode;
      if (!box.classList.contains("code")) {
        // a block in the notes gets a box of its own, so the button sits on the block
        box = document.createElement("div");
        pre.parentNode.insertBefore(box, pre);
        box.appendChild(pre);
      }
      box.insertBefore(button, pre);
      box.classList.add("has-copy");
    });
  }

  // ------------------------------------------------------ switcher keeps the reader's place
  function setUpSwitcher() {
    document.querySelectorAll(".languages a[hreflang]").forEach(function (link) {
      link.addEventListener("click", function () {
        if (location.hash) link.href = link.href.split("#")[0] + location.hash;
      });
    });
  }

  // -------------------------------------------------------------------- table of contents
  function setUpToc() {
    var toc = document.getElementById("site-toc");
    if (!toc) return;
    var wide = window.matchMedia("(min-width: 1400px)");
    function follow() { toc.open = wide.matches; }
    follow();
    wide.addEventListener("change", follow);
  }

  // ------------------------------------------------------------------------------- search
  var index = null, loading = null;

  // The index script sets a string: the index's JSON gzipped, as base64 (search_index.py).
  // The browser's own DecompressionStream reads it from a Blob, no fetch, so from file:// too.
  function decodeIndex(packed) {
    var binary = atob(packed), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    var json = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(json).json();
  }

  function loadIndex(input) {
    if (index) return Promise.resolve(index);
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = input.dataset.index;
      script.onload = function () { resolve(window.annotatedDocsSearch); };
      script.onerror = function () { reject(new Error("no search index")); };
      document.head.appendChild(script);
    }).then(decodeIndex).then(function (decoded) { index = decoded; return index; },
                              function (error) { loading = null; throw error; });
    return loading;
  }

  function fold(text) { return text.normalize("NFC").toLowerCase(); }

  function search(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    var found = [];
    index.entries.forEach(function (entry) {
      var page = index.pages[entry[0]];
      var heading = fold(entry[1]), text = fold(entry[3]), title = fold(page[1]);
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var word = words[i];
        var inText = text.indexOf(word) >= 0, inHeading = heading.indexOf(word) >= 0;
        var inTitle = title.indexOf(word) >= 0;
        if (!inText && !inHeading && !inTitle) return;
        score += (inHeading ? 4 : 0) + (inTitle ? 2 : 0) + (inText ? 1 : 0);
      }
      found.push({entry: entry, page: page, score: score});
    });
    found.sort(function (a, b) { return b.score - a.score; });
    return found.slice(0, 20);
  }

  function snippet(text, query) {
    var word = fold(query).split(/\s+/).filter(Boolean)[0] || "";
    var at = Math.max(0, fold(text).indexOf(word) - 40);
    return (at > 0 ? "…" : "") + text.slice(at, at + 140) + (text.length > at + 140 ? "…" : "");
  }

  function showResults(input, list, status) {
    var query = input.value.trim();
    list.textContent = "";
    if (!query) { list.hidden = true; status.textContent = ""; return; }
    var results = search(query);
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = input.dataset.root + result.page[0] + "#" + result.entry[2];
      var title = document.createElement("span");
      title.className = "search-title";
      title.textContent = result.page[1] + (result.entry[1] ? " › " + result.entry[1] : "");
      var text = document.createElement("span");
      text.className = "search-snippet";
      text.textContent = snippet(result.entry[3], query);
      link.appendChild(title);
      link.appendChild(text);
      item.appendChild(link);
      list.appendChild(item);
    });
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "search-none";
      none.textContent = status.dataset.none;
      list.appendChild(none);
    }
    status.textContent = results.length ? results.length + " " + status.dataset.count : status.dataset.none;
    list.hidden = false;
  }

  function setUpSearch() {
    var input = document.getElementById("site-search-input");
    if (!input) return;
    var list = document.getElementById("site-search-results");
    var status = document.getElementById("site-search-status");
    function run() {
      loadIndex(input).then(function () { showResults(input, list, status); },
                            function () { status.textContent = status.dataset.none; });
    }
    input.addEventListener("focus", function () { loadIndex(input).catch(function () {}); });
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { input.value = ""; run(); input.blur(); }
      if (event.key === "Enter") {
        var first = list.querySelector("a");
        if (first) first.click();
      }
    });
    document.addEventListener("keydown", function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) || event.target.isContentEditable;
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        input.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest || !event.target.closest(".search")) list.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpTheme();
    setUpCopyButtons();
    setUpSwitcher();
    setUpToc();
    setUpSearch();
  });
})();
