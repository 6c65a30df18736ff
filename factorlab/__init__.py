"""factorlab: factor research from tear sheet to backtest.

The public names live here::

    import factorlab as fl
    sample = fl.load_sample()
    fd = fl.prepare_factor_data(factor, sample.prices, periods=(1, 5, 10))
    ts = fl.create_full_tear_sheet(fd)
"""

from factorlab import errors, factor, metrics, portfolio, registry, sweeps, tears
from factorlab.report import ReturnsTearSheet, create_returns_tear_sheet
from factorlab.backtest import (
    BacktestResult,
    Combine,
    Comparison,
    FactorStrategy,
    Strategy,
    backtest,
    compare,
)
from factorlab._progress import set_progress
from factorlab.data import load_sample, read_factor, read_prices
from factorlab.explore import explore
from factorlab.registry import load_run, runs, tracked_backtest
from factorlab.sweeps import SweepResult, WalkForwardResult, sweep, walk_forward
from factorlab.factor import *  # noqa: F403
from factorlab.portfolio import *  # noqa: F403
from factorlab.tears import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [
    "BacktestResult",
    "Combine",
    "Comparison",
    "FactorStrategy",
    "ReturnsTearSheet",
    "Strategy",
    "backtest",
    "compare",
    "create_returns_tear_sheet",
    "errors",
    "explore",
    "set_progress",
    "registry",
    "sweeps",
    "runs",
    "load_run",
    "tracked_backtest",
    "sweep",
    "walk_forward",
    "SweepResult",
    "WalkForwardResult",
    "load_sample",
    "metrics",
    "read_factor",
    "read_prices",
    *factor.__all__,
    *portfolio.__all__,
    *tears.__all__,
]
