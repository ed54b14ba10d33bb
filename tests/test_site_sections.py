"""Splitting Python sources into sections of notes and code."""
import pytest

from annotated_docs.errors import BuildError
from annotated_docs.sections import split_markdown, split_python


def split(source):
    return [(section.notes, section.code_lines) for section in split_python(source, "x.py")]


def test_module_docstring_and_comment_runs_become_notes():
    source = '"""\nModule notes\n"""\n\nimport os\n\n# First note\n# continued\nx = 1\n'
    assert split(source) == [("Module notes\n", (5,)), ("First note\ncontinued\n", (9,))]


def test_function_docstring_notes_sit_beside_decorators_and_signature():
    source = "@decorator\ndef f(a):\n    '''\n    ### F\n    '''\n    return a\n"
    assert split(source) == [("### F\n", (1, 2, 6))]


def test_nested_docstrings_each_open_a_section():
    source = ('class A:\n    """Class notes"""\n\n    def method(self):\n'
              '        """Method notes"""\n        def inner():\n            """Inner notes"""\n'
              '            return 1\n        return inner\n')
    assert split(source) == [("Class notes\n", (1,)), ("Method notes\n", (4,)),
                             ("Inner notes\n", (6, 8, 9))]


def test_comment_inside_an_expression_stays_in_the_code():
    source = "# Note\nvalues = [\n    # one\n    1,\n]\n"
    assert split(source) == [("Note\n", (2, 3, 4, 5))]


def test_hash_in_a_string_is_not_a_comment_and_trailing_comments_stay():
    source = "# Note\nx = '# not a comment'  # trailing\n"
    assert split(source) == [("Note\n", (2,))]


def test_blank_comment_lines_keep_paragraphs_in_one_note():
    source = "# First paragraph\n#\n# Second paragraph\nx = 1\n"
    assert split(source) == [("First paragraph\n\nSecond paragraph\n", (4,))]


def test_notes_without_code_join_the_following_notes():
    source = "# Heading note\n\n# Body note\nx = 1\n"
    assert split(source) == [("Heading note\n\nBody note\n", (4,))]


def test_comment_between_decorator_and_def_stays_code():
    source = "@decorator\n# not a note\ndef f():\n    '''Doc'''\n    pass\n"
    assert split(source) == [("Doc\n", (1, 2, 3, 5))]


def test_one_line_docstring_on_the_def_line_stays_code():
    source = "def f(): 'doc'\n"
    assert split(source) == [("", (1,))]


def test_empty_sections_are_dropped_and_line_numbers_kept():
    source = "\n\n# Note\n\n\nx = 1\n\n\n"
    assert split(source) == [("Note\n", (6,))]


def test_syntax_error_names_the_line_and_text():
    with pytest.raises(BuildError) as raised:
        split_python("x = 1\ndef broken(:\n", "bad.py")
    assert raised.value.line == 2 and "def broken(:" in str(raised.value)
    assert "bad.py:2" in str(raised.value)


def test_markdown_file_is_one_section():
    assert [(s.notes, s.code_lines) for s in split_markdown("# T\n\ntext\n")] == [("# T\n\ntext\n", ())]
    assert split_markdown("\n\n") == []


def test_hash_lines_inside_multi_line_strings_and_f_strings_stay_code():
    source = ('x = """\n# inside a string\n"""  # trailing\n'
              "y = f\"{'#'}{[1, (2)][0]}(\"\n# Note\nz = 1\n")
    assert split(source) == [("", (1, 2, 3, 4)), ("Note\n", (6,))]


def test_comment_inside_a_signature_without_docstring_stays_code():
    source = "def f(\n    a,\n    # about b\n    b,\n):\n    # Body note\n    return a\n"
    assert split(source) == [("", (1, 2, 3, 4, 5)), ("Body note\n", (7,))]


def test_shebang_and_windows_line_endings():
    source = "#!/usr/bin/env python\r\n# Note\r\nx = 1\r\n"
    assert split(source) == [("", (1,)), ("Note\n", (3,))]


def _tokenize_comment_lines(source):
    """What Python's own tokenizer calls a whole-line comment outside brackets: the
    reference the Pygments tokens must agree with."""
    import io
    import tokenize
    found, depth = set(), 0
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.COMMENT and depth == 0 \
                and not lines[token.start[0] - 1][:token.start[1]].strip():
            found.add(token.start[0])
    return found


def test_comments_found_agree_with_pythons_tokenizer_on_every_source_here():
    from pathlib import Path
    from annotated_docs import code
    from annotated_docs.sections import _comment_notes
    root = Path(__file__).resolve().parent.parent
    files = [path for folder in ("labml_nn_distill", "annotated_docs", "tests", "benchmarks")
             for path in sorted((root / folder).rglob("*.py"))]
    assert len(files) > 30
    for path in files:
        source = path.read_text(encoding="utf-8")
        notes = _comment_notes(code.lex(source), signatures=[])
        ours = {number for note in notes for number in note.hidden}
        expected = _tokenize_comment_lines(source) - ({1} if source.startswith("#!") else set())
        assert ours == expected, path
