"""Accessibility in headless Chromium: axe-core (npm package, tests/browser/package.json,
injected from node_modules, no network) reports no serious or critical violation on the
distillation page (docs/index.html), the readme and the Sinhala readme, in the light and
the dark theme.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from browser_fixtures import *  # noqa: E402,F401,F403

import pytest  # noqa: E402

AXE_PAGES = ["index.html", "readme.html", "si/readme.html"]
BLOCKING = {"serious", "critical"}


def _format(violation):
    nodes = "\n      ".join(
        f"{' '.join(n['target']) if isinstance(n['target'][0], str) else n['target']}: "
        f"{(n.get('failureSummary') or '').splitlines()[-1].strip()[:160]}"
        for n in violation["nodes"][:6])
    more = len(violation["nodes"]) - 6
    return (f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({len(violation['nodes'])} node(s))\n      {nodes}"
            + (f"\n      ... and {more} more" if more > 0 else ""))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page", AXE_PAGES)
def test_axe_reports_no_serious_or_critical_violation(site, page, scheme):
    if not bh.AXE_JS.is_file():
        skip_or_fail(f"axe-core is not installed ({bh.AXE_JS} missing: "
                     f"cd tests/browser && npm ci)")
    if page not in PAGES:
        pytest.fail(f"{page} is missing from {bh.DOCS}")
    tab = site.new_page(color_scheme=scheme)
    try:
        tab.goto(site.server.url(page), wait_until="load")
        tab.add_script_tag(path=str(bh.AXE_JS))
        results = tab.evaluate("""async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))}));
        }""")
        blocking = [v for v in results if v["impact"] in BLOCKING]
        assert not blocking, (f"{page} ({scheme}): axe-core found {len(blocking)} serious/"
                              f"critical violation(s):\n  " + "\n  ".join(map(_format, blocking)))
    finally:
        tab.context.close()
