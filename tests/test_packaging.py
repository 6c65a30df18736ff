"""Packaging: every subpackage is installed and the package data is declared."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "factorlab").rglob("__init__.py")}
    missing = on_disk - listed
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"
    assert "factorlab.sample_data" in listed
    assert config["package-dir"]["factorlab.sample_data"] == "data/sample"


def test_sample_files_are_declared_package_data():
    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for name in ("prices.parquet", "benchmark.parquet", "sectors.csv"):
        assert (REPO / "data" / "sample" / name).exists()
    assert "*.parquet" in data["factorlab.sample_data"] and "*.csv" in data["factorlab.sample_data"]


def test_computing_layers_never_import_matplotlib():
    computing = ["data", "factor", "portfolio", "metrics", "compat", "backtest"]
    offenders = []
    for pkg in computing:
        for path in (REPO / "factorlab" / pkg).rglob("*.py"):
            text = path.read_text()
            if "import matplotlib" in text or "from matplotlib" in text or "import seaborn" in text:
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f"computing modules import matplotlib/seaborn: {offenders}"
