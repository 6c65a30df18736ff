"""Packaging: every subpackage is installed and the package data is declared."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

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
    # Alphalens' plotting and tears names draw: they import matplotlib inside their functions only
    drawing = {"factorlab/compat/alphalens/plotting.py", "factorlab/compat/alphalens/tears.py"}
    offenders = []
    for pkg in computing:
        for path in (REPO / "factorlab" / pkg).rglob("*.py"):
            text = path.read_text()
            if str(path.relative_to(REPO)) in drawing:
                top = [n for n in ast.parse(text).body if isinstance(n, (ast.Import, ast.ImportFrom))]
                names = [a.name for n in top for a in n.names] + \
                    [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
                if any(name.split(".")[0] in ("matplotlib", "seaborn") for name in names):
                    offenders.append(str(path.relative_to(REPO)))
                continue
            if "import matplotlib" in text or "from matplotlib" in text or "import seaborn" in text:
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f"computing modules import matplotlib/seaborn: {offenders}"


# `import factorlab` is lazy: none of these may be imported by it (each costs tens of MiB and
# seconds; they load on first use of a name that needs them).
HEAVY = ("matplotlib", "seaborn", "statsmodels", "ipywidgets", "jinja2", "scipy.stats")


def _run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False,
                         cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_import_factorlab_does_not_import_heavy_dependencies():
    loaded = json.loads(_run_python(f"""
        import json, sys
        import factorlab
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
    """))
    assert loaded == [], f"`import factorlab` imports {loaded}; import them inside the functions that need them"


def test_the_backtest_path_does_not_import_plotting_or_statistics_libraries():
    loaded = json.loads(_run_python(f"""
        import json, sys
        import factorlab as fl
        fl.prepare_factor_data, fl.factor_weights, fl.interleaved_returns, fl.run_backtest, fl.FactorStrategy
        import factorlab.data, factorlab.metrics, factorlab.registry
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
    """))
    assert loaded == [], f"the factor -> portfolio -> backtest path imports {loaded}"


def test_every_public_name_resolves_and_is_the_subpackage_object():
    report = json.loads(_run_python("""
        import json, types
        import factorlab as fl
        from factorlab import factor, portfolio, tears
        missing = [n for n in fl.__all__ if not hasattr(fl, n)]
        # the names of factor, portfolio and tears are re-exported whole, each the same object
        subs = {n: m for m in (factor, portfolio, tears) for n in m.__all__}
        not_exported = sorted(set(subs) - set(fl.__all__))
        different = [n for n, m in subs.items() if n in fl.__all__ and getattr(fl, n) is not getattr(m, n)]
        ns = {}
        exec("from factorlab import *", ns)
        star_missing = [n for n in fl.__all__ if n not in ns]
        print(json.dumps({"missing": missing, "not_exported": not_exported, "different": different,
                          "star_missing": star_missing, "dir_missing": sorted(set(fl.__all__) - set(dir(fl))),
                          "backtest_is_function": isinstance(fl.run_backtest, types.FunctionType),
                          "explore_is_function": isinstance(fl.open_explorer, types.FunctionType),
                          "modules": [type(getattr(fl, m)).__name__ for m in ("tears", "plotting", "report")]}))
    """))
    assert report["missing"] == [] and report["star_missing"] == [] and report["dir_missing"] == []
    assert report["not_exported"] == [] and report["different"] == []
    assert report["backtest_is_function"] and report["explore_is_function"]
    assert report["modules"] == ["module", "module", "module"]


def test_a_subpackage_name_is_the_subpackage_and_the_functions_have_their_own_names():
    out = _run_python("""
        import types
        import factorlab as fl
        first = type(fl.backtest).__name__, type(fl.explore).__name__  # before any explicit import
        import factorlab.backtest as b
        import factorlab.explore as e
        from factorlab.backtest import FactorStrategy
        from factorlab.backtest._engine import backtest
        print(*first, isinstance(b, types.ModuleType), b is fl.backtest, e is fl.explore,
              fl.run_backtest is backtest is b.backtest, fl.open_explorer is e.explore,
              FactorStrategy is fl.FactorStrategy, type(fl).__name__ == "module" and type(fl) is types.ModuleType)
    """)
    assert out.split() == ["module", "module"] + ["True"] * 7


def test_unknown_attribute_raises_attribute_error():
    import factorlab as fl

    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        fl.not_a_name  # noqa: B018


# Required dependencies the package does not import by name, and why each stays required.
_NOT_IMPORTED = {
    "pyarrow": "pandas' Parquet engine (read_parquet / to_parquet of the sample data and registry)",
    "statsmodels": "kept for the HAC (Newey-West) inference of the honest-statistics work; not imported yet",
}
_MODULE = {"Jinja2": "jinja2"}


def test_every_required_dependency_is_imported_by_the_package():
    import ast
    import re
    import tomllib
    from pathlib import Path

    REPO = Path(__file__).resolve().parents[1]
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0] for d in deps]
    imported = set()
    for path in (REPO / "factorlab").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    unused = [n for n in names if _MODULE.get(n, n) not in imported and n not in _NOT_IMPORTED]
    assert unused == [], f"required but never imported (drop them or make them extras): {unused}"
    assert "seaborn" not in names
