"""The lab's notebooks: committed clean, titled, linked from the contents, and each runs top to bottom."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from labkit.exceptions import NotebookExecutionError
from labkit.lab import notebooks
from tests.lab import FIXTURES, LAB, ROOT, executed

WIDGET_STATE = {
    "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}
}


def relative(path):
    return path.relative_to(ROOT).as_posix()


def write(path, *cells, **metadata):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=list(cells), metadata=metadata), path)
    return path


def test_the_lab_has_notebooks():
    """The contents notebook and the widget fixture exist (an empty glob would pass every check)."""
    assert "00-Contents.ipynb" in [p.name for p in LAB]
    assert "widget-checkbox.ipynb" in [p.name for p in FIXTURES]


@pytest.mark.parametrize("path", LAB + FIXTURES, ids=relative)
def test_notebook_runs_top_to_bottom(path):
    """Every notebook executes every code cell, in order, without error."""
    nb = executed(path)
    counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


@pytest.mark.parametrize("path", LAB + FIXTURES, ids=relative)
def test_committed_notebook_is_clean(path):
    """No outputs, execution counts or widget state; a '# Title' first cell; every relative link resolves."""
    assert [str(problem) for problem in notebooks.problems(path)] == []


def test_contents_links_every_notebook():
    """00-Contents links each notebook in notebooks/, so a new notebook cannot be forgotten."""
    contents = notebooks.read(ROOT / "notebooks" / "00-Contents.ipynb")
    targets = [
        t for cell in contents.cells if cell.cell_type == "markdown" for t in notebooks.links(cell.source)
    ]
    linked = {notebooks.local_target(t) for t in targets}
    assert [p.name for p in LAB if p.name not in linked] == []


def test_problems_lists_every_fault_in_cell_order(tmp_path):
    """Missing title, outputs, execution counts, broken links and widget state: each reported by cell."""
    (tmp_path / "02-Other.ipynb").write_text("{}")
    (tmp_path / "image.png").write_bytes(b"")
    path = write(
        tmp_path / "01-Bad.ipynb",
        new_code_cell(
            "1 + 1", execution_count=1, outputs=[new_output("execute_result", {"text/plain": "2"})]
        ),
        new_markdown_cell(
            "[ok](02-Other.ipynb#top) [gone](03-Gone.ipynb) ![img](image.png) [web](https://example.org)\n"
            '[anchor](#here) [mail](mailto:a@b.c) <a href="../nowhere.md">x</a>\n\n[ref]: missing%20file.md\n'
        ),
        widgets=WIDGET_STATE,
    )
    shown = str(path)
    strip = f"run `python -m labkit.lab.notebooks strip {shown}`"
    assert [str(p) for p in notebooks.problems(path)] == [
        f"{shown}: cell 1: source: the first cell must be markdown opening with '# Title'",
        f"{shown}: cell 1: outputs: has outputs; {strip}",
        f"{shown}: cell 1: execution_count: is set; {strip}",
        f"{shown}: cell 2: link 03-Gone.ipynb: points at a missing file",
        f"{shown}: cell 2: link ../nowhere.md: points at a missing file",
        f"{shown}: cell 2: link missing%20file.md: points at a missing file",
        f"{shown}: metadata.widgets: holds saved widget state; {strip}",
    ]


def test_a_clean_notebook_has_no_problems(tmp_path):
    """A titled notebook without outputs whose links resolve passes."""
    path = write(
        tmp_path / "nb.ipynb", new_markdown_cell("# Title\n\nSee [me](nb.ipynb)."), new_code_cell("1")
    )
    assert notebooks.problems(path) == []


def test_links_in_code_are_not_links():
    """Link-like text in code spans and fenced code is not a link; a title after the target is dropped."""
    text = 'a `[x](no.md)` b\n```\n[y](no.md)\n```\n[z](yes.md "Title") [w](<with space.md>)'
    assert notebooks.links(text) == ["yes.md", "with space.md"]


def test_unreadable_notebooks_are_one_problem_each(tmp_path):
    """A file that is not JSON, or not a notebook, is one problem naming the file."""
    (tmp_path / "a.ipynb").write_text("not json")
    (tmp_path / "b.ipynb").write_text('{"cells": 3}')
    found = [str(p) for name in ("a", "b", "c") for p in notebooks.problems(tmp_path / f"{name}.ipynb")]
    assert found == [
        f"{tmp_path}/a.ipynb: file: not a valid notebook: Notebook does not appear to be JSON: 'not json'",
        f"{tmp_path}/b.ipynb: file: not a valid notebook: 'int' object is not iterable",
        f"{tmp_path}/c.ipynb: file: cannot be read: No such file or directory",
    ]


def test_strip_removes_outputs_counts_timings_and_widget_state():
    """After strip the notebook is clean; stripping again changes nothing."""
    code = new_code_cell("print(1)", execution_count=3, outputs=[new_output("stream", text="1\n")])
    code.metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00Z"}
    code.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# T"), code], metadata={"widgets": WIDGET_STATE})
    assert notebooks.strip(nb) is True
    assert (dict(nb.metadata), nb.cells[1].outputs, nb.cells[1].execution_count) == ({}, [], None)
    assert dict(nb.cells[1].metadata) == {"tags": ["parameters"]}
    assert notebooks.strip(nb) is False


def test_command_line_check_and_strip(tmp_path, capsys):
    """`check` exits 1 listing problems, `strip` fixes them in place, then `check` exits 0."""
    path = write(tmp_path / "nb.ipynb", new_markdown_cell("# T"), new_code_cell("1", execution_count=1))
    assert notebooks.main(["check", str(path)]) == 1
    assert notebooks.main(["strip", str(path)]) == 0
    assert notebooks.main(["check", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: cell 2: execution_count: is set; run `python -m labkit.lab.notebooks strip {path}`",
        f"stripped {path}",
    ]
    assert notebooks.main(["strip", str(tmp_path / "nope.ipynb")]) == 2
    assert capsys.readouterr().err == f"{tmp_path}/nope.ipynb: cannot be read: No such file or directory\n"


def test_execution_runs_in_a_scratch_copy_with_the_data_folder(tmp_path):
    """A notebook reads ../data as in the tree and writes a file; the tree gets no outputs and no file."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("from data")
    source = "print(open('../data/x.txt').read())\n_ = open('written.txt', 'w').write('x')"
    path = write(tmp_path / "notebooks" / "nb.ipynb", new_markdown_cell("# T"), new_code_cell(source))
    before = path.read_bytes()
    nb = notebooks.execute(path, tmp_path)
    assert nb.cells[1].outputs == [new_output("stream", name="stdout", text="from data\n")]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["data", "nb.ipynb", "notebooks", "x.txt"]


def test_a_failing_cell_names_notebook_and_cell(tmp_path):
    """NotebookExecutionError says which notebook and which cell failed, and with what error."""
    path = write(
        tmp_path / "nb.ipynb", new_markdown_cell("# T"), new_code_cell("x = 1"), new_code_cell("1 / 0")
    )
    with pytest.raises(NotebookExecutionError) as failure:
        notebooks.execute(path, tmp_path)
    assert failure.value.cell == 3
    assert str(failure.value).startswith(f"{path}: cell 3: ")
    assert "\nZeroDivisionError: division by zero\n" in str(failure.value)


def test_a_notebook_outside_the_project_is_refused(tmp_path):
    """Its ../data could not come along into the scratch copy, so running it is refused up front."""
    path = write(tmp_path / "elsewhere" / "nb.ipynb", new_markdown_cell("# T"))
    with pytest.raises(ValueError, match=r"nb.ipynb: not inside the project folder .*/project, so its data"):
        notebooks.execute(path, tmp_path / "project")
