"""Interleaved returns of every quantile basket and of the long-short portfolio, per period.

What the tear sheet's "cumulative return by quantile" needs, in one call: for
each period N of a :class:`FactorData`, the N-interleaved sleeves (see
:mod:`factorlab.portfolio._interleaved`) trading

- quantile ``q`` (q = 1..n_quantiles): the long-only, equal-weighted basket of
  the names in quantile q, ``factor_weights(fd, quantiles=q, long_short=False)``;
- ``'long_short'``: the factor-weighted, dollar-neutral portfolio,
  ``factor_weights(fd)``.

Prices and the execution delay come from the FactorData. For period N the
run stops at bar ``last factor date + delay + N`` (the end of the last
signal's holding period, or the last price bar if sooner), so each period's
curve covers the horizon of its own forward returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor._prepare import FactorData
from factorlab.portfolio._interleaved import run_interleaved
from factorlab.portfolio._sleeves import check_run_args, price_panel, signals
from factorlab.portfolio._weights import factor_weights

__all__ = ["QuantileReturns", "quantile_interleaved_returns"]

LONG_SHORT = "long_short"


@dataclass(frozen=True, eq=False)
class QuantileReturns:
    """Per-bar interleaved returns by quantile and period.

    Attributes
    ----------
    returns : dict label -> pd.DataFrame, shape (bars, n_quantiles + 1)
        Per-bar returns (0.01 = 1%); columns 1..n_quantiles and ``'long_short'``.
        Index: price bars from the first execution bar to the period's end.
    turnover : dict label -> pd.DataFrame, same shape
        Traded notional / portfolio value per bar.
    gap_events : pd.DataFrame, shape (periods, n_quantiles + 1)
        Number of rebalances that met an asset without a tradeable price.
    periods : tuple of int
        Periods in bars, matching ``labels``.
    labels : tuple of str
        Period labels ('1D', '5D', ...).
    delay : int
        Execution delay in bars.
    cost_bps : float
        Cost per unit of traded notional, in bps.
    """

    returns: dict[str, pd.DataFrame] = field(repr=False)
    turnover: dict[str, pd.DataFrame] = field(repr=False)
    gap_events: pd.DataFrame = field(repr=False)
    periods: tuple[int, ...]
    labels: tuple[str, ...]
    delay: int = 0
    cost_bps: float = 0.0

    def __getitem__(self, label: str) -> pd.DataFrame:
        return self.returns[label]

    @cached_property
    def cumulative_returns(self) -> dict[str, pd.DataFrame]:
        """label -> compounded return since the start, ``prod(1 + r) - 1``, per bar and column."""
        return {lab: (1.0 + r).cumprod() - 1.0 for lab, r in self.returns.items()}

    def cumulative(self, label: str) -> pd.DataFrame:
        """Cumulative returns of one period, shape (bars, n_quantiles + 1)."""
        if label not in self.returns:
            raise ParameterError(f"no period {label!r}; available: {list(self.labels)}")
        return self.cumulative_returns[label]

    def spread(self, label: str) -> pd.Series:
        """Per-bar return of the top quantile basket minus the bottom one (0.01 = 1%)."""
        r = self[label]
        quantiles = [c for c in r.columns if c != LONG_SHORT]
        return (r[quantiles[-1]] - r[quantiles[0]]).rename("top_minus_bottom")

    def summary(self) -> pd.DataFrame:
        """Total return (0.01 = 1%) of each column, one row per period label."""
        rows = {lab: self.cumulative_returns[lab].iloc[-1] for lab in self.labels}
        out = pd.DataFrame(rows).T
        out.index.name = "period"
        return out

    def __repr__(self) -> str:
        cols = list(next(iter(self.returns.values())).columns)
        return (f"QuantileReturns(periods {list(self.labels)}, columns {cols}, delay={self.delay}, "
                f"cost_bps={self.cost_bps:g})")

    def _repr_html_(self) -> str:
        head = (f"<b>Interleaved quantile returns</b> (total return), delay {self.delay} bar(s), "
                f"{self.cost_bps:g} bps")
        return head + self.summary().to_html(float_format=lambda x: f"{x:.2%}")


def quantile_interleaved_returns(fd: FactorData, cost_bps: float = 0.0,
                                 capital: float = 1.0) -> QuantileReturns:
    """Interleaved returns of each quantile basket and the long-short portfolio, for every period.

    Parameters
    ----------
    fd : FactorData
        From :func:`prepare_factor_data` (needs its prices); ``fd.periods``
        give N and ``fd.delay`` the execution delay.
    cost_bps : float, default 0.0
        Cost in bps of the traded notional of each rebalance.
    capital : float, default 1.0
        Starting capital of each portfolio.

    Returns
    -------
    QuantileReturns
        ``returns[label]``: per-bar returns, shape (bars, n_quantiles + 1),
        columns 1..n_quantiles (long-only equal-weight baskets) and
        ``'long_short'``; ``cumulative(label)`` compounds them.

    Raises
    ------
    ParameterError
        ``fd`` is not a FactorData or has no prices; bad ``cost_bps``/``capital``.
    """
    if not isinstance(fd, FactorData):
        raise ParameterError(f"fd must be a FactorData (prepare_factor_data), got {type(fd).__name__}")
    if fd.prices is None:
        raise ParameterError("this FactorData has no prices; build it with prepare_factor_data(factor, "
                             "prices) or FactorData.from_frame(frame, prices=prices)")
    check_run_args(1, fd.delay, cost_bps, capital)
    if len(fd.dates) == 0:
        raise ParameterError("the FactorData has no entries")
    columns = [*range(1, fd.n_quantiles + 1), LONG_SHORT]
    targets = {q: factor_weights(fd, quantiles=q, long_short=False) for q in columns[:-1]}
    targets[LONG_SHORT] = factor_weights(fd)
    panel = price_panel(fd.prices, fd.assets)
    sigs = {c: signals(w, panel.index) for c, w in targets.items()}
    last = int(panel.index.get_indexer(fd.dates[-1:])[0])
    returns, turnover, gaps = {}, {}, {}
    for period, label in zip(fd.periods, fd.labels):
        end = min(len(panel.index), last + fd.delay + period + 1)
        runs = {c: run_interleaved(panel, sigs[c], period, fd.delay, float(cost_bps), float(capital), end=end)
                for c in columns}
        returns[label] = _stack({c: r.returns for c, r in runs.items()})
        turnover[label] = _stack({c: r.turnover for c, r in runs.items()})
        gaps[label] = {c: r.n_gap_events for c, r in runs.items()}
    gap_frame = pd.DataFrame(gaps).T.astype(np.int64)
    gap_frame.index.name = "period"
    return QuantileReturns(returns=returns, turnover=turnover, gap_events=gap_frame,
                           periods=tuple(fd.periods), labels=tuple(fd.labels), delay=int(fd.delay),
                           cost_bps=float(cost_bps))


def _stack(series: dict) -> pd.DataFrame:
    out = pd.DataFrame({c: s.to_numpy() for c, s in series.items()},
                       index=next(iter(series.values())).index)
    out.columns = pd.Index(list(series), name="quantile", dtype=object)
    return out
