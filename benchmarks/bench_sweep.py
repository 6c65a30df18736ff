"""Benchmark of a parameter sweep with 1 vs 2 local worker processes (not a test).

A 16-point sweep (lookback x rebalance_days, 4 x 4) of a FactorStrategy
trading the 5..60-day reversal factor on the bundled sample (100 assets x
1,440 daily bars), every run recorded in a temporary registry. Target: the
``jobs=2`` sweep takes at most 0.6 x the time of ``jobs=1`` (needs two free
cores; on a loaded machine the ratio says how much CPU was really free).
The two result tables must be identical.

Run: ``python benchmarks/bench_sweep.py [--repeat 1] [--cli]`` (``--cli`` times
``factorlab sweep --jobs N`` as a subprocess instead of the Python function).
"""

from __future__ import annotations

import argparse
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
GRID = {"lookback": [5, 10, 20, 60], "rebalance_days": [1, 3, 5, 10]}
HERE = Path(__file__).resolve().parent


class SampleReversal(FactorStrategy):
    """FactorStrategy on minus the ``lookback``-bar return of the prices it is run on."""

    lookback = 5
    rebalance_days = 5

    def __init__(self, **params) -> None:
        Strategy.__init__(self, **params)
        self.factor = None

    def initialize(self, ctx) -> None:
        close = ctx._e.fields["close"]
        self.factor = -(close / close.shift(int(self.lookback)) - 1.0)
        super().initialize(ctx)


def time_python(prices: pd.DataFrame, jobs: int) -> tuple[float, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as reg:
        t = time.perf_counter()
        res = sweep("bench_sweep:SampleReversal", prices, GRID, jobs=jobs, registry=reg, progress=False)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cli", action="store_true", help="time the console script instead of fl sweep()")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    prices = fl.load_sample().prices
    with tempfile.TemporaryDirectory() as tmp:
        prices_file = Path(tmp) / "prices.parquet"
        prices.to_parquet(prices_file)
        timer = (lambda j: time_cli(prices_file, j)) if args.cli else (lambda j: time_python(prices, j))
        best = {}
        tables = {}
        for jobs in (1, 2):
            runs = [timer(jobs) for _ in range(args.repeat)]
            best[jobs] = min(r[0] for r in runs)
            tables[jobs] = runs[0][1]
    pd.testing.assert_frame_equal(tables[1], tables[2])
    ratio = best[2] / best[1]
    how = "factorlab sweep (console script)" if args.cli else "fl sweep()"
    print(f"{how}: 16 points of FactorStrategy on the sample ({prices.shape[1]} assets x {prices.shape[0]} bars), "
          f"tracked: jobs=1 {best[1]:.2f} s, jobs=2 {best[2]:.2f} s, ratio {ratio:.2f} "
          f"({'OK' if ratio <= TARGET else 'SLOW'}, target <= {TARGET}); identical tables; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
