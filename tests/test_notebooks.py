"""The notebooks run top to bottom in a real Jupyter kernel and show their output inline."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _run(name: str, tmp_path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    return nb


def test_quickstart_notebook_shows_tear_sheet_inline(tmp_path):
    nb = _run("01_quickstart.ipynb", tmp_path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    # no warning printed anywhere in the notebook
    assert not [o for o in outputs if o.output_type == "stream" and o.get("name") == "stderr"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    sheet = next(h for h in html if 'id="information"' in h)
    assert sheet.count("<img") >= 13 and "data:image/png;base64," in sheet
    assert sheet.index("Verdict") < sheet.index('id="summary"')   # the verdict comes first
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "10D:" in printed and "HAC p =" in printed
    assert any("image/png" in o.get("data", {}) for o in outputs)  # a Figure shown on its own
    assert (tmp_path / "tearsheet.html").exists()
