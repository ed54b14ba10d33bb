"""`annotated_docs.manifest`: input hashes, `.manifest.json`, and reusing unchanged outputs."""
import json

from annotated_docs import manifest
from annotated_docs.manifest import Target, input_hash, produce
from annotated_docs.translations import Problem


def test_input_hash_keeps_its_parts_apart():
    assert input_hash("ab", "c") != input_hash("a", "bc")
    assert input_hash("ab", "c") == input_hash(b"ab", "c")


def test_file_hash_of_a_missing_file_is_absent_and_changes_when_the_file_appears(tmp_path):
    catalog = tmp_path / "si" / "large.json"
    assert manifest.file_hash(catalog) == "absent"
    catalog.parent.mkdir()
    catalog.write_text("{}", encoding="utf-8")
    assert manifest.file_hash(catalog) != "absent"


def test_a_manifest_of_another_version_is_read_as_no_manifest(tmp_path):
    empty = {"sources": {}, "outputs": {}, "problems": {}}
    assert manifest.read(tmp_path) == empty                      # none at all
    (tmp_path / manifest.MANIFEST).write_text(json.dumps(
        {"version": manifest.MANIFEST_VERSION - 1, "sources": {"a.py": {}},
         "outputs": {"a.html": "0"}, "problems": {}}), encoding="utf-8")
    assert manifest.read(tmp_path) == empty


def test_problems_are_written_relative_to_the_translations_folder_and_read_back(tmp_path):
    translations = tmp_path / "translations"
    problem = Problem(str(translations / "si" / "large.json"), "key", "warning", "fuzzy", 3, 5)
    manifest.write(tmp_path, {"tutorial/large.py": {"hash": "1"}}, {"large.html": "2"},
                   {"si/large.html": [problem], "large.html": []}, translations)
    written = (tmp_path / manifest.MANIFEST).read_text(encoding="utf-8")
    assert str(tmp_path) not in written
    previous = manifest.read(tmp_path)
    assert previous["outputs"] == {"large.html": "2"}
    assert set(previous["problems"]) == {"si/large.html"}       # a page without problems: no entry
    assert manifest.remembered_problems(previous, "si/large.html", translations) == [problem]


def test_an_output_whose_inputs_are_unchanged_is_linked_not_made(tmp_path):
    old, staging = tmp_path / "docs", tmp_path / "staging"
    (old / "pages").mkdir(parents=True)
    (old / "pages" / "large.html").write_bytes(b"old page")
    staging.mkdir()
    target = Target(staging, old, {"pages/large.html": "same"})

    def make():
        raise AssertionError("an unchanged output must not be made again")
    produced = produce(target, "pages/large.html", "same", make)
    assert produced.reused and (staging / "pages" / "large.html").read_bytes() == b"old page"


def test_an_output_whose_inputs_changed_is_made_again(tmp_path):
    old, staging = tmp_path / "docs", tmp_path / "staging"
    old.mkdir()
    (old / "large.html").write_bytes(b"old page")
    staging.mkdir()
    produced = produce(Target(staging, old, {"large.html": "before"}), "large.html", "after",
                       lambda: b"new page")
    assert not produced.reused and produced.digest == "after"
    assert (staging / "large.html").read_bytes() == b"new page"


def test_an_output_the_last_build_remembers_but_lost_is_made_again(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    produced = produce(Target(staging, tmp_path / "docs", {"large.html": "same"}), "large.html",
                       "same", lambda: b"made")
    assert not produced.reused and (staging / "large.html").read_bytes() == b"made"


def test_a_changed_template_changes_the_generator_hash(tmp_path, monkeypatch):
    generator = tmp_path / "annotated_docs"
    (generator / "templates").mkdir(parents=True)
    (generator / "templates" / "page.html").write_text("<main>", encoding="utf-8")
    (generator / "__pycache__").mkdir()
    monkeypatch.setattr(manifest, "GENERATOR_ROOT", generator)
    before = manifest.generator_hash()
    (generator / "__pycache__" / "build.cpython-311.pyc").write_bytes(b"compiled")
    assert manifest.generator_hash() == before             # compiled files are not the generator
    (generator / "templates" / "page.html").write_text("<main class=page>", encoding="utf-8")
    assert manifest.generator_hash() != before
