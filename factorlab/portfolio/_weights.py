"""Target portfolio weights from factor values (Alphalens' ``factor_weights`` and more).

All functions work on wide (dates x assets) arrays: one row is one date's
cross-section, NaN marks assets that are not in it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from factorlab.data._validate import factor_to_wide, groups_to_wide
from factorlab.errors import ParameterError
from factorlab.factor._prepare import FactorData

__all__ = ["concentration", "concentration_message", "factor_weights", "row_weights"]


#: Cells summed at a time by the row sums (their NaN-free copies stay a few MB on any panel).
_SUM_BLOCK_CELLS = 2**20


def _row_sum(a: np.ndarray, absolute: bool = False) -> np.ndarray:
    """``nansum(a, axis=1, keepdims=True)`` (of ``|a|`` with ``absolute``), a block of rows at a time:
    each row is summed as in one call, without a whole-panel copy."""
    out = np.empty((a.shape[0], 1))
    step = max(1, _SUM_BLOCK_CELLS // max(1, a.shape[1]))
    for lo in range(0, a.shape[0], step):
        block = a[lo:lo + step]
        out[lo:lo + step] = np.nansum(np.abs(block) if absolute else block, axis=1, keepdims=True)
    return out


def row_weights(x: np.ndarray, demeaned: bool = True, equal_weight: bool = False) -> np.ndarray:
    """Alphalens' ``to_weights`` applied to every row of ``x`` at once.

    Parameters
    ----------
    x : ndarray, shape (dates, assets)
        Factor values, NaN = not in the cross-section.
    demeaned : bool
        Subtract the row mean (or, with ``equal_weight``, the row median) so
        that longs and shorts balance.
    equal_weight : bool
        Every name gets the same absolute weight on its side.

    Returns
    -------
    ndarray, shape (dates, assets)
        Weights with ``sum(|w|) == 1`` on every row that has a non-zero
        entry; NaN outside the cross-section; a row that is all zero after
        demeaning gives NaN (0/0), as in Alphalens.
    """
    x = np.asarray(x, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        if equal_weight:
            w = x.copy()
            if demeaned:
                empty = np.all(np.isnan(x), axis=1, keepdims=True)
                med = np.nanmedian(np.where(empty, 0.0, x), axis=1, keepdims=True)
                w = w - med
            neg, pos = w < 0, w > 0
            w = np.where(neg, -1.0, np.where(pos, 1.0, w))
            if demeaned:
                n_neg = neg.sum(axis=1, keepdims=True)
                n_pos = pos.sum(axis=1, keepdims=True)
                w = np.where(neg, w / np.maximum(n_neg, 1), w)
                w = np.where(pos, w / np.maximum(n_pos, 1), w)
        else:
            return _scaled_rows(x, demeaned)
        return np.divide(w, _row_sum(w, absolute=True), out=w)  # w is this function's own array


def _scaled_rows(x: np.ndarray, demeaned: bool) -> np.ndarray:
    """``w / nansum(|w|)`` per row, ``w = x - nanmean(x)`` (``demeaned``) or ``x``, a block of rows at a time.

    Each row's sums are the ones a whole-panel ``np.nansum(..., axis=1)`` takes (NaN as 0, the same
    values in the same order), so the weights are the same bit for bit; the panel is read once and the
    weights written once, with no whole-panel temporary (the mean, the demeaned values and their
    absolute values of a block stay a few MB)."""
    out = np.empty(x.shape)
    step = max(1, _SUM_BLOCK_CELLS // max(1, x.shape[1]))
    with np.errstate(invalid="ignore", divide="ignore"):
        for lo in range(0, x.shape[0], step):
            block, w = x[lo:lo + step], out[lo:lo + step]
            if demeaned:
                nan = np.isnan(block)
                total = np.sum(np.where(nan, 0.0, block), axis=1, keepdims=True)
                np.subtract(block, total / np.sum(~nan, axis=1, keepdims=True), out=w)
            else:
                np.copyto(w, block)
            size = np.abs(w)
            size[np.isnan(size)] = 0.0
            np.divide(w, np.sum(size, axis=1, keepdims=True), out=w)
    return out


def _grouped_weights(x: np.ndarray, groups: np.ndarray, demeaned: bool, equal_weight: bool) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    valid = ~np.isnan(x)
    for g in pd.unique(groups[valid]):
        in_g = valid & (groups == g)
        w = row_weights(np.where(in_g, x, np.nan), demeaned, equal_weight)
        out = np.where(in_g, w, out)
    return row_weights(out, demeaned=False, equal_weight=False)


def _select_quantiles(x: np.ndarray, q: np.ndarray, quantiles, n_quantiles: int, long_short: bool,
                      equal_weight: bool) -> tuple[np.ndarray, bool]:
    """Apply a quantile selection; return the values to weight and whether to demean."""
    if isinstance(quantiles, (int, np.integer)) and not isinstance(quantiles, bool):
        if not 1 <= quantiles <= n_quantiles:
            raise ParameterError(f"quantile {quantiles} is outside 1..{n_quantiles}")
        basket = np.where(q == quantiles, 1.0, np.nan)
        return basket, False
    sel = [int(v) for v in quantiles]
    bad = [v for v in sel if not 1 <= v <= n_quantiles]
    if bad or not sel:
        raise ParameterError(f"quantiles {list(quantiles)} must be numbers in 1..{n_quantiles}")
    chosen = np.isin(q, sel)
    if long_short and equal_weight:
        mid = (n_quantiles + 1) / 2.0
        side = np.where(q > mid, 1.0, np.where(q < mid, -1.0, 0.0))
        return np.where(chosen, side, np.nan), False
    return np.where(chosen, x, np.nan), long_short


def factor_weights(
    fd_or_factor: FactorData | pd.Series | pd.DataFrame,
    long_short: bool = True,
    group_neutral: bool = False,
    equal_weight: bool = False,
    quantiles: int | Sequence[int] | None = None,
    groups: pd.Series | dict | None = None,
) -> pd.DataFrame:
    """Target weights per date from factor values.

    Parameters
    ----------
    fd_or_factor : FactorData, (date, asset) Series, or wide DataFrame
        The factor. A FactorData also supplies quantiles and groups.
    long_short : bool, default True
        Demean the factor each date (a dollar-neutral long-short portfolio);
        False weights the raw values (long-only for a positive factor).
    group_neutral : bool, default False
        Demean within each group, then scale the date to gross 1 (needs
        groups: from the FactorData or ``groups=``).
    equal_weight : bool, default False
        Same absolute weight for every name on its side (the side is the sign
        after subtracting the median when ``long_short``).
    quantiles : int or sequence of int, optional
        An int ``q`` gives the long-only, equal-weighted basket of quantile q.
        A sequence keeps only those quantiles; with ``long_short`` and
        ``equal_weight``, quantiles above the middle are bought and those
        below sold, each side equal-weighted (e.g. ``[1, 5]``: long top
        quintile, short bottom, 0.5 gross each). Needs a FactorData.
    groups : dict or Series, optional
        asset -> group (or (date, asset) -> group) when a raw factor is given.

    Returns
    -------
    pd.DataFrame, shape (dates, assets)
        Weights, ``sum(|w|) == 1`` per date, NaN where the asset is not in that
        date's cross-section. Same values as Alphalens'
        ``factor_weights(demeaned=long_short, group_adjust=group_neutral,
        equal_weight=equal_weight)``.
    """
    if isinstance(fd_or_factor, FactorData):
        x = fd_or_factor.factor.to_numpy()
        index, columns = fd_or_factor.dates, fd_or_factor.assets
        g = None if fd_or_factor.group is None else fd_or_factor.group.to_numpy(dtype=object)
        q = fd_or_factor.quantile.to_numpy()
        n_q = fd_or_factor.n_quantiles
    else:
        wide, _ = factor_to_wide(fd_or_factor)
        x = np.where(np.isfinite(wide.to_numpy()), wide.to_numpy(), np.nan)
        index, columns = wide.index, wide.columns
        g, q, n_q = None, None, 0
        if quantiles is not None:
            raise ParameterError("quantiles= needs a FactorData (prepare_factor_data) to know the quantiles")
    if groups is not None:
        g = groups_to_wide(groups, index, columns).to_numpy(dtype=object)
    if group_neutral and g is None:
        raise ParameterError("group_neutral=True needs groups: prepare the factor with groupby= or pass groups=")
    demeaned = long_short
    if quantiles is not None:
        x, demeaned = _select_quantiles(x, q, quantiles, n_q, long_short, equal_weight)
        if isinstance(quantiles, (int, np.integer)) or (long_short and equal_weight):
            w = row_weights(x, demeaned=False, equal_weight=False)
            return pd.DataFrame(w, index=index, columns=columns, copy=False)
    if group_neutral:
        w = _grouped_weights(x, g, demeaned, equal_weight)
    else:
        w = row_weights(x, demeaned, equal_weight)
    return pd.DataFrame(w, index=index, columns=columns, copy=False)


def concentration(weights: pd.DataFrame, limit: float = 0.25) -> pd.DataFrame:
    """Dates where one name holds more than ``limit`` of the book's gross weight.

    Parameters
    ----------
    weights : pd.DataFrame, shape (dates, assets)
        Target weights (NaN = not held), e.g. :func:`factor_weights`.
    limit : float, default 0.25
        Share of ``sum(|w|)`` on a date above which the largest name is reported.

    Returns
    -------
    pd.DataFrame
        One row per such date: ``date``, ``asset`` (the largest name), ``share`` of the gross (0.25 =
        25%), ``weight`` (its signed weight), ``names`` (names held that date); sorted by ``share``,
        largest first. Empty when no date exceeds the limit.
    """
    w = np.abs(np.nan_to_num(weights.to_numpy(dtype="float64"), nan=0.0))
    gross = w.sum(axis=1)
    top = w.argmax(axis=1) if w.shape[1] else np.zeros(len(w), dtype=int)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = w[np.arange(len(w)), top] / gross
    hit = np.flatnonzero((gross > 0) & (share > limit))
    out = pd.DataFrame({"date": weights.index[hit], "asset": weights.columns[top[hit]],
                        "share": share[hit], "weight": weights.to_numpy(dtype="float64")[hit, top[hit]],
                        "names": (w[hit] > 0).sum(axis=1)})
    return out.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)


def concentration_message(table: pd.DataFrame, limit: float, worst: int = 3) -> str:
    """One line for :func:`concentration`'s table: how many dates, and the ``worst`` largest shares."""
    ex = "; ".join(f"{r.asset} {r.share:.0%} on {pd.Timestamp(r.date).date()}"
                   for r in table.head(worst).itertuples())
    return (f"one name holds more than {limit:.0%} of the long-short book's gross weight on {len(table)} "
            f"date(s) (largest: {ex}); weigh names equally (equal_weight=True) or cap the factor to spread it")
