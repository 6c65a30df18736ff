"""The key-statistics strip of a backtest report, one call."""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.metrics import _benchmark as bm
from factorlab.metrics import _capture as cp
from factorlab.metrics import _drawdown as dd
from factorlab.metrics import _returns_stats as rs
from factorlab.metrics import _tables as tb
from factorlab.metrics import _trading as tr
from factorlab.metrics._base import resolve_ppy
from factorlab.metrics._periods import Market

__all__ = ["summary_stats", "SUMMARY_KEYS"]

#: Keys of :func:`summary_stats`, in order. Fractions are returns (0.1 = 10%).
SUMMARY_KEYS = (
    "total_return", "cagr", "annual_volatility", "sharpe", "sortino", "calmar", "omega",
    "max_drawdown", "psr", "information_ratio", "alpha", "beta", "up_capture", "down_capture",
    "batting_average", "stability", "tail_ratio",
    "var_95", "cvar_95", "skew", "kurtosis", "win_rate", "best_day", "worst_day",
    "best_month", "worst_month", "best_year", "worst_year", "runtime_days",
)
_TRADING_KEYS = ("turnover", "trades_per_day", "capacity")


def summary_stats(
    returns: pd.Series | pd.DataFrame,
    benchmark: pd.Series | None = None,
    periods_per_year: float | None = None,
    *,
    market: Market | None = None,
    risk_free: float = 0.0,
    psr_benchmark_sharpe: float = 0.0,
    trades: pd.DataFrame | None = None,
    equity: pd.Series | pd.DataFrame | None = None,
    volumes: pd.DataFrame | None = None,
    prices: pd.DataFrame | None = None,
    max_participation: float = 0.01,
) -> pd.Series | pd.DataFrame:
    """Key statistics of a return stream, as an institutional report shows them.

    Parameters
    ----------
    returns : Series or DataFrame, shape (bars,) or (bars, columns)
        Simple per-bar returns with a DatetimeIndex.
    benchmark : Series, optional
        Benchmark per-bar returns; without it 'information_ratio', 'alpha',
        'beta', 'up_capture', 'down_capture' and 'batting_average' are NaN.
    periods_per_year : float, optional
        Bars per year; inferred once from the index (one AnnualizationWarning
        naming it) when not given: the calendar (weekend bars: 24/7, 365 days;
        else a 252-day session) and the bar length (see
        :func:`factorlab.metrics.bar_frequency`).
    market : {None, '24h', 'equity'}
        Overrides the inferred calendar (None infers it).
    risk_free : float
        Per-bar risk-free return for the Sharpe ratio and alpha/beta.
    psr_benchmark_sharpe : float
        Annualised Sharpe ratio the PSR tests against (0 by default; the
        QuantConnect report uses 1).
    trades, equity, volumes, prices, max_participation
        When ``trades`` and ``equity`` are given, 'turnover' (annual, two
        sided) and 'trades_per_day' are added; with ``volumes`` also
        'capacity' (see :func:`capacity`).

    Returns
    -------
    Series indexed by :data:`SUMMARY_KEYS` (plus the trading keys when
    asked), or a DataFrame with one column per input column. 'var_95' and
    'cvar_95' are per-bar returns at the 5% cutoff; 'best_day' ... 'worst_year'
    are compounded calendar-period returns; 'runtime_days' counts calendar days.
    'up_capture' / 'down_capture' are ratios of CAGRs over the benchmark's up
    / down bars (1.0 = the benchmark's rate, :func:`up_capture`);
    'batting_average' is the share of bars beating the benchmark (0.55 = 55%).
    Each statistic follows its function's NaN convention.
    """
    if not isinstance(returns, (pd.Series, pd.DataFrame)):
        raise ParameterError("summary_stats needs a Series or DataFrame with a DatetimeIndex")
    ppy = resolve_ppy(returns, periods_per_year, market)
    kw = {"periods_per_year": ppy}
    nan = pd.Series(np.nan, index=returns.columns) if isinstance(returns, pd.DataFrame) else np.nan
    if benchmark is not None:
        alpha_, beta_ = _alpha_beta(returns, benchmark, risk_free, ppy)
        ir = bm.information_ratio(returns, benchmark, **kw)
        up_ = cp.up_capture(returns, benchmark, **kw)
        down_ = cp.down_capture(returns, benchmark, **kw)
        batting = cp.batting_average(returns, benchmark)
        batting = batting["batting average"] if isinstance(batting, pd.DataFrame) else batting.iloc[0]
    else:
        alpha_ = beta_ = ir = up_ = down_ = batting = nan
    stats = {
        "total_return": rs.total_return(returns),
        "cagr": rs.cagr(returns, **kw),
        "annual_volatility": rs.annual_volatility(returns, **kw),
        "sharpe": rs.sharpe_ratio(returns, risk_free, **kw),
        "sortino": rs.sortino_ratio(returns, **kw),
        "calmar": rs.calmar_ratio(returns, **kw),
        "omega": rs.omega_ratio(returns, **kw),
        "max_drawdown": dd.max_drawdown(returns),
        "psr": rs.probabilistic_sharpe_ratio(returns, psr_benchmark_sharpe, **kw),
        "information_ratio": ir, "alpha": alpha_, "beta": beta_,
        "up_capture": up_, "down_capture": down_, "batting_average": batting,
        "stability": rs.stability_of_timeseries(returns),
        "tail_ratio": rs.tail_ratio(returns),
        "var_95": rs.value_at_risk(returns, 0.05),
        "cvar_95": rs.conditional_value_at_risk(returns, 0.05),
        "skew": rs.skew(returns), "kurtosis": rs.kurtosis(returns),
        "win_rate": rs.win_rate(returns),
    }
    for span, name in (("daily", "day"), ("monthly", "month"), ("yearly", "year")):
        stats[f"best_{name}"] = tb.best_period(returns, span)
        stats[f"worst_{name}"] = tb.worst_period(returns, span)
    stats["runtime_days"] = tb.runtime_days(returns)
    if trades is not None and equity is not None:
        stats["turnover"] = tr.turnover(trades, equity, **kw)
        stats["trades_per_day"] = tr.trades_per_day(trades, returns.index)
        if volumes is not None:
            stats["capacity"] = tr.capacity(trades, equity, volumes, prices=prices,
                                            max_participation=max_participation)
    if isinstance(returns, pd.DataFrame):
        return pd.DataFrame({k: (v if isinstance(v, pd.Series) else pd.Series(v, index=returns.columns))
                             for k, v in stats.items()}).T.astype(float)
    return pd.Series({k: float(v) for k, v in stats.items()}, name=returns.name, dtype=float)


def _alpha_beta(returns, benchmark, risk_free, ppy):
    out = bm.alpha_beta(returns, benchmark, risk_free, periods_per_year=ppy)
    if isinstance(out, pd.DataFrame):
        return out["alpha"], out["beta"]
    return out
