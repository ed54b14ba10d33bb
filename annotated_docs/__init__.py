"""Render annotated Python and Markdown files into a static site of side-by-side pages.

The pipeline, one small module per step (each a set of pure functions, data to data):

* `sections`: split a source file into sections (notes + the code they describe);
* `notes`: render a section's notes (CommonMark, math to MathML, inline code) to HTML;
* `placeholders`: swap math, code and images for numbered placeholders (translation keys);
* `code`: highlight the source with Pygments, keeping its own line numbers;
* `paths`: a source file's page path (`__init__` -> `index`);
* `pages`: the page model (title, summary, sections, translation keys);
* `reading_order`: the order of the pages, as each folder's index page declares it;
* `i18n`: translated notes and site strings for one language;
* `render`: fill the Jinja2 templates;
* `build`: the whole site, incremental and atomic.

`translations` (translators' files, their checks and commands) imports none of these; the
generator imports it and hands its commands the English keys.

It never imports torch; the tutorial never imports it.
"""
