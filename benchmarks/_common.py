"""Shared helpers for the benchmark scripts (timing, peak memory, data paths)."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FACTORLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


def real_prices() -> pd.DataFrame:
    """471 S&P 500 stocks x 1,440 days."""
    return pd.read_parquet(SHARED_DATA / "sp500_close_2015_2020.parquet")


def synthetic_prices(n_bars: int, n_assets: int, seed: int = 7) -> pd.DataFrame:
    """Geometric random walks on business days."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0003, 0.015, size=(n_bars, n_assets))
    values = 50.0 * np.exp(np.cumsum(steps, axis=0))
    index = pd.bdate_range("2000-01-03", periods=n_bars, name="date")
    return pd.DataFrame(values, index=index, columns=pd.Index([f"S{i:05d}" for i in range(n_assets)], name="asset"))


def reversal(prices: pd.DataFrame, n: int = 5) -> pd.Series:
    """The n-bar reversal factor (minus the trailing return) as a (date, asset) Series."""
    f = -(prices / prices.shift(n) - 1)
    s = f.stack().dropna()
    s.index.names = ["date", "asset"]
    return s


def measure(fn: Callable[[], object], repeat: int = 1) -> tuple[float, float]:
    """Best wall time (s) over ``repeat`` runs and peak traced memory (MiB) of one run."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            fn()
        best = min(best, time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20


def measure_times(fn: Callable[[], object], repeat: int = 1) -> tuple[float, float, float]:
    """Like :func:`measure`, plus the best CPU time of this process (s).

    Returns (best wall time, best CPU time, peak traced MiB). On a shared
    machine the CPU time is the figure that other people's jobs disturb least
    (this process is single-threaded for these workloads, so CPU <= wall).
    """
    best_cpu = float("inf")

    def timed() -> object:
        nonlocal best_cpu
        c0 = time.process_time()
        out = fn()
        best_cpu = min(best_cpu, time.process_time() - c0)
        return out

    wall, peak = measure(timed, repeat=repeat)
    return wall, best_cpu, peak
