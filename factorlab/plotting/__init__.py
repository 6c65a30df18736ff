"""Plotting: one function per chart, drawing precomputed statistics.

Every axes-level function has the signature ``plot_x(data, *, ax=None,
**style) -> Axes``: it draws on ``ax`` (a new figure only when ``ax`` is None)
and returns it. Multi-panel layouts return a ``Figure``. Nothing here
computes a statistic, prints, shows a figure or changes matplotlib's global
style. Returns are decimals (0.001 = 10 bps); charts labelled "bps" multiply
by 1e4 for display.
"""

from __future__ import annotations

from factorlab.plotting import _backtest, _events, _information, _performance, _returns, _sweeps, _tables, _turnover
from factorlab.plotting._backtest import *  # noqa: F403
from factorlab.plotting._events import *  # noqa: F403
from factorlab.plotting._information import *  # noqa: F403
from factorlab.plotting._performance import *  # noqa: F403
from factorlab.plotting._returns import *  # noqa: F403
from factorlab.plotting._sweeps import *  # noqa: F403
from factorlab.plotting._style import BPS, PALETTE, QUANTILE_CMAP, bps_formatter, quantile_colors
from factorlab.plotting._tables import *  # noqa: F403
from factorlab.plotting._turnover import *  # noqa: F403

__all__ = [
    *_returns.__all__,
    *_information.__all__,
    *_turnover.__all__,
    *_events.__all__,
    *_tables.__all__,
    *_performance.__all__,
    *_backtest.__all__,
    *_sweeps.__all__,
    "BPS",
    "PALETTE",
    "QUANTILE_CMAP",
    "bps_formatter",
    "quantile_colors",
]
