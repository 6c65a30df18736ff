"""Notebooks 02-04 run top to bottom in a real Jupyter kernel, with their figures and the explorer inline.

(01_quickstart is covered by tests/test_notebooks.py.) A notebook fails the
test on any error or any text on stderr (a warning shown to the reader); the
notebooks also assert their own key claims (exact agreement, sleeves = single
portfolios, compat numbers = native numbers).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"


def _run(name: str, tmp_path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return nb


def _outputs(nb) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def _stderr(nb) -> list[str]:
    """Text written to stderr by any cell (warnings land there): a notebook shows none."""
    return [o.get("text", "") for o in _outputs(nb) if o.output_type == "stream" and o.get("name") == "stderr"]


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(nb))


def _text(nb) -> str:
    parts = []
    for o in _outputs(nb):
        stream = o.output_type == "stream"
        parts.append(o.get("text", "") if stream else o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_every_notebook_is_stored_without_outputs():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), path.name


def test_interleaved_portfolios_notebook(tmp_path):
    nb = _run("02_interleaved_portfolios.ipynb", tmp_path)
    assert not [o for o in _outputs(nb) if o.output_type == "error"]
    assert not _stderr(nb), _stderr(nb)
    assert _images(nb) >= 3
    text = _text(nb)
    assert "every sleeve equals the single portfolio" in text
    assert "capacity ratio interleaved / single" in text


def test_tearsheet_vs_backtest_notebook(tmp_path):
    nb = _run("03_tearsheet_vs_backtest.ipynb", tmp_path)
    assert not [o for o in _outputs(nb) if o.output_type == "error"]
    assert not _stderr(nb), _stderr(nb)
    assert _images(nb) >= 3
    html = [o["data"]["text/html"] for o in _outputs(nb) if "text/html" in o.get("data", {})]
    assert any("max_abs_difference" in h for h in html) and any("volume limit" in h for h in html)
    assert any(WIDGET in o.get("data", {}) for o in _outputs(nb))  # the backtest's progress bar


def test_migrating_from_alphalens_notebook_with_the_explorer(tmp_path):
    nb = _run("04_migrating_from_alphalens.ipynb", tmp_path)
    assert not [o for o in _outputs(nb) if o.output_type == "error"]
    assert not _stderr(nb), _stderr(nb)
    explorer_cell = next(c for c in nb.cells if c.cell_type == "code" and "explore(fd" in c.source)
    views = [o for o in explorer_cell.outputs if WIDGET in o.get("data", {})]
    assert views and "VBox" in views[0]["data"]["text/plain"]
    widgets = nb.metadata.get("widgets", {})
    state = widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    models = {m["model_name"] for m in state.values()}
    assert {"VBoxModel", "ImageModel", "DropdownModel", "SelectionRangeSliderModel"} <= models
    driven = nb.cells[nb.cells.index(explorer_cell) + 1]
    assert "updated in" in "".join(o.get("text", "") for o in driven.outputs)
    assert "10D" in driven.outputs[-1]["data"]["text/plain"]


def test_screening_notebook(tmp_path):
    nb = _run("05_screening.ipynb", tmp_path)
    assert not [o for o in _outputs(nb) if o.output_type == "error"]
    assert not _stderr(nb), _stderr(nb)
    text = _text(nb)
    assert "the screen's row equals the single-factor verdict" in text
    assert "characters written to screen.html" in text and (tmp_path / "screen.html").exists()
    html = [o["data"]["text/html"] for o in _outputs(nb) if "text/html" in o.get("data", {})]
    assert any("Factor screen" in h and "p adjusted (holm)" in h for h in html)
    # a factor that cannot be screened: raised by default, reported with errors='report'
    assert "errors='raise': MaxLossExceededError - factor 'momentum 60-5, stamped 16:00'" in text
    assert "errors='report': 1 of 2 factors could not be screened" in text


@pytest.mark.parametrize("name", ["02_interleaved_portfolios.ipynb", "03_tearsheet_vs_backtest.ipynb",
                                  "04_migrating_from_alphalens.ipynb", "05_screening.ipynb"])
def test_notebooks_use_only_the_bundled_sample(name):
    source = "\n".join(c.source for c in nbformat.read(NOTEBOOKS / name, as_version=4).cells)
    assert "fl.load_sample()" in source and "shared/data" not in source and "read_parquet" not in source
