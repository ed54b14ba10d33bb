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
* `scan`: the build's first stage, each source's heading, images and formulas' characters;
* `search_index`: each language's search index, `static/search-<lang>.js`;
* `fonts`: the math font, cut to the characters the formulas use;
* `manifest`: input hashes and `.manifest.json`, which make the build incremental;
* `atomic`: the staging folder and the swap, which make a failed build leave no trace;
* `urls`: the base URL and the repository's address in one spelling;
* `build`: the whole site, as a list of those stages.

`translations` (translators' files, their checks and commands) imports none of these; the
generator imports it and hands its commands the English keys.

It never imports torch; the tutorial never imports it.
"""
