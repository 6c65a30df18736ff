"""Alphalens' ``utils`` names backed by factorlab's vectorised core.

Differences from alphalens-reloaded (documented and tested):

* losses are reported by a :class:`~factorlab.errors.DroppedDataWarning` and
  on the result, not printed;
* the entries dropped are counted per reason (``DROP_REASONS``).

Alphalens' rule is kept on purpose (drop-in parity): forward returns on
forward-filled prices (``prices.ffill().pct_change(N).shift(-N)``), and an
entry dropped from every horizon when any horizon's return is missing.
factorlab's own :func:`~factorlab.prepare_factor_data` is point in time instead (membership from data at t only, returns marked to
the last actual price, each horizon on all its dates); see docs/differences.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import MaxLossExceededError
from factorlab.factor._forward import forward_arrays
from factorlab.factor._prepare import _prepare, forward_return_columns
from factorlab.factor._quantize import quantize_rows
from factorlab.factor._returns import rate_of_return, std_conversion

__all__ = [
    "compute_forward_returns",
    "demean_forward_returns",
    "get_clean_factor",
    "get_clean_factor_and_forward_returns",
    "get_forward_returns_columns",
    "quantize_factor",
    "rate_of_return",
    "std_conversion",
]


def get_clean_factor_and_forward_returns(factor, prices, groupby=None, binning_by_group=False, quantiles=5,
                                         bins=None, periods=(1, 5, 10), filter_zscore=20, groupby_labels=None,
                                         max_loss=0.35, zero_aware=False, cumulative_returns=True):
    """Alphalens-layout factor data; see :func:`factorlab.prepare_factor_data`."""
    if not cumulative_returns:
        raise NotImplementedError("cumulative_returns=False is not supported; factorlab forward returns "
                                  "are always cumulative over the period")
    if groupby is not None and groupby_labels is not None:
        groupby = (pd.Series(groupby) if isinstance(groupby, dict) else groupby).map(groupby_labels)
    fd = _prepare(factor, prices, periods, quantiles, bins, groupby, binning_by_group, zero_aware, max_loss,
                  filter_zscore, 0, 10, None, "report", "qcut", alphalens=True)
    return fd.frame


def compute_forward_returns(factor, prices, periods=(1, 5, 10), filter_zscore=None, cumulative_returns=True):
    """Forward returns on the factor's (date, asset) index, one column per period."""
    px, _, labels, arrays, _, _ = forward_arrays(prices, periods, 0, rule="alphalens")
    dates = factor.index.get_level_values(0)
    assets = factor.index.get_level_values(1)
    in_prices = dates.isin(px.index) & assets.isin(px.columns)
    idx = factor.index[in_prices].rename(["date", "asset"])
    rows = px.index.get_indexer(idx.get_level_values(0))
    cols = px.columns.get_indexer(idx.get_level_values(1))
    out = {}
    for label in labels:
        wide = arrays[label]
        if filter_zscore is not None:
            fdates = px.index.isin(dates.unique())
            sub = wide[fdates]
            mean, std = np.nanmean(sub, axis=0), np.nanstd(sub, axis=0, ddof=1)
            with np.errstate(invalid="ignore"):
                wide = np.where(np.abs(wide - mean) > filter_zscore * std, np.nan, wide)
        out[label] = wide[rows, cols]
    return pd.DataFrame(out, index=idx)


def get_clean_factor(factor, forward_returns, groupby=None, binning_by_group=False, quantiles=5, bins=None,
                     groupby_labels=None, max_loss=0.35, zero_aware=False):
    """Merge a factor with precomputed forward returns, bin it, enforce max_loss."""
    merged = forward_returns.copy()
    fac = factor.rename_axis(["date", "asset"])
    merged["factor"] = fac[np.isfinite(fac)]
    if groupby is not None:
        if isinstance(groupby, dict):
            g = pd.Series(groupby).reindex(merged.index.get_level_values("asset"))
            g.index = merged.index
        else:
            g = groupby
        if groupby_labels is not None:
            g = g.map(groupby_labels)
        merged["group"] = g.astype("category")
    initial = float(len(factor.index))
    merged = merged.dropna()
    merged["factor_quantile"] = quantize_factor(merged, quantiles, bins, binning_by_group, True, zero_aware)
    merged = merged.dropna()
    merged["factor_quantile"] = merged["factor_quantile"].astype(np.int64)
    loss = (initial - len(merged)) / initial if initial else 0.0
    if loss > max_loss:
        raise MaxLossExceededError(f"max_loss ({max_loss:.1%}) exceeded {loss:.1%}, consider increasing it.")
    return merged


def quantize_factor(factor_data, quantiles=5, bins=None, by_group=False, no_raise=False, zero_aware=False):
    """Quantile of each entry of an Alphalens-layout frame (Series 'factor_quantile')."""
    fac = factor_data["factor"]
    wide = fac.unstack()
    x = wide.to_numpy(dtype="float64")
    if by_group:
        g = factor_data["group"].astype(object).unstack().reindex_like(wide).to_numpy(dtype=object)
        labels = np.full(x.shape, np.nan)
        for grp in pd.unique(g[~np.isnan(x)]):
            in_g = (g == grp) & ~np.isnan(x)
            lab, _ = quantize_rows(np.where(in_g, x, np.nan), quantiles=quantiles, bins=bins,
                                   zero_aware=zero_aware)
            labels = np.where(in_g, lab, labels)
    else:
        labels, _ = quantize_rows(x, quantiles=quantiles, bins=bins, zero_aware=zero_aware)
    out = pd.DataFrame(labels, index=wide.index, columns=wide.columns).stack()
    out = out.reindex(fac.index)
    out.name = "factor_quantile"
    return out.dropna()


def demean_forward_returns(factor_data, grouper=None):
    """Subtract the per-date (or per-``grouper``) mean from the forward-return columns."""
    factor_data = factor_data.copy()
    if not grouper:
        grouper = factor_data.index.get_level_values("date")
    cols = get_forward_returns_columns(factor_data.columns)
    factor_data[cols] = factor_data.groupby(grouper, observed=False)[cols].transform(lambda x: x - x.mean())
    return factor_data


def get_forward_returns_columns(columns, require_exact_day_multiple=False):
    """The forward-return column names among ``columns``."""
    return pd.Index(forward_return_columns(columns))

