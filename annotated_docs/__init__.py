"""Render annotated Python and Markdown files into a static site of side-by-side pages.

The pipeline, one small module per step (each a set of pure functions, data to data):

* `sections`: split a source file into sections (notes + the code they describe);
* `notes`: render a section's notes (CommonMark, math to MathML, inline code) to HTML;
* `placeholders`: swap math, code and images for numbered placeholders (translation keys);
* `code`: highlight the source with Pygments, keeping its own line numbers;
* `pages`: the page model (title, summary, sections, translation keys);
* `i18n`: translated notes and site strings for one language;
* `render`: fill the Jinja2 templates;
* `build`: the whole site, incremental and atomic.

It never imports torch; the tutorial never imports it.
"""
