"""Zipline-reloaded side of bench_zipline.py (runs in an interpreter that has zipline).

Builds a csvdir bundle from the shared prices in a temporary ZIPLINE_ROOT,
ingests it (timed separately), then runs the same strategy as the factorlab
side: every day, long the top quintile and short the bottom quintile of the
5-day reversal factor, equal weights (0.5 gross per side), zero costs, orders
filled at the next bar. Prints one JSON line: seconds, ingest seconds, peak RSS
of the process, and (Linux) the peak RSS from the start of the run, after ingestion.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")


def weights_top_bottom(prices: pd.DataFrame) -> pd.DataFrame:
    factor = -(prices / prices.shift(5) - 1)
    q = factor.rank(axis=1, pct=True)
    n = factor.notna().sum(axis=1)
    top = (q > 0.8) & factor.notna()
    bottom = (q <= 0.2) & factor.notna()
    w = top.astype(float).div(top.sum(axis=1), axis=0) * 0.5 - bottom.astype(float).div(bottom.sum(axis=1), axis=0) * 0.5
    return w.where(n > 0)


def write_csvdir(prices: pd.DataFrame, root: Path) -> Path:
    daily = root / "csv" / "daily"
    daily.mkdir(parents=True)
    for asset in prices.columns:
        close = prices[asset]
        pd.DataFrame({"open": close, "high": close, "low": close, "close": close, "volume": 1e9,  # bcolz stores uint32: stay below 4.29e9
                      "dividend": 0.0, "split": 1.0}, index=prices.index.rename("date")).to_csv(daily / f"{asset}.csv")
    return root / "csv"


def _reset_peak_rss() -> bool:
    """Reset the process's RSS high-water mark (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mib() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def main() -> None:
    prices = pd.read_parquet(sys.argv[1])
    prices.index = pd.DatetimeIndex(prices.index).as_unit("ns")
    prices.columns = [c.replace(".", "_") for c in prices.columns]  # csvdir reads the symbol from the file name
    root = Path(tempfile.mkdtemp(prefix="zipline-root-"))
    os.environ["ZIPLINE_ROOT"] = str(root)
    from zipline import run_algorithm
    from zipline.api import order_target_percent, schedule_function, set_commission, set_slippage, symbol
    from zipline.data import bundles
    from zipline.data.bundles.csvdir import csvdir_equities
    from zipline.finance import commission, slippage
    from zipline.utils.events import date_rules, time_rules

    csvdir = write_csvdir(prices, root)
    start, end = prices.index[0], prices.index[-1]
    bundles.register("fl-sp500", csvdir_equities(["daily"], str(csvdir)), calendar_name="XNYS",
                     start_session=start, end_session=end)
    t0 = time.perf_counter()
    bundles.ingest("fl-sp500", os.environ, show_progress=False)
    ingest_s = time.perf_counter() - t0
    weights = weights_top_bottom(prices)

    def initialize(context):
        context.assets = {a: symbol(a) for a in prices.columns}
        set_commission(commission.PerShare(cost=0.0, min_trade_cost=0.0))
        set_slippage(slippage.FixedSlippage(spread=0.0))
        schedule_function(rebalance, date_rules.every_day(), time_rules.market_close())

    def rebalance(context, data):
        day = data.current_dt.tz_localize(None).normalize()
        if os.environ.get("ZL_DEBUG"):
            print("rebalance", data.current_dt, day, day in weights.index, file=sys.stderr)
        if day not in weights.index:
            return
        row = weights.loc[day]
        for a, w in row.items():
            if np.isfinite(w):
                order_target_percent(context.assets[a], w)

    peak_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    can_reset = _reset_peak_rss()
    t0 = time.perf_counter()
    perf = run_algorithm(start=start, end=end, initialize=initialize, capital_base=10_000_000,
                         bundle="fl-sp500", data_frequency="daily")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_run = _peak_rss_mib() if can_reset else None
    print(json.dumps({"seconds": seconds, "ingest_seconds": ingest_s, "peak_mib": peak,
                      "peak_through_ingest_mib": peak_ingest, "peak_run_mib": peak_run,
                      "total_return": float(perf["portfolio_value"].iloc[-1] / 10_000_000 - 1)}))


if __name__ == "__main__":
    main()
