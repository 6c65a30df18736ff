"""FactorStrategy vs zipline-reloaded on the same data and strategy, side by side in one run.

Strategy on both sides: every day, long the top quintile and short the bottom
quintile of the 5-day reversal factor, equal weights, zero costs, integer
shares, $10M, orders filled at the next bar; 471 stocks x 1,440 days of
../shared/data. Each side runs in its own process so that peak memory (max RSS)
is measured the same way. Zipline needs its own interpreter (its pins differ):
set ZIPLINE_PYTHON to a Python with zipline-reloaded installed (default: this
interpreter); without it the zipline side is skipped with a message.
Target: factorlab at least 50x faster with at most 1/3 of zipline's peak memory.

Run: python benchmarks/bench_zipline.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import SHARED_DATA  # noqa: E402

FACTORLAB_SIDE = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
import factorlab as fl
prices = pd.read_parquet(sys.argv[1])
factor = -(prices / prices.shift(5) - 1)
t0 = time.perf_counter()
fd = fl.prepare_factor_data(factor, prices, periods=(1,), quantiles=5)
res = fl.backtest(fl.FactorStrategy(fd, rebalance_days=1, quantiles=[1, 5], equal_weight=True), prices,
                  cash=10_000_000, execution_delay=1, fractional=False, progress=False)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "total_return": float(res.equity.iloc[-1] / 10_000_000 - 1)}))
"""


def run(cmd: list[str]) -> dict | str:
    out = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        return f"failed ({out.returncode}): {out.stderr.strip().splitlines()[-1:] if out.stderr else ''}"
    return json.loads(lines[-1])


def main() -> None:
    prices_path = SHARED_DATA / "sp500_close_2015_2020.parquet"
    fl_side = run([sys.executable, "-c", FACTORLAB_SIDE, str(prices_path)])
    print(f"factorlab  : {fl_side}")
    zpy = os.environ.get("ZIPLINE_PYTHON", sys.executable)
    has_zipline = subprocess.run([zpy, "-c", "import zipline"], capture_output=True).returncode == 0
    if not has_zipline:
        print(f"zipline    : skipped: {zpy} cannot import zipline (pip install zipline-reloaded in a separate "
              "environment and set ZIPLINE_PYTHON)")
        return
    z_side = run([zpy, str(HERE / "_zipline_side.py"), str(prices_path)])
    print(f"zipline    : {z_side}")
    if isinstance(fl_side, dict) and isinstance(z_side, dict):
        print(f"speed-up   : {z_side['seconds'] / fl_side['seconds']:.1f}x (target >= 50x; zipline bundle "
              f"ingestion of {z_side['ingest_seconds']:.1f} s not counted)")
        print(f"peak memory: factorlab/zipline {fl_side['peak_mib'] / z_side['peak_mib']:.2f} (target <= 0.33)")


if __name__ == "__main__":
    main()
