// Runs before the page paints: apply the theme the reader chose, so there is no flash.
(function () {
  try {
    var theme = localStorage.getItem("annotated-docs-theme");
    if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
  } catch (e) { /* storage blocked: follow the system */ }
})();
