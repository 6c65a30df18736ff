"""One factor of a screen: the single-factor statistics on forward returns computed once.

Every number is computed by the same public functions a single-factor study
uses (:func:`prepare_factor_data` on shared :class:`ForwardReturns`,
:func:`information_coefficient`, :func:`ic_summary`,
:func:`mean_return_by_quantile` (its top and bottom quantiles), :func:`factor_weights`,
:func:`interleaved_returns` (gross and net of every period from one preparation, the same numbers), :func:`quantile_turnover`,
:func:`factor_rank_autocorrelation`, every lag from one centring of the ranks), with the verdict's conventions
(:func:`factorlab.factor_verdict`), so a screened row equals the one-factor
numbers exactly. This module runs in workers (Dask) too: it takes plain
arguments and returns plain objects.

Computation only: no plotting here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from factorlab.errors import DataQualityWarning, DroppedDataWarning, FactorlabError
from factorlab.factor import (
    FactorData,
    ForwardReturns,
    ic_summary,
    prepare_factor_data,
    quantile_turnover,
)
from factorlab.factor._information import SortedReturns, _information_coefficient
from factorlab.factor._returns import top_bottom_spread_per_bar
from factorlab.factor._turnover import rank_autocorrelations
from factorlab.portfolio import factor_weights
from factorlab.portfolio._interleaved_quantiles import interleaved_periods_at_costs

__all__ = ["ScreenSettings", "FactorScreen", "FactorFailure", "evaluate_factor", "evaluate_or_report",
           "normalised_ranks", "sorted_returns"]


@dataclass(frozen=True)
class ScreenSettings:
    """The settings shared by every factor of a screen (see :func:`factorlab.screen`)."""

    periods: tuple[int, ...]
    quantiles: object
    bins: object
    groupby: object
    long_short: bool
    group_neutral: bool
    cost_bps: float
    delay: int
    max_loss: float
    periods_per_year: float
    lags: int | None
    quantile_method: str
    correlation: bool
    periods_per_year_given: float | None = None
    equal_weight: bool = False
    stale: str = "report"
    stale_bars: int = 10


@dataclass(frozen=True, eq=False)
class FactorScreen:
    """The screened statistics of one factor.

    Attributes
    ----------
    name : str
    rows : dict label -> dict column -> float
        One row of the screen's table per period label.
    returns : dict label -> pd.Series
        Per-bar gross returns of the N-interleaved long-short sleeves.
    ranks : ndarray of float32, shape (bars, assets) of the prices, or None
        The factor's per-date ranks centred and scaled to unit norm per
        date (0 outside its members), for the rank correlation between factors.
    dropped : int
        Entries dropped by :func:`prepare_factor_data` (reported, not warned, per factor).
    """

    name: str
    rows: dict
    returns: dict
    ranks: np.ndarray | None
    dropped: int


@dataclass(frozen=True, eq=False)
class FactorFailure:
    """A factor the screen could not evaluate (``errors='report'``).

    Attributes
    ----------
    name : str
    error : FactorlabError
        What :func:`evaluate_factor` raised (its message names the factor and the problem).
    """

    name: str
    error: FactorlabError


def normalised_ranks(fd: FactorData, index: pd.Index, columns: pd.Index) -> np.ndarray:
    """Per-date factor ranks minus their mean, divided by their norm, on the prices' grid.

    Parameters
    ----------
    fd : FactorData
    index, columns : pd.Index
        The prices' bars and assets (every factor of a screen is placed on them).

    Returns
    -------
    ndarray of float32, shape (len(index), len(columns))
        0 outside the factor's members and on dates with fewer than two
        distinct ranks; the dot product of two factors' rows is the Pearson
        correlation of their ranks on that date when they rank the same names.
    """
    r = fd.factor_ranks
    nan = np.isnan(r)
    n = r.shape[1] - nan.sum(axis=1, keepdims=True)
    c = r - (n + 1) / 2.0
    c[nan] = 0.0
    norm = np.sqrt(np.square(c).sum(axis=1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(c, norm, out=c, where=norm > 0)  # rows of norm 0 are all 0 already
    out = np.zeros((len(index), len(columns)), dtype=np.float32)
    rows = index.get_indexer(fd.dates)
    if fd.assets.equals(columns) and len(rows) and np.array_equal(rows, np.arange(rows[0], rows[0] + len(rows))):
        out[rows[0]:rows[0] + len(rows)] = c  # the prices' own assets on consecutive bars: a slice
    else:
        out[np.ix_(rows, columns.get_indexer(fd.assets))] = c
    return out


def _sharpe(r: pd.Series, ppy: float) -> float:
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(r.mean() / r.std() * np.sqrt(ppy))


def sorted_returns(fwd: ForwardReturns, settings: ScreenSettings) -> dict[str, SortedReturns]:
    """The forward returns of every screened period in sorted order, once for all the factors of a screen."""
    labels = [lab for p, lab in zip(fwd.periods, fwd.labels) if p in settings.periods]
    return {lab: SortedReturns(fwd.returns[lab].to_numpy(dtype="float64")) for lab in labels}


def evaluate_factor(name: str, factor, fwd: ForwardReturns, settings: ScreenSettings,
                    orders: dict[str, SortedReturns] | None = None) -> FactorScreen:
    """Screen one factor on forward returns computed once.

    Parameters
    ----------
    name : str
        The factor's name in the screen.
    factor : wide DataFrame, (date, asset) Series, or callable
        A callable is called with the prices (``fwd.prices``) and returns the factor.
    fwd : ForwardReturns
        From :func:`forward_returns` with the screen's periods and delay.
    settings : ScreenSettings
    orders : dict label -> SortedReturns, optional
        :func:`sorted_returns` of ``fwd``: the IC reads the returns' order from it on the dates where
        the factor ranks every asset with a return (the same numbers as sorting them again).

    Returns
    -------
    FactorScreen

    Raises
    ------
    FactorlabError
        The subclass :func:`prepare_factor_data` raised (bad factor, too many
        losses), its message prefixed with the factor's name.
    """
    s = settings
    if isinstance(factor, Callable):
        factor = factor(fwd.prices)
    try:
        with warnings.catch_warnings():
            # the screen reports each factor's losses in its table, not a warning per factor
            warnings.simplefilter("ignore", DroppedDataWarning)
            warnings.simplefilter("ignore", DataQualityWarning)
            fd = prepare_factor_data(factor, fwd, periods=s.periods, quantiles=s.quantiles, bins=s.bins,
                                     groupby=s.groupby, max_loss=s.max_loss, delay=s.delay,
                                     quantile_method=s.quantile_method, stale=s.stale, stale_bars=s.stale_bars)
    except FactorlabError as exc:
        raise type(exc)(f"factor {name!r}: {exc}") from exc
    prices = fwd.prices
    members = fd.mask.sum()
    rows_ = prices.index.get_indexer(fd.dates)
    priced = (prices.to_numpy()[rows_[0]:rows_[-1] + 1] > 0).sum() if len(rows_) else 0
    coverage = float(members / priced) if priced else np.nan

    ic = _information_coefficient(fd, orders=orders, index=prices.index, columns=prices.columns)
    ics = ic_summary(ic, periods=fd.periods, lags=s.lags)
    spread = top_bottom_spread_per_bar(fd, demeaned=s.long_short, group_adjust=s.group_neutral)
    weights = factor_weights(fd, long_short=s.long_short, group_neutral=s.group_neutral,
                             equal_weight=s.equal_weight)
    top = int(fd.n_quantiles)
    rows, returns = {}, {}
    # gross and net in one loop over the bars, every period from one preparation of the weights:
    # interleaved_returns' numbers (bit for bit; a one-bar period without costs to about 1e-15 per bar)
    costs = (0.0, s.cost_bps) if s.cost_bps else (0.0,)
    sleeves = interleaved_periods_at_costs(weights, prices, fd.periods, costs, delay=fd.delay)
    autocorrelation = rank_autocorrelations(fd, fd.periods)  # factor_rank_autocorrelation of every period
    for n, label in zip(fd.periods, fd.labels):
        runs = sleeves[n]
        (r, turnover), net = runs[0], runs[-1][0]
        returns[label] = r.rename(name)
        rows[label] = {
            "coverage": coverage,
            "IC mean": float(ics.loc[label, "IC Mean"]),
            "IC HAC t-stat": float(ics.loc[label, "HAC t-stat(IC)"]),
            "IC HAC p-value": float(ics.loc[label, "HAC p-value(IC)"]),
            "HAC lags": int(ics.loc[label, "HAC lags"]),
            "spread per bar": float(spread[label]),
            "Sharpe gross": _sharpe(r, s.periods_per_year),
            "Sharpe net": _sharpe(net, s.periods_per_year),
            "turnover per bar": float(turnover.mean()),
            "top quantile turnover": float(quantile_turnover(fd, top, n).mean()),
            "rank autocorrelation": float(autocorrelation[n].mean()),
        }
    ranks = normalised_ranks(fd, prices.index, prices.columns) if s.correlation else None
    dropped = int(fd.quality.n_entries - fd.quality.n_kept) if fd.quality is not None else 0
    return FactorScreen(name=name, rows=rows, returns=returns, ranks=ranks, dropped=dropped)


def evaluate_or_report(name: str, factor, fwd: ForwardReturns, settings: ScreenSettings,
                       orders: dict[str, SortedReturns] | None = None) -> FactorScreen | FactorFailure:
    """:func:`evaluate_factor`, returning a :class:`FactorFailure` instead of raising when the factor's
    data cannot be screened (a :class:`FactorlabError`: too many entries lost, no finite value, ...;
    its message starts with the factor's name). Any other exception (a bug, an error of Python's inside
    a factor's callable) is raised."""
    try:
        return evaluate_factor(name, factor, fwd, settings, orders)
    except FactorlabError as exc:
        named = exc if str(exc).startswith(f"factor {name!r}: ") else type(exc)(f"factor {name!r}: {exc}")
        return FactorFailure(name=name, error=named)
