"""Plotting: one function per chart, drawing precomputed statistics.

Every axes-level function has the signature ``plot_x(data, *, ax=None,
**style) -> Axes``: it draws on ``ax`` (a new figure only when ``ax`` is None)
and returns it. Multi-panel layouts take a ``fig`` and return it. Nothing here
computes a statistic, prints, shows a figure or changes matplotlib's global
style. Returns are decimals (0.001 = 10 bps); charts labelled "bps" multiply
by 1e4 for display.
"""

from __future__ import annotations

from factorlab.plotting import (
    _backtest,
    _charts,
    _events,
    _information,
    _performance,
    _periods,
    _returns,
    _sweeps,
    _tables,
    _turnover,
)
from factorlab.plotting._backtest import *
from factorlab.plotting._charts import *
from factorlab.plotting._events import *
from factorlab.plotting._information import *
from factorlab.plotting._performance import *
from factorlab.plotting._periods import *
from factorlab.plotting._returns import *
from factorlab.plotting._style import BPS, PALETTE, QUANTILE_CMAP, bps_formatter, quantile_colors
from factorlab.plotting._sweeps import *
from factorlab.plotting._tables import *
from factorlab.plotting._turnover import *

__all__ = [
    *_returns.__all__,
    *_information.__all__,
    *_turnover.__all__,
    *_events.__all__,
    *_tables.__all__,
    *_charts.__all__,
    *_performance.__all__,
    *_periods.__all__,
    *_backtest.__all__,
    *_sweeps.__all__,
    "BPS",
    "PALETTE",
    "QUANTILE_CMAP",
    "bps_formatter",
    "quantile_colors",
]
