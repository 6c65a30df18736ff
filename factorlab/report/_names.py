"""Names shared by the report's modules (no plotting import)."""

from __future__ import annotations

__all__ = ["PLOT_NAMES"]

#: The chart names: keys of ``plots`` in templates and arguments of ``ReturnsTearSheet.figure``.
PLOT_NAMES: tuple[str, ...] = (
    "cumulative", "cumulative_log", "daily_returns", "monthly_heatmap", "annual_returns", "distribution",
    "drawdown", "underwater", "rolling_beta", "rolling_sharpe", "leverage", "exposure", "returns_per_trade",
    "asset_orders", "capacity", "turnover", "allocation", "group_exposure",
)
