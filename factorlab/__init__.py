"""factorlab: factor research from tear sheet to backtest.

The public names live here::

    import factorlab as fl
    sample = fl.load_sample()
    fd = fl.prepare_factor_data(factor, sample.prices, periods=(1, 5, 10))
    ts = fl.create_full_tear_sheet(fd)

``import factorlab`` is lazy: a module ``__getattr__`` (PEP 562) imports a
name from its subpackage the first time it is used (``fl.run_backtest``
loads the backtester, ``fl.create_full_tear_sheet`` loads the tear sheets and
matplotlib), so the import itself costs little time and memory. Every name
of ``__all__`` resolves, ``from factorlab import *`` imports them all, and
type checkers see the imports of the ``TYPE_CHECKING`` block below.

A name is either a subpackage or a function, never both:
``fl.backtest`` and ``fl.explore`` are the subpackages (``import
factorlab.backtest as b`` gives the module, as for every other package);
the functions are ``fl.run_backtest`` (``factorlab.backtest.backtest``) and
``fl.open_explorer`` (``factorlab.explore.explore``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from factorlab import backtest as backtest
    from factorlab import data as data
    from factorlab import errors, metrics, registry, sweeps
    from factorlab import explore as explore
    from factorlab import factor as factor
    from factorlab import plotting as plotting
    from factorlab import portfolio as portfolio
    from factorlab import report as report
    from factorlab import tears as tears
    from factorlab._progress import set_progress
    from factorlab.backtest import (
        BacktestResult,
        Combine,
        Comparison,
        FactorStrategy,
        Strategy,
        compare,
    )
    from factorlab.backtest import backtest as run_backtest
    from factorlab.data import load_sample, read_factor, read_prices
    from factorlab.explore import explore as open_explorer
    from factorlab.metrics._verdict import (
        FactorVerdict,
        break_even_cost,
        break_even_costs,
        deflated_sharpe_ratio,
        factor_verdict,
    )
    from factorlab.screening import ScreenCorrelation, ScreenResult, screen
    from factorlab.factor import (
        DROP_REASONS,
        HORIZON_REASONS,
        LOOK_AHEAD_IC,
        DataQualityReport,
        FactorData,
        ForwardReturns,
        average_cumulative_return_by_quantile,
        check_look_ahead,
        common_start_returns,
        drop_stale_prices,
        HAC_COLUMNS,
        hac_lags,
        hac_mean_test,
        factor_alpha_beta,
        factor_rank_autocorrelation,
        factor_returns,
        forward_return_columns,
        forward_returns,
        ic_by_group,
        ic_decay,
        ic_summary,
        information_coefficient,
        mean_information_coefficient,
        mean_monthly_ic,
        mean_return_by_quantile,
        mean_return_spread,
        period_label,
        prepare_factor_data,
        combine_factors,
        neutralize,
        rank,
        winsorize,
        zscore,
        quantile_statistics,
        quantile_turnover,
        quantile_turnover_table,
        quantize_rows,
        rate_of_return,
        stale_runs,
        std_conversion,
    )
    from factorlab.portfolio import (
        InterleavedResult,
        QuantileReturns,
        factor_weights,
        interleaved_returns,
        quantile_interleaved_returns,
        row_weights,
    )
    from factorlab.registry import count_trials, load_run, record_factor_evaluation, runs, tracked_backtest
    from factorlab.report import Report, ReturnsTearSheet, create_returns_tear_sheet
    from factorlab.sweeps import SweepResult, WalkForwardResult, sweep, walk_forward
    from factorlab.tears import (
        Chart,
        Figures,
        Section,
        TearSheet,
        ViolinStats,
        create_by_group_tear_sheet,
        create_event_returns_tear_sheet,
        create_factor_returns_tear_sheet,
        create_full_tear_sheet,
        create_information_tear_sheet,
        create_summary_tear_sheet,
        create_turnover_tear_sheet,
        ic_histogram,
        ic_qq_points,
        violin_stats,
    )

# Where each lazily imported public name comes from (module, attribute).
_EXPORTS: dict[str, tuple[str, str]] = {
    **{name: ("factorlab.metrics._verdict", name) for name in (
        "FactorVerdict", "factor_verdict", "deflated_sharpe_ratio", "break_even_cost", "break_even_costs")},
    **{name: ("factorlab.backtest", name) for name in (
        "BacktestResult", "Combine", "Comparison", "FactorStrategy", "Strategy", "compare")},
    "run_backtest": ("factorlab.backtest", "backtest"),
    **{name: ("factorlab.screening", name) for name in ("ScreenCorrelation", "ScreenResult", "screen")},
    "set_progress": ("factorlab._progress", "set_progress"),
    **{name: ("factorlab.data", name) for name in ("load_sample", "read_factor", "read_prices")},
    "open_explorer": ("factorlab.explore", "explore"),
    **{name: ("factorlab.registry", name) for name in ("load_run", "runs", "tracked_backtest", "count_trials",
                                                       "record_factor_evaluation")},
    **{name: ("factorlab.report", name) for name in ("Report", "ReturnsTearSheet", "create_returns_tear_sheet")},
    **{name: ("factorlab.sweeps", name) for name in ("SweepResult", "WalkForwardResult", "sweep", "walk_forward")},
    **{name: ("factorlab.factor", name) for name in (
        "DROP_REASONS", "HORIZON_REASONS", "drop_stale_prices", "HAC_COLUMNS", "hac_lags", "hac_mean_test",
        "DataQualityReport", "FactorData", "ForwardReturns", "forward_return_columns",
        "ic_decay", "forward_returns", "period_label", "prepare_factor_data", "quantize_rows", "stale_runs",
        "information_coefficient", "mean_information_coefficient", "ic_summary", "ic_by_group",
        "mean_monthly_ic", "mean_return_by_quantile", "rate_of_return", "std_conversion",
        "mean_return_spread", "factor_returns", "factor_alpha_beta", "quantile_statistics",
        "quantile_turnover", "quantile_turnover_table", "factor_rank_autocorrelation",
        "common_start_returns", "average_cumulative_return_by_quantile",
        "winsorize", "zscore", "rank", "neutralize", "combine_factors", "LOOK_AHEAD_IC", "check_look_ahead",
        "FactorOptions")},
    **{name: ("factorlab.portfolio", name) for name in (
        "factor_weights", "row_weights", "InterleavedResult", "interleaved_returns", "QuantileReturns",
        "quantile_interleaved_returns", "concentration")},
    **{name: ("factorlab.tears", name) for name in (
        "Chart", "Figures", "Section", "TearSheet", "create_by_group_tear_sheet", "create_event_returns_tear_sheet",
        "create_factor_returns_tear_sheet", "create_full_tear_sheet", "create_information_tear_sheet",
        "create_summary_tear_sheet", "create_turnover_tear_sheet", "ic_histogram", "ic_qq_points", "ViolinStats",
        "violin_stats")},
}

# Subpackages and modules reachable as attributes (``fl.tears``, ``fl.plotting``, ...).
_SUBMODULES = frozenset({
    "_progress", "backtest", "cli", "compat", "data", "errors", "explore", "factor", "metrics",
    "plotting", "portfolio", "registry", "report", "screening", "sweeps", "tears",
})

assert not _SUBMODULES & set(_EXPORTS), "a public name is either a subpackage or a function"

__all__ = [
    "DROP_REASONS",
    "HORIZON_REASONS",
    "LOOK_AHEAD_IC",
    "BacktestResult",
    "Chart",
    "Combine",
    "Comparison",
    "DataQualityReport",
    "FactorData",
    "FactorOptions",
    "FactorStrategy",
    "Figures",
    "ForwardReturns",
    "InterleavedResult",
    "QuantileReturns",
    "Report",
    "ReturnsTearSheet",
    "Section",
    "Strategy",
    "SweepResult",
    "TearSheet",
    "WalkForwardResult",
    "average_cumulative_return_by_quantile",
    "check_look_ahead",
    "common_start_returns",
    "compare",
    "concentration",
    "create_by_group_tear_sheet",
    "create_event_returns_tear_sheet",
    "create_factor_returns_tear_sheet",
    "create_full_tear_sheet",
    "create_information_tear_sheet",
    "create_returns_tear_sheet",
    "create_summary_tear_sheet",
    "create_turnover_tear_sheet",
    "drop_stale_prices",
    "HAC_COLUMNS",
    "hac_lags",
    "hac_mean_test",
    "FactorVerdict",
    "factor_verdict",
    "deflated_sharpe_ratio",
    "break_even_cost",
    "break_even_costs",
    "count_trials",
    "record_factor_evaluation",
    "errors",
    "factor_alpha_beta",
    "factor_rank_autocorrelation",
    "factor_returns",
    "factor_weights",
    "forward_return_columns",
    "forward_returns",
    "ic_by_group",
    "ic_decay",
    "ic_histogram",
    "ic_qq_points",
    "violin_stats",
    "ViolinStats",
    "ic_summary",
    "information_coefficient",
    "interleaved_returns",
    "load_run",
    "load_sample",
    "mean_information_coefficient",
    "mean_monthly_ic",
    "mean_return_by_quantile",
    "mean_return_spread",
    "metrics",
    "open_explorer",
    "period_label",
    "prepare_factor_data",
    "quantile_interleaved_returns",
    "quantile_statistics",
    "quantile_turnover",
    "quantile_turnover_table",
    "quantize_rows",
    "rate_of_return",
    "read_factor",
    "read_prices",
    "registry",
    "row_weights",
    "run_backtest",
    "runs",
    "ScreenCorrelation",
    "ScreenResult",
    "screen",
    "set_progress",
    "stale_runs",
    "std_conversion",
    "winsorize",
    "zscore",
    "rank",
    "neutralize",
    "combine_factors",
    "sweep",
    "sweeps",
    "tracked_backtest",
    "walk_forward",
]


def __getattr__(name: str):
    """Import a public name (or a subpackage) on first use and keep it in the module."""
    if name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attr)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
