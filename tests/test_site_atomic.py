"""`annotated_docs.atomic`: build into a staging folder, swap it in only when finished."""
import pytest

from annotated_docs.atomic import staging_folder, swap


def test_a_failed_build_removes_its_staging_folder(tmp_path):
    out = tmp_path / "docs"
    with pytest.raises(RuntimeError):
        with staging_folder(out) as staging:
            (staging / "index.html").write_text("half", encoding="utf-8")
            raise RuntimeError("bad LaTeX")
    assert not staging.exists() and list(tmp_path.iterdir()) == []


def test_the_swap_replaces_the_old_output_and_leaves_nothing_beside_it(tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "old.html").write_text("old", encoding="utf-8")
    with staging_folder(out) as staging:
        assert staging.parent == tmp_path           # one file system: the swap is two renames
        (staging / "new.html").write_text("new", encoding="utf-8")
        swap(staging, out)
    assert [path.name for path in out.iterdir()] == ["new.html"]
    assert [path.name for path in tmp_path.iterdir()] == ["docs"]


def test_the_swap_makes_the_output_when_there_was_none(tmp_path):
    out = tmp_path / "site" / "docs"
    with staging_folder(out) as staging:
        (staging / "index.html").write_text("new", encoding="utf-8")
        swap(staging, out)
    assert (out / "index.html").read_text(encoding="utf-8") == "new"
