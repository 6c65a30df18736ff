"""Benchmark of a parameter sweep with 1 vs 2 local worker processes (not a test).

A 16-point sweep (lookback x period, 4 x 4) of a FactorStrategy
trading the 5..60-day reversal factor on the bundled sample (100 assets x
1,440 daily bars), every run recorded in a temporary registry. Target: the
``jobs=2`` sweep takes at most 0.6 x the time of ``jobs=1`` (needs two free
cores; on a loaded machine the ratio says how much CPU was really free).
The two result tables must be identical.

The sweeps run in the order jobs=1, jobs=2, jobs=2, jobs=1, ... (``--repeat``
rounds), so a slow spell of the machine does not fall on one side only; the
best time of each side is compared. For scale, it also prints this machine's
own ceiling: the same ratio for a pure-Python CPU loop (8 calls, 1 process vs a
pool of 2). On a VM whose two vCPUs are shared, that ceiling can itself be
above 0.6.

Run: ``python benchmarks/bench_sweep.py [--repeat 2] [--cli]`` (``--cli`` times
``factorlab sweep --jobs N`` as a subprocess instead of the Python function).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import factorlab as fl
from factorlab.backtest import FactorStrategy, Strategy
from factorlab.sweeps import sweep

TARGET = 0.6
GRID = {"lookback": [5, 10, 20, 60], "period": [1, 3, 5, 10]}
HERE = Path(__file__).resolve().parent


class SampleReversal(FactorStrategy):
    """FactorStrategy on minus the ``lookback``-bar return of the prices it is run on."""

    lookback = 5
    period = 5

    def __init__(self, **params) -> None:
        Strategy.__init__(self, **params)
        self.factor = None

    def initialize(self, ctx) -> None:
        self.factor = ctx.precompute(self.reversal)  # checked: row t uses prices up to t only
        super().initialize(ctx)

    def reversal(self, close: pd.DataFrame) -> pd.DataFrame:
        return -(close / close.shift(int(self.lookback)) - 1.0)


def time_python(prices: pd.DataFrame, jobs: int) -> tuple[float, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as reg:
        t = time.perf_counter()
        res = sweep("bench_sweep:SampleReversal", prices, GRID, jobs=jobs, track=True, registry=reg,
                    progress=False)
        return time.perf_counter() - t, res.table.drop(columns="run_id")


def time_cli(prices_file: Path, jobs: int) -> tuple[float, pd.DataFrame]:
    grid = [x for k, v in GRID.items() for x in ("--grid", f"{k}={','.join(map(str, v))}")]
    with tempfile.TemporaryDirectory() as reg:
        out = Path(reg) / "table.csv"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)])}
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "factorlab", "sweep", "--strategy", "bench_sweep:SampleReversal",
                        "--prices", str(prices_file), *grid, "--jobs", str(jobs), "--registry", reg,
                        "--out", str(out), "--no-progress"], check=True, capture_output=True, env=env, cwd=HERE)
        return time.perf_counter() - t, pd.read_csv(out).drop(columns="run_id")


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def machine_ceiling(n: int = 5_000_000, calls: int = 8) -> float:
    """time(pool of 2 processes) / time(1 process) for ``calls`` pure-Python CPU loops."""
    t = time.perf_counter()
    for _ in range(calls):
        _spin(n)
    one = time.perf_counter() - t
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_spin, [1, 1])  # workers started before timing
        t = time.perf_counter()
        pool.map(_spin, [n] * calls, chunksize=1)
        two = time.perf_counter() - t
    return two / one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="rounds of (jobs=1, jobs=2) in alternating order")
    parser.add_argument("--cli", action="store_true", help="time the console script instead of fl sweep()")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    prices = fl.load_sample().prices
    with tempfile.TemporaryDirectory() as tmp:
        prices_file = Path(tmp) / "prices.parquet"
        prices.to_parquet(prices_file)
        timer = (lambda j: time_cli(prices_file, j)) if args.cli else (lambda j: time_python(prices, j))
        ceiling = machine_ceiling()
        times: dict[int, list[float]] = {1: [], 2: []}
        tables = {}
        for r in range(args.repeat):
            for jobs in ((1, 2) if r % 2 == 0 else (2, 1)):
                elapsed, table = timer(jobs)
                times[jobs].append(elapsed)
                tables.setdefault(jobs, table)
        best = {jobs: min(ts) for jobs, ts in times.items()}
    pd.testing.assert_frame_equal(tables[1], tables[2])
    ratio = best[2] / best[1]
    how = "factorlab sweep (console script)" if args.cli else "fl sweep()"
    print(f"{how}: 16 points of FactorStrategy on the sample ({prices.shape[1]} assets x {prices.shape[0]} bars), "
          f"tracked: jobs=1 {best[1]:.2f} s, jobs=2 {best[2]:.2f} s, ratio {ratio:.2f} "
          f"({'OK' if ratio <= TARGET else 'SLOW'}, target <= {TARGET}); identical tables; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  all times: jobs=1 {', '.join(f'{x:.2f}' for x in times[1])} s; "
          f"jobs=2 {', '.join(f'{x:.2f}' for x in times[2])} s; "
          f"this machine's ceiling (pure-Python loop, 2 processes / 1): {ceiling:.2f}")


if __name__ == "__main__":
    main()
