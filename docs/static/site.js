// The theme toggle: flips between light and dark and remembers the choice on every page.
(function () {
  var KEY = "annotated-docs-theme";
  var root = document.documentElement;
  var system = window.matchMedia("(prefers-color-scheme: dark)");

  function current() {
    return root.dataset.theme || (system.matches ? "dark" : "light");
  }

  function show(button) {
    var dark = current() === "dark";
    var label = dark ? button.dataset.labelLight : button.dataset.labelDark;
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.title = label;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    show(button);
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem(KEY, next); } catch (e) { /* not remembered */ }
      show(button);
    });
    system.addEventListener("change", function () { show(button); });
  });
})();
