"""Event-driven backtester: engine, strategies, broker models, results and the tear-sheet comparison.

::

    bt = fl.run_backtest(fl.FactorStrategy(factor, period=5), prices)   # delay 0, fractional: the tear sheet's

    cmp = fl.compare(fl.interleaved_returns(w, prices, 5), bt)
"""

from factorlab.backtest._broker import FILL_DTYPE, ORDER_DTYPE
from factorlab.backtest._compare import Comparison, compare
from factorlab.backtest._context import BarData, Context, LogRecord, Portfolio
from factorlab.backtest._engine import backtest
from factorlab.backtest._errors import (
    BacktestError,
    InsufficientCashError,
    LookAheadError,
    OrderError,
    StrategyError,
    UnknownAssetError,
)
from factorlab.backtest._factor_strategy import FactorStrategy
from factorlab.backtest._models import (
    BpsCommission,
    CommissionModel,
    FixedBps,
    NoCommission,
    NoSlippage,
    PerShare,
    SlippageModel,
    VolumeShareSlippage,
)
from factorlab.backtest._result import BacktestResult
from factorlab.backtest._strategy import Combine, Strategy
from factorlab.backtest._warnings import RunWarning

__all__ = [
    "backtest", "BacktestResult", "Strategy", "FactorStrategy", "Combine", "compare", "Comparison",
    "Context", "BarData", "Portfolio",
    "CommissionModel", "NoCommission", "PerShare", "BpsCommission",
    "SlippageModel", "NoSlippage", "FixedBps", "VolumeShareSlippage",
    "BacktestError", "StrategyError", "OrderError", "UnknownAssetError", "InsufficientCashError",
    "LookAheadError",
    "ORDER_DTYPE", "FILL_DTYPE", "RunWarning", "LogRecord",
]
