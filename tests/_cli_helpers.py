"""Helpers for tests that run the real ``factorlab`` console script in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def make_workdir(path: Path, bars: int = 300, assets: int = 12) -> Path:
    """A working directory with the example strategy module and a small prices file (+ 'SPX' column)."""
    import factorlab as fl

    shutil.copy(HERE / "strategies_for_cli.py", path / "strategies_for_cli.py")
    sample = fl.load_sample()
    prices = sample.prices.iloc[:bars, :assets].copy()
    prices["SPX"] = sample.benchmark.iloc[:bars]
    prices.to_parquet(path / "prices.parquet")
    return path


def cli(cwd: Path, *args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m factorlab ARGS`` in ``cwd`` (not relying on PATH) and capture its output."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg", **(env or {})}
    full_env.pop("FACTORLAB_REGISTRY", None)
    return subprocess.run([sys.executable, "-m", "factorlab", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=timeout, env=full_env)


def cli_popen(cwd: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    env.pop("FACTORLAB_REGISTRY", None)
    return subprocess.Popen([sys.executable, "-m", "factorlab", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_registry(path: Path) -> pd.DataFrame:
    """The runs table of a registry folder, or of ``path/.factorlab`` (a working directory)."""
    from factorlab.registry import RunRegistry

    return RunRegistry(path if (path / "runs.db").exists() else path / ".factorlab").table()


def cli_many(cwd: Path, *commands: list[str], timeout: float = 180) -> list[subprocess.CompletedProcess]:
    """Run several ``python -m factorlab`` commands at the same time (each pays the import once, in parallel)."""
    procs = [(args, cli_popen(cwd, *args)) for args in commands]
    out = []
    for args, p in procs:
        stdout, stderr = p.communicate(timeout=timeout)
        out.append(subprocess.CompletedProcess(args, p.returncode, stdout, stderr))
    return out
