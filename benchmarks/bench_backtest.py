"""Benchmark of fl.run_backtest with FactorStrategy (not a test), side by side with zipline-reloaded.

Times FactorStrategy N=5 (reversal factor) on the real panel (471 assets x
1,440 daily bars) with integer shares, a per-share commission and 5 bps
slippage; target: under 3 s. Also prints the correlation of its per-bar
returns with the calculator (interleaved_returns) at $10M.

The zipline side runs only when ``import zipline`` works and a bundle holding
these prices is named in $ZIPLINE_BUNDLE; otherwise it is skipped with a message.

Run: ``python benchmarks/bench_backtest.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

import factorlab as fl
from factorlab.backtest import FactorStrategy, FixedBps, PerShare, backtest

TARGET_S = 3.0
REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FACTORLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


def panel() -> tuple[pd.DataFrame, pd.Series]:
    prices = pd.read_parquet(DATA / "sp500_close_2015_2020.parquet")
    f = -(prices / prices.shift(5) - 1)
    s = f.stack().dropna()
    s.index.names = ["date", "asset"]
    return prices, s.rename("factor")


def run_factorlab(prices: pd.DataFrame, factor: pd.Series):
    return backtest(FactorStrategy(factor, period=5), prices, capital=10_000_000, delay=1,
                    fractional=False, commission=PerShare(0.005, 1.0), slippage=FixedBps(5), progress=False)


def time_factorlab(prices, factor, repeat: int) -> tuple[float, object]:
    times, res = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        res = run_factorlab(prices, factor)
        times.append(time.perf_counter() - t)
    return min(times), res


def time_zipline(prices: pd.DataFrame, factor: pd.Series) -> str:
    """Zipline equivalent (order_target_percent every 5 days), or the reason it was skipped."""
    try:
        import zipline  # noqa: F401
        from zipline import run_algorithm
        from zipline.api import order_target_percent, schedule_function, symbol
        from zipline.utils.events import date_rules
    except ImportError as exc:
        return f"skipped: zipline-reloaded is not installed ({exc})"
    bundle = os.environ.get("ZIPLINE_BUNDLE")
    if not bundle:
        return "skipped: set ZIPLINE_BUNDLE to a bundle holding these prices to time zipline"
    weights = fl.factor_weights(factor)

    def initialize(context):
        context.assets = {a: symbol(a) for a in prices.columns}
        schedule_function(rebalance, date_rules.every_day())

    def rebalance(context, data):
        day = data.current_dt.tz_localize(None).normalize()
        if day in weights.index:
            for a, w in weights.loc[day].dropna().items():
                order_target_percent(context.assets[a], w)

    t = time.perf_counter()
    run_algorithm(start=prices.index[0].tz_localize("utc"), end=prices.index[-1].tz_localize("utc"),
                  initialize=initialize, capital_base=10_000_000, bundle=bundle, data_frequency="daily")
    return f"{time.perf_counter() - t:.2f} s (one portfolio rebalanced daily, no sleeves)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    prices, factor = panel()
    best, res = time_factorlab(prices, factor, args.repeat)
    ref = fl.interleaved_returns(fl.factor_weights(factor), prices, 5, delay=1, capital=10_000_000)
    corr = np.corrcoef(res.returns.reindex(ref.returns.index), ref.returns)[0, 1]
    print(f"factorlab FactorStrategy N=5, {prices.shape[1]} assets x {prices.shape[0]} bars, integer shares, "
          f"commission + slippage: {best:.2f} s best of {args.repeat} "
          f"({'OK' if best < TARGET_S else 'SLOW'}, target {TARGET_S:g} s); "
          f"{len(res.trades):,} fills; correlation with the calculator {corr:.5f}")
    print(f"zipline-reloaded: {time_zipline(prices, factor)}")


if __name__ == "__main__":
    main()
