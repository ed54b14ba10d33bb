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
    document.querySelectorAll(".code pre, .notes pre, .cite pre").forEach(function (pre) {
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
        var section = readersPlace();
        if (section) link.href = link.href.split("#")[0] + "#" + section;
      });
    });
  }

  // The section at the top of the window: the reader's place, without a #hash to say it.
  function sectionInView() {
    var sections = document.querySelectorAll("section.section[id]");
    for (var i = 0; i < sections.length; i++) {
      if (sections[i].getBoundingClientRect().bottom > 8) return i || window.scrollY > 0 ? sections[i] : null;
    }
    return null;
  }

  // Where the reader is: the #hash, else the section at the top of the window when they were
  // last reading below the header (reaching the header's links scrolls them away from it).
  var readerAt = null;
  function setUpPlace() {
    var header = document.querySelector(".site-header"), pending = false;
    window.addEventListener("scroll", function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        if (!header || header.getBoundingClientRect().bottom < 0) readerAt = sectionInView();
      });
    }, {passive: true});
  }
  function readersPlace() { return location.hash.slice(1) || (readerAt || sectionInView() || {}).id || ""; }

  // "Report a problem" names the section the reader is at.
  function setUpReport() {
    document.querySelectorAll("a[data-report]").forEach(function (link) {
      link.addEventListener("click", function () {
        var section = readersPlace();
        if (section) link.href = link.dataset.report + encodeURIComponent("\nSection: #" + section);
      });
    });
  }

  // -------------------------------------------------------------------- table of contents
  // Beside the text from 1024 px on, marking the heading the reader is under.
  function setUpToc() {
    var toc = document.getElementById("site-toc");
    if (!toc) return;
    var wide = window.matchMedia("(min-width: 1024px)");
    function follow() { toc.open = wide.matches; }
    follow();
    wide.addEventListener("change", follow);
    var links = Array.prototype.slice.call(toc.querySelectorAll("a[href^='#']"));
    var targets = links.map(function (link) {
      return document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    });
    var pending = false;
    function mark() {
      pending = false;
      var current = -1;
      for (var i = 0; i < targets.length; i++) {
        if (targets[i] && targets[i].getBoundingClientRect().top < 40) current = i;
      }
      links.forEach(function (link, i) {
        if (i === Math.max(current, 0)) {
          if (link.getAttribute("aria-current") !== "location") {
            link.setAttribute("aria-current", "location");
            var list = toc.parentNode, box = link.getBoundingClientRect(), shown = list.getBoundingClientRect();
            if (box.top < shown.top || box.bottom > shown.bottom) list.scrollTop += box.top - shown.top - shown.height / 3;
          }
        } else link.removeAttribute("aria-current");
      });
    }
    window.addEventListener("scroll", function () {
      if (!pending) { pending = true; requestAnimationFrame(mark); }
    }, {passive: true});
    mark();
  }

  // ------------------------------------------------- symbols of the formulas and the code
  // Hovering or focusing T in a formula lights the variable that holds it in the code, and
  // the reverse (the page's `symbols:`, see annotated_docs/symbols.py).
  function setUpSymbols() {
    function light(event, on) {
      var symbol = event.target.closest && event.target.closest("[data-symbol]");
      if (!symbol) return;
      document.querySelectorAll("[data-symbol]").forEach(function (element) {
        if (element.dataset.symbol === symbol.dataset.symbol) element.classList.toggle("symbol-lit", on);
      });
    }
    ["mouseover", "focusin"].forEach(function (name) {
      document.addEventListener(name, function (event) { light(event, true); });
    });
    ["mouseout", "focusout"].forEach(function (name) {
      document.addEventListener(name, function (event) { light(event, false); });
    });
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

  // A query finds what its other spellings find: T^2, T2 and T² (NFKC), alpha, \alpha and α,
  // z_i and zi; the index holds formulas as T^2 and z_i (outline.search_text).
  var GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "θ": "theta",
               "λ": "lambda", "μ": "mu", "π": "pi", "σ": "sigma", "τ": "tau", "φ": "phi", "ω": "omega"};
  function fold(text) {
    return text.normalize("NFKC").toLowerCase().replace(/[αβγδεθλμπστφω]/g, function (letter) {
      return GREEK[letter];
    }).replace(/[\^_{}\\$]/g, "");
  }

  // Chinese and Japanese have no spaces between words: a run of Han, hiragana and katakana
  // is a term of its own, found whole or by its overlapping character pairs; the rest of the
  // query is words, as in English. The same rules as annotated_docs/search_query.py (whose
  // docstring says them in full), which the browser tests hold this to.
  var CJK = /[\u3005-\u3007\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3ffff}]/u;
  var RUNS = /[\u3005-\u3007\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3ffff}]+|(?:(?![\u3005-\u3007\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3ffff}])[\s\S])+/gu;

  // Python's whitespace and JavaScript's, both (search_query._SPACE is the same set)
  var SPACE = /[\s\x1c-\x1f\x85]+/;

  function bigrams(run) {
    var characters = Array.from(run), pairs = [];
    if (characters.length === 1) return [run];
    for (var i = 0; i + 1 < characters.length; i++) pairs.push(characters[i] + characters[i + 1]);
    return pairs;
  }

  function terms(query) {
    var found = [];
    fold(query).split(SPACE).filter(Boolean).forEach(function (piece) {
      if (!CJK.test(piece)) { found.push({word: piece}); return; }
      (piece.match(RUNS) || []).forEach(function (run) {
        if (CJK.test(run)) found.push({cjk: run, grams: bigrams(run)});
        else if (/[\p{L}\p{N}]/u.test(run)) found.push({word: run});
      });
    });
    return found;
  }

  function wordScore(word, entry) {
    var inText = entry.text.split(word).length - 1, inHeading = entry.heading.indexOf(word) >= 0;
    var inTitle = entry.title.indexOf(word) >= 0;
    if (!inText && !inHeading && !inTitle) return null;
    return (inHeading && !entry.code ? 4 : 0) + (inTitle ? 2 : 0) + (entry.code ? 0.5 : 1) * Math.min(inText, 4);
  }

  function termScore(term, entry) {
    if (term.word !== undefined) return wordScore(term.word, entry);
    var whole = wordScore(term.cjk, entry), grams = term.grams;
    if (whole !== null || grams.length === 1) return whole;
    var found = grams.map(function (gram) { return wordScore(gram, entry); });
    for (var i = 0; i <= grams.length; i++) {
      if (!((i > 0 && found[i - 1] !== null) || (i < grams.length && found[i] !== null))) return null;
    }
    var total = 0;
    found.forEach(function (score) { if (score !== null) total += score; });
    return 0.5 * total / grams.length;
  }

  // Each entry's heading, text and page title folded once, when the index is first used.
  function foldedEntries() {
    if (!index.folded) {
      index.folded = index.entries.map(function (entry) {
        return {heading: fold(entry[1]), text: fold(entry[3]), title: fold(index.pages[entry[0]][1]),
                code: entry[4] === 1};
      });
    }
    return index.folded;
  }

  // Score: a word in the heading counts most, a heading that is the query itself more still
  // (the section that defines it), then the page's title, then how often the text says it; the
  // names in code count half. Ties keep reading order. One result per title shown.
  function search(query) {
    var wanted = terms(query);
    if (!wanted.length) return [];
    var whole = fold(query).split(SPACE).filter(Boolean).join(" "), found = [];
    var folded = foldedEntries();
    index.entries.forEach(function (entry, position) {
      var page = index.pages[entry[0]], seen = folded[position], score = 0;
      for (var i = 0; i < wanted.length; i++) {
        var termScored = termScore(wanted[i], seen);
        if (termScored === null) return;
        score += termScored;
      }
      if (!seen.code && (seen.heading === whole || seen.title === whole)) score += 8;
      found.push({entry: entry, page: page, score: score, position: position, title: shownTitle(entry, page)});
    });
    found.sort(function (a, b) { return b.score - a.score || a.position - b.position; });
    var shown = {};
    return found.filter(function (result) {
      if (shown[result.title]) return false;
      shown[result.title] = true;
      return true;
    }).slice(0, 20);
  }

  // The page's title and the heading; a section without one is named by its first words.
  function shownTitle(entry, page) {
    var under = entry[1] || (entry[4] === 1 ? "" : entry[3].split(SPACE).slice(0, 8).join(" "));
    return page[1] + (under && under !== page[1] ? " › " + under : "") + (entry[4] === 1 ? " ‹›" : "");
  }

  // The text around the first term the text holds (a CJK term whole, else its first pair
  // found there).
  function snippet(text, query) {
    var folded = fold(text), at = -1;
    terms(query).some(function (term) {
      var candidates = term.word !== undefined ? [term.word] : [term.cjk].concat(term.grams);
      return candidates.some(function (candidate) { at = folded.indexOf(candidate); return at >= 0; });
    });
    at = Math.max(0, at - 40);
    return (at > 0 ? "…" : "") + text.slice(at, at + 140) + (text.length > at + 140 ? "…" : "");
  }

  // The list lies inside the window whatever pushes the box aside (breadcrumbs, width).
  function place(list) {
    list.style.left = list.style.right = "";
    var box = list.getBoundingClientRect(), width = document.documentElement.clientWidth;
    var shift = box.left < 8 ? 8 - box.left : box.right > width - 8 ? width - 8 - box.right : 0;
    if (shift) {
      list.style.left = (list.offsetLeft + shift) + "px";
      list.style.right = "auto";
    }
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
      title.textContent = result.title;
      var text = document.createElement("span");
      text.className = "search-snippet";
      if (result.entry[4] === 1) text.lang = "en";
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
    place(list);
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
    // keyboard alone: ArrowDown/ArrowUp through the results and back to the box, Enter opens
    // (the first from the box), Esc closes the list from anywhere in it
    input.parentNode.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var at = links.indexOf(document.activeElement);
      if (event.key === "Escape") {
        list.hidden = true;
        input.focus();
        if (at < 0) { input.value = ""; status.textContent = ""; }
        event.preventDefault();
      } else if (event.key === "ArrowDown" && links.length && !list.hidden) {
        links[Math.min(at + 1, links.length - 1)].focus();
        event.preventDefault();
      } else if (event.key === "ArrowUp" && at >= 0) {
        (at > 0 ? links[at - 1] : input).focus();
        event.preventDefault();
      } else if (event.key === "Enter" && event.target === input && links.length) {
        links[0].click();
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
    window.addEventListener("resize", function () { if (!list.hidden) place(list); });
  }

  // For the browser tests, which hold these to annotated_docs/search_query.py
  window.annotatedDocsQuery = {
    fold: fold,
    terms: terms,
    search: function (query) {
      return search(query).map(function (result) {
        return {href: result.page[0] + "#" + result.entry[2], title: result.title, score: result.score};
      });
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    setUpTheme();
    setUpCopyButtons();
    setUpPlace();
    setUpSwitcher();
    setUpReport();
    setUpSymbols();
    setUpToc();
    setUpSearch();
  });
})();
