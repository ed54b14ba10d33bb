"""README.md: its measured numbers are generated from the committed results JSON."""
import importlib.util
import re
from pathlib import Path

from labml_nn_distill.engineering.report import page_block

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location('update_readme', REPO / 'scripts' / 'update_readme.py')
update_readme = importlib.util.module_from_spec(spec)
spec.loader.exec_module(update_readme)


def test_readme_results_table_is_generated_from_the_committed_json():
    block = page_block((REPO / 'README.md').read_text(), update_readme.BLOCK)
    assert block is not None, 'README.md lost its results markers'
    assert block == update_readme.readme_block(), 'README.md is stale: run python scripts/update_readme.py'
    # One row per committed results JSON the script knows
    assert block.count('\n| [') == len([p for p, _ in update_readme.ROWS if update_readme.load(p) is not None])


def test_readme_says_beats_only_inside_the_generated_table():
    text = (REPO / 'README.md').read_text()
    block = page_block(text, update_readme.BLOCK)
    outside = text.replace(block, '')
    # The word in quotes is its definition, not a claim
    assert not re.search(r'(?<!")\bbeats?\b(?!")', outside), 'a "beats" claim outside the generated table'
    assert re.search(r'(?<!")\bbeats?\b(?!")', outside + ' distilled beats baseline'), 'the check can fail'
