"""Benchmark of fl.interleaved_returns (not a test).

Times N=10 interleaved sleeves on the real panel (471 assets x 1,440 daily
bars, target: under 0.1 s) and on a synthetic panel about 10x larger
(2,000 assets x 3,400 bars) to show linear scaling; reports peak memory
(tracemalloc, measured in a separate run so it does not slow the timing).

Run: ``python benchmarks/bench_interleaved.py [--repeat 7]``. The real data are
read from ``../shared/data`` next to the repository (or $FACTORLAB_SHARED_DATA).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import factorlab as fl

TARGET_S = 0.1
REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FACTORLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


def real_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    prices = pd.read_parquet(DATA / "sp500_close_2015_2020.parquet")
    reversal = -(prices / prices.shift(5) - 1)
    return fl.factor_weights(reversal.iloc[5:]), prices


def synthetic_panel(n_assets: int, n_bars: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2010-01-04", periods=n_bars, name="date")
    cols = pd.Index([f"S{i:04d}" for i in range(n_assets)], name="asset")
    log_ret = rng.normal(0.0003, 0.02, size=(n_bars, n_assets))
    prices = pd.DataFrame(100 * np.exp(np.cumsum(log_ret, axis=0)), index=index, columns=cols)
    score = pd.DataFrame(rng.normal(size=(n_bars, n_assets)), index=index, columns=cols)
    return fl.factor_weights(score), prices


def run(weights: pd.DataFrame, prices: pd.DataFrame, period: int) -> float:
    res = fl.interleaved_returns(weights, prices, period)
    return float(res.returns.iloc[-1])


def time_it(weights, prices, period: int, repeat: int) -> tuple[float, float]:
    run(weights, prices, period)  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run(weights, prices, period)
        times.append(time.perf_counter() - t)
    return min(times), float(np.median(times))


def peak_memory(weights, prices, period: int) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    run(weights, prices, period)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


_FIRST_CALL = """
import time, numpy as np
t = time.perf_counter()
from factorlab.portfolio._kernel import run_kernel
p = np.ones((30, 4)); b = np.zeros((30, 4), bool); rows = np.arange(30)
run_kernel(p, p, b, rows, np.full((30, 4), 0.25), np.array([0.0]), 0, 30, 3, 0, 1.0, ledger=True)
print(time.perf_counter() - t)
"""


def first_call_seconds(cache_dir: str) -> float:
    """Import + first call of the sleeve kernel in a fresh process with the compile cache in ``cache_dir``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}  # the child's cache only
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--period", type=int, default=10)
    args = parser.parse_args()
    panels = {"real 471 x 1,440": real_panel(), "synthetic 2,000 x 3,400": synthetic_panel(2000, 3400)}
    with tempfile.TemporaryDirectory() as cache:
        cold, warm = first_call_seconds(cache), first_call_seconds(cache)
    print(f"sleeve kernel first call in a fresh process: {cold:.2f} s compiling (empty cache), "
          f"{warm:.2f} s loading it from the cache")
    print(f"interleaved_returns, N={args.period}, best / median of {args.repeat} runs")
    results = {}
    for name, (w, p) in panels.items():
        best, median = time_it(w, p, args.period, args.repeat)
        mem = peak_memory(w, p, args.period)
        cells = p.shape[0] * p.shape[1]
        results[name] = (best, cells)
        input_mb = (p.to_numpy().nbytes + w.to_numpy().nbytes) / 2**20
        print(f"{name:>24}: best {best * 1e3:7.1f} ms, median {median * 1e3:7.1f} ms, "
              f"{best / TARGET_S:5.2f} x the {TARGET_S:.1f} s target, peak memory {mem:6.1f} MiB "
              f"(inputs {input_mb:.1f} MiB), {best / cells * 1e9:5.2f} ns per bar x asset")
    (t_small, c_small), (t_big, c_big) = results.values()
    print(f"scaling: {c_big / c_small:.2f}x the cells took {t_big / t_small:.2f}x the time "
          f"(linear = same ratio)")
    w, p = panels["real 471 x 1,440"]
    others = {n: time_it(w, p, n, args.repeat)[0] for n in (1, 5, 21)}
    print("real panel, other periods (best): "
          + ", ".join(f"N={n}: {t * 1e3:.1f} ms" for n, t in others.items()))


if __name__ == "__main__":
    main()
