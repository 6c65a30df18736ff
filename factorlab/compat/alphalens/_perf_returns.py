"""Alphalens' IC and returns functions (``alphalens.performance``), computed by factorlab.

Each function takes the Alphalens-layout frame (a (date, asset) MultiIndex,
forward-return columns, 'factor', 'factor_quantile', optional 'group'),
converts it once with :meth:`FactorData.from_frame` and calls the vectorised
functions of :mod:`factorlab.factor`. Arguments, layouts and numbers are those
of alphalens-reloaded 0.5.1 (equal to 1e-9 relative), with these documented
differences:

* ``mean_information_coefficient(by_time=...)`` also accepts the offset
  aliases pandas 3 removed ('M', 'Y', 'Q', 'A', ...), which make Alphalens
  raise a ``ValueError`` on pandas 3.
* ``factor_weights(group_adjust=True)`` returns the weights in the input
  frame's row order (Alphalens reorders them by (date, group)); the values
  are the same.
* ``factor_alpha_beta`` gives NaN when the universe return has no variance
  or there are fewer than two dates (statsmodels would fit a degenerate
  model), except on a universe return of exactly 0, where Alphalens' fit
  gives alpha = the mean factor return and beta = 0, and so does this one.
  IC, weights, factor returns and alpha/beta take a frame without
  'factor_quantile', as Alphalens does. A ``returns`` Series is regressed on the first period's universe
  return whatever its name, as Alphalens does (it also renames the caller's
  Series in place; factorlab does not).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.factor._information import information_coefficient, mean_ic_table, time_rule
from factorlab.factor._prepare import FactorData, forward_return_columns
from factorlab.factor._returns import _weights
from factorlab.factor._returns import factor_alpha_beta as _factor_alpha_beta
from factorlab.factor._returns import factor_returns as _factor_returns
from factorlab.factor._returns import mean_return_by_quantile as _mean_return_by_quantile
from factorlab.factor._returns import mean_return_spread

__all__ = [
    "factor_information_coefficient",
    "mean_information_coefficient",
    "mean_return_by_quantile",
    "compute_mean_returns_spread",
    "factor_weights",
    "factor_returns",
    "factor_alpha_beta",
]


def _factor_data(factor_data: pd.DataFrame) -> FactorData:
    """The frame as FactorData, for the functions that do not use quantiles: Alphalens computes IC, factor
    weights, factor returns and alpha/beta from a frame without 'factor_quantile' (e.g. forward returns
    joined with a factor), so one bucket stands in for the missing column."""
    if "factor_quantile" not in factor_data.columns and "factor" in factor_data.columns:
        factor_data = factor_data.assign(factor_quantile=1.0)
    return FactorData.from_frame(factor_data)


def _date_freq(factor_data: pd.DataFrame):
    return factor_data.index.levels[factor_data.index.names.index("date")].freq


def _reindex_to_freq(result: pd.DataFrame, freq) -> pd.DataFrame:
    """Alphalens puts results on the date level's frequency grid (missing dates -> NaN rows)."""
    return result if freq is None else result.asfreq(freq)


def _categorical_group(result: pd.DataFrame, factor_data: pd.DataFrame) -> pd.DataFrame:
    """Give the 'group' level the categories of the frame's 'group' column, as Alphalens' groupby does."""
    dtype = factor_data["group"].dtype
    if not isinstance(dtype, pd.CategoricalDtype):
        return result
    idx = result.index
    level = idx.names.index("group")
    codes = pd.Categorical(idx.get_level_values(level), dtype=dtype)
    arrays = [idx.get_level_values(i) if i != level else pd.CategoricalIndex(codes, name="group")
              for i in range(idx.nlevels)]
    return result.set_axis(pd.MultiIndex.from_arrays(arrays, names=idx.names), axis=0)


def factor_information_coefficient(factor_data: pd.DataFrame, group_adjust: bool = False,
                                   by_group: bool = False) -> pd.DataFrame:
    """Spearman IC per date (or per (date, group)); see :func:`factorlab.information_coefficient`."""
    ic = information_coefficient(_factor_data(factor_data), group_adjust, by_group)
    if by_group:
        return _categorical_group(ic, factor_data)
    return _reindex_to_freq(ic, _date_freq(factor_data))


def mean_information_coefficient(factor_data: pd.DataFrame, group_adjust: bool = False,
                                 by_group: bool = False, by_time=None) -> pd.DataFrame | pd.Series:
    """Mean IC overall, per group and/or per time bucket; ``by_time`` also takes 'M', 'Y', 'Q'."""
    rule = None if by_time is None else time_rule(by_time)
    ic = factor_information_coefficient(factor_data, group_adjust, by_group)
    return mean_ic_table(ic, by_group, rule)


def mean_return_by_quantile(factor_data: pd.DataFrame, by_date: bool = False, by_group: bool = False,
                            demeaned: bool = True, group_adjust: bool = False
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean return and standard error per quantile; see :func:`factorlab.mean_return_by_quantile`.

    With ``by_group`` and not ``by_date`` every (quantile, group category)
    pair is listed, NaN where a group has no entries, as in Alphalens.
    """
    mean, err = _mean_return_by_quantile(FactorData.from_frame(factor_data), by_date, by_group,
                                         demeaned, group_adjust)
    if not by_group:
        return mean, err
    mean, err = _categorical_group(mean, factor_data), _categorical_group(err, factor_data)
    if not by_date and isinstance(factor_data["group"].dtype, pd.CategoricalDtype):
        full = pd.MultiIndex.from_product(
            [mean.index.levels[0], mean.index.levels[1].categories], names=mean.index.names)
        full = _categorical_group(pd.DataFrame(index=full), factor_data).index
        mean, err = mean.reindex(full), err.reindex(full)
    return mean, err


def compute_mean_returns_spread(mean_returns: pd.DataFrame, upper_quant: int, lower_quant: int,
                                std_err: pd.DataFrame | None = None):
    """Long upper / short lower quantile return at gross 1; see :func:`factorlab.mean_return_spread`."""
    return mean_return_spread(mean_returns, upper_quant, lower_quant, std_err)


def factor_weights(factor_data: pd.DataFrame, demeaned: bool = True, group_adjust: bool = False,
                   equal_weight: bool = False) -> pd.Series:
    """Weight of every (date, asset) entry, gross 1 per date, Series named 'factor'.

    A date (or, with ``group_adjust``, a group) whose factor has no spread
    gets weight 0, as in Alphalens.
    """
    fd = _factor_data(factor_data)
    w = _weights(fd, long_short=demeaned, group_neutral=group_adjust, equal_weight=equal_weight)
    idx = factor_data.index
    rows = fd.dates.get_indexer(idx.get_level_values("date"))
    cols = fd.assets.get_indexer(idx.get_level_values("asset"))
    return pd.Series(w[rows, cols], index=idx, name="factor")


def factor_returns(factor_data: pd.DataFrame, demeaned: bool = True, group_adjust: bool = False,
                   equal_weight: bool = False, by_asset: bool = False) -> pd.DataFrame:
    """Returns of the factor-weighted portfolio per date (or per entry with ``by_asset``)."""
    if by_asset:
        weights = factor_weights(factor_data, demeaned, group_adjust, equal_weight)
        return factor_data[forward_return_columns(factor_data.columns)].multiply(weights, axis=0)
    out = _factor_returns(_factor_data(factor_data), long_short=demeaned,
                          group_neutral=group_adjust, equal_weight=equal_weight)
    return _reindex_to_freq(out, _date_freq(factor_data))


def factor_alpha_beta(factor_data: pd.DataFrame, returns: pd.DataFrame | pd.Series | None = None,
                      demeaned: bool = True, group_adjust: bool = False,
                      equal_weight: bool = False) -> pd.DataFrame:
    """Rows 'Ann. alpha' and 'beta' per period; see :func:`factorlab.factor_alpha_beta`."""
    if returns is None:
        returns = factor_returns(factor_data, demeaned, group_adjust, equal_weight)
    elif isinstance(returns, pd.Series):
        # Alphalens regresses a Series on the first period's universe return, whatever its name
        returns = returns.rename(forward_return_columns(factor_data.columns)[0])
    out = _factor_alpha_beta(_factor_data(factor_data), returns=returns)
    return _zero_universe_fit(out, factor_data, returns)


def _zero_universe_fit(out: pd.DataFrame, factor_data: pd.DataFrame, returns) -> pd.DataFrame:
    """statsmodels' fit where factorlab's is NaN: a universe return of exactly 0 on every date.

    Alphalens' ``OLS(y, add_constant(x))`` then regresses on [1, 0] and its pseudo-inverse gives
    alpha = mean(y), beta = 0 (annualised with Alphalens' ``252 days / period``); a universe return that is
    a non-zero constant still fails there (no constant is added) and stays NaN.
    """
    frame = returns.to_frame() if isinstance(returns, pd.Series) else returns
    cols = [c for c in frame.columns if c in factor_data.columns]
    if not cols:
        return out
    universe = factor_data.groupby(level="date")[cols].mean().reindex(frame.index)
    for period in cols:
        x = universe[period].to_numpy(dtype="float64")
        y = frame[period].to_numpy(dtype="float64")
        ok = ~np.isnan(x) & ~np.isnan(y)
        if ok.any() and (x[ok] == 0).all():
            alpha = float(y[ok].mean())
            out.loc["Ann. alpha", period] = (1 + alpha) ** (pd.Timedelta("252Days") / pd.Timedelta(period)) - 1
            out.loc["beta", period] = 0.0
    return out
