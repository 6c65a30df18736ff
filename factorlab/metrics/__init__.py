"""factorlab.metrics: pure return statistics for reports (no plotting).

Every statistic takes simple per-bar returns (0.01 = 1%): a Series gives a
float, a DataFrame a Series with one value per column, an ndarray a float
(1-d) or a 1-d array (2-d). Inputs are never modified. Annualised statistics
take ``periods_per_year`` (bars per year); when it is not given it is inferred
from the index with an :class:`AnnualizationWarning` naming the figure: the
calendar (bars on weekends: a 24/7 market of 365 days, else a session market
of 252) and the bar length (intraday session bars are counted per day from
the data: 390 one-minute bars a day give 98,280; hourly 24/7 bars 8,760;
weekly 52; monthly 12). ``market='equity' | '24h'`` overrides the inferred
calendar; see :func:`bar_frequency`.

NaN conventions
---------------
- Empty or all-NaN input gives NaN for every statistic (NaN returns are
  skipped; compounding counts them as 0%).
- One valid return: level statistics (total return, CAGR, drawdown, VaR,
  CVaR, best/worst, win rate) are defined; statistics needing a dispersion
  (volatility, Sharpe, Sortino, Omega, stability, information ratio,
  alpha/beta) are NaN; skew, kurtosis and the PSR need at least 3 returns.
- Constant returns: volatility is 0.0; ratios whose denominator is then zero
  (Sharpe, Sortino without a losing bar, Omega, Calmar without a drawdown,
  tail ratio, information ratio, beta to a constant benchmark, skew,
  kurtosis, PSR) are NaN, never inf.

Per-bar rates: ``risk_free`` and ``required_return`` take a number or one
value per bar (a Series aligned on the returns' index, an array in bar
order). The CAGR (and Calmar, capture) counts every row as a bar, NaN rows
included, as empyrical's ``annual_return`` does.

Parity: where empyrical has a statistic, the values here equal
empyrical-reloaded's to 1e-9 on every input except these degenerate cases
(and VaR, which skips NaN returns); docs/differences.md lists each
difference. ``information_ratio`` is empyrical's per-bar ``excess_sharpe``
annualised by ``sqrt(periods_per_year)``. The ``roll_*`` functions are
empyrical's rolling family (one value per complete window);
``rolling_sharpe`` / ``rolling_beta`` give the same windows on the input's
index, windows given in months.
"""

from __future__ import annotations

from factorlab.metrics._benchmark import (
    alpha,
    alpha_beta,
    beta,
    excess_sharpe,
    information_ratio,
    tracking_error,
)
from factorlab.metrics._capture import (
    batting_average,
    capture,
    down_alpha_beta,
    down_capture,
    up_alpha_beta,
    up_capture,
    up_down_capture,
)
from factorlab.metrics._drawdown import (
    cumulative_returns,
    drawdown_table,
    max_drawdown,
    max_drawdown_dates,
    underwater,
)
from factorlab.metrics._periods import (
    AnnualizationWarning,
    BarFrequency,
    annualise_return,
    bar_frequency,
    periods_per_year,
    rolling_window_bars,
)
from factorlab.metrics._returns_stats import (
    annual_volatility,
    cagr,
    calmar_ratio,
    conditional_value_at_risk,
    downside_risk,
    kurtosis,
    omega_ratio,
    probabilistic_sharpe_ratio,
    sharpe_ratio,
    skew,
    sortino_ratio,
    stability_of_timeseries,
    tail_ratio,
    total_return,
    value_at_risk,
    win_rate,
)
from factorlab.metrics._roll import (
    roll_alpha,
    roll_alpha_beta,
    roll_annual_volatility,
    roll_beta,
    roll_cagr,
    roll_down_capture,
    roll_downside_risk,
    roll_excess_sharpe,
    roll_max_drawdown,
    roll_sharpe_ratio,
    roll_sortino_ratio,
    roll_up_capture,
    roll_up_down_capture,
)
from factorlab.metrics._rolling import rolling_beta, rolling_sharpe
from factorlab.metrics._summary import SUMMARY_KEYS, summary_stats
from factorlab.metrics._tables import (
    aggregate_returns,
    annual_returns,
    best_period,
    monthly_returns_table,
    runtime_days,
    worst_period,
)
from factorlab.metrics._trading import capacity, trades_per_day, turnover, turnover_series
from factorlab.metrics._overfitting import PBOResult, probability_of_backtest_overfitting
from factorlab.metrics._trades import TRADE_STATS, trade_statistics

__all__ = [
    "AnnualizationWarning",
    "BarFrequency",
    "annualise_return",
    "bar_frequency",
    "periods_per_year",
    "rolling_window_bars",
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe_ratio",
    "downside_risk",
    "sortino_ratio",
    "calmar_ratio",
    "omega_ratio",
    "stability_of_timeseries",
    "tail_ratio",
    "value_at_risk",
    "conditional_value_at_risk",
    "skew",
    "kurtosis",
    "win_rate",
    "probabilistic_sharpe_ratio",
    "information_ratio",
    "excess_sharpe",
    "tracking_error",
    "alpha_beta",
    "alpha",
    "beta",
    "capture",
    "up_capture",
    "down_capture",
    "up_down_capture",
    "batting_average",
    "up_alpha_beta",
    "down_alpha_beta",
    "cumulative_returns",
    "underwater",
    "max_drawdown",
    "max_drawdown_dates",
    "drawdown_table",
    "rolling_sharpe",
    "rolling_beta",
    "roll_max_drawdown",
    "roll_cagr",
    "roll_annual_volatility",
    "roll_sharpe_ratio",
    "roll_sortino_ratio",
    "roll_downside_risk",
    "roll_excess_sharpe",
    "roll_alpha_beta",
    "roll_alpha",
    "roll_beta",
    "roll_up_capture",
    "roll_down_capture",
    "roll_up_down_capture",
    "aggregate_returns",
    "monthly_returns_table",
    "annual_returns",
    "best_period",
    "worst_period",
    "runtime_days",
    "turnover_series",
    "trade_statistics",
    "probability_of_backtest_overfitting",
    "PBOResult",
    "TRADE_STATS",
    "turnover",
    "trades_per_day",
    "capacity",
    "summary_stats",
    "SUMMARY_KEYS",
    "FactorVerdict",
    "factor_verdict",
    "deflated_sharpe_ratio",
    "break_even_cost",
    "break_even_costs",
]


_LAZY = {"FactorVerdict", "factor_verdict", "deflated_sharpe_ratio", "break_even_cost", "break_even_costs"}


def __getattr__(name: str):
    # the verdict composes factor and portfolio statistics, which themselves use this package's bar
    # rule: it is loaded on first use (PEP 562), so importing the metrics never imports them
    if name in _LAZY:
        from factorlab.metrics import _verdict

        return getattr(_verdict, name)
    raise AttributeError(f"module 'factorlab.metrics' has no attribute {name!r}")
