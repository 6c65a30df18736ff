"""Row-wise (per date) quantile and bin assignment on wide arrays.

The results equal ``pd.qcut(x, q, labels=False) + 1`` and
``pd.cut(x, bins, labels=False) + 1`` applied to each date's cross-section
(what Alphalens' ``quantize_factor`` does one date at a time), but are
computed for all dates at once: each row is sorted, the quantile edges are
interpolated exactly as numpy/pandas do, and values are located among the edges
with one broadcast comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor._blocks import blockwise
from factorlab.factor._rank import rank_rows

__all__ = ["quantize_rows", "qcut_probabilities", "check_binning_args", "QUANTILE_METHODS", "binning_failure_causes"]

#: How ``quantiles=`` are assigned: 'qcut' exactly as ``pd.qcut`` (Alphalens; fails on a date whose
#: edges repeat), 'rank' by average rank (ties share a bucket; never fails on ties).
QUANTILE_METHODS = ("qcut", "rank")

_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


def qcut_probabilities(q: int | Sequence[float]) -> np.ndarray:
    """The quantile probabilities ``pd.qcut`` uses for ``q``, as numpy sees them.

    pandas 3 rounds ``linspace(0, 1, q + 1)`` up where it is not exact and calls
    ``np.quantile``; pandas 2 calls ``np.percentile`` with ``100 * q``. The
    returned array is the effective probability numpy interpolates with, so
    the edges are bit-identical to the installed pandas.
    """
    if isinstance(q, (int, np.integer)):
        probs = np.linspace(0, 1, int(q) + 1)
        if _PANDAS_MAJOR >= 3:
            np.putmask(probs, q * probs != np.arange(q + 1), np.nextafter(probs, 1))
    else:
        probs = np.asarray(q, dtype="float64")
    if _PANDAS_MAJOR < 3:
        probs = np.true_divide(probs * 100.0, 100)
    return probs


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    # numpy's own linear interpolation (numpy.lib._function_base_impl._lerp)
    diff = b - a
    out = a + diff * t
    np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    return out


def _row_quantile_edges(x: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linear-interpolated quantiles of each row, ignoring NaN.

    Returns edges (rows x len(probs)) and the count of values per row.
    """
    srt = np.sort(x, axis=1)  # NaN sort last
    n = np.sum(~np.isnan(x), axis=1)
    vi = (np.maximum(n, 1) - 1)[:, None] * probs[None, :]
    prev = np.floor(vi)
    gamma = vi - prev
    prev_i = np.minimum(prev.astype(np.int64), np.maximum(n - 1, 0)[:, None])
    next_i = np.minimum(prev_i + 1, np.maximum(n - 1, 0)[:, None])
    rows = np.arange(x.shape[0])[:, None]
    edges = _lerp(srt[rows, prev_i], srt[rows, next_i], gamma)
    edges[n == 0] = np.nan
    return edges, n


def _locate(x: np.ndarray, edges: np.ndarray, include_lowest: bool) -> np.ndarray:
    """1-based bin of each value: edges[k-1] < x <= edges[k]; NaN outside."""
    ids = np.zeros(x.shape)
    with np.errstate(invalid="ignore"):
        for k in range(edges.shape[1]):  # one pass per edge, no (rows, columns, edges) array
            ids += edges[:, k:k + 1] < x
    if include_lowest:
        ids[x == edges[:, :1]] = 1.0
    nb = edges.shape[1]
    ids[(ids == 0) | (ids == nb) | np.isnan(x)] = np.nan
    return ids


def _edges_not_unique(edges: np.ndarray, n: np.ndarray) -> np.ndarray:
    if edges.shape[1] == 2:
        return np.zeros(edges.shape[0], dtype=bool)
    dup = np.any(edges[:, 1:] == edges[:, :-1], axis=1)
    return dup | (n == 0)


def _qcut_rows(x: np.ndarray, q) -> tuple[np.ndarray, np.ndarray]:
    probs = qcut_probabilities(q)
    edges, n = _row_quantile_edges(x, probs)
    failed = _edges_not_unique(edges, n)
    ids = _locate(x, np.where(failed[:, None], np.nan, edges), include_lowest=True)
    return ids, failed


def _rank_rows_quantiles(x: np.ndarray, q) -> tuple[np.ndarray, np.ndarray]:
    """Tie-robust quantiles: the bucket of the mid-rank ``(rank - 0.5) / n`` among the quantile edges.

    ``rank`` is the average rank (1-based) within the row, so tied values
    share one bucket (an all-equal row lands in the middle bucket) and a row
    fails only when it is empty. Without ties the buckets hold ``n / q``
    names each, as ``pd.qcut``'s do up to where the edges fall.
    """
    probs = np.linspace(0.0, 1.0, int(q) + 1) if isinstance(q, (int, np.integer)) else np.asarray(q, float)
    n = np.sum(~np.isnan(x), axis=1)
    r = rank_rows(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = (r - 0.5) / n[:, None]
    inner = probs[1:-1]
    ids = np.ones(x.shape)
    for edge in inner:
        ids += u >= edge
    ids[np.isnan(x)] = np.nan
    # edges given as a sub-range of [0, 1] (e.g. [0.1, 0.9]) leave the tails out, as pd.qcut does
    ids[(u < probs[0]) | (u > probs[-1])] = np.nan
    return ids, n == 0


def _cut_rows(x: np.ndarray, bins) -> tuple[np.ndarray, np.ndarray]:
    n = np.sum(~np.isnan(x), axis=1)
    if isinstance(bins, (int, np.integer)):
        with np.errstate(invalid="ignore"):
            mn = np.nanmin(np.where(n[:, None] > 0, x, 0.0), axis=1)
            mx = np.nanmax(np.where(n[:, None] > 0, x, 0.0), axis=1)
        same = mn == mx
        mn_adj = np.where(mn != 0, mn - 0.001 * np.abs(mn), mn - 0.001)
        mx_adj = np.where(mx != 0, mx + 0.001 * np.abs(mx), mx + 0.001)
        start = np.where(same, mn_adj, mn)
        stop = np.where(same, mx_adj, mx)
        edges = np.linspace(start, stop, int(bins) + 1, endpoint=True, axis=1)
        adj = (mx - mn) * 0.001
        edges[:, 0] = np.where(same, edges[:, 0], edges[:, 0] - adj)
        failed = (n == 0) | _edges_not_unique(edges, n)
    else:
        row = np.asarray(bins, dtype="float64")
        edges = np.broadcast_to(row, (x.shape[0], row.size))
        failed = n == 0
    ids = _locate(x, np.where(failed[:, None], np.nan, edges), include_lowest=False)
    return ids, failed


def check_binning_args(quantiles, bins, zero_aware: bool) -> None:
    """Validate the quantiles/bins choice, raising :class:`ParameterError`."""
    if (quantiles is None) == (bins is None):
        raise ParameterError("give exactly one of quantiles= or bins= (the other must be None)")
    spec, name = (quantiles, "quantiles") if quantiles is not None else (bins, "bins")
    if isinstance(spec, (bool, np.bool_)):
        raise ParameterError(f"{name} must be an int or a sequence of numbers, got {spec!r}")
    if isinstance(spec, (int, np.integer)):
        if spec < 1:
            raise ParameterError(f"{name} must be a positive integer, got {spec}")
        if zero_aware and spec < 2:
            raise ParameterError(f"zero_aware=True needs {name} >= 2 (half below zero, half above), got {spec}")
        return
    arr = np.asarray(spec, dtype="float64")
    if arr.ndim != 1 or arr.size < 2:
        raise ParameterError(f"{name} as a sequence needs at least two edges, got {spec!r}")
    if not np.all(np.diff(arr) > 0):
        raise ParameterError(f"{name} edges must increase strictly, got {spec!r}")
    if quantiles is not None and (arr[0] < 0 or arr[-1] > 1):
        raise ParameterError(f"quantile edges must lie in [0, 1], got {spec!r}")
    if zero_aware:
        raise ParameterError(f"zero_aware=True needs an integer number of {name}, got a sequence")


@blockwise
def quantize_rows(x: np.ndarray, quantiles=5, bins=None, zero_aware: bool = False,
                  method: str = "qcut") -> tuple[np.ndarray, np.ndarray]:
    """Assign each row's values to quantiles or bins.

    Parameters
    ----------
    x : ndarray, shape (dates, assets)
        Factor values; NaN marks entries that do not take part.
    quantiles, bins : int or sequence of float
        Exactly one is given: the number of equal-count quantiles (or the
        quantile edges in [0, 1]), or the number of equal-width bins (or the
        bin edges in factor units).
    zero_aware : bool
        Bin positive (>= 0) and negative values separately, half of the
        buckets each, so that bucket ``n // 2 + 1`` and above are all >= 0.
    method : {'qcut', 'rank'}
        For ``quantiles``: 'qcut' gives ``pd.qcut``'s buckets exactly (a date
        whose edges repeat, e.g. many tied values, fails); 'rank' buckets each
        value by its average rank, so ties share a bucket and no date fails
        on ties.

    Returns
    -------
    labels : ndarray, shape (dates, assets), float64
        1-based bucket numbers, NaN where not assigned.
    failed : ndarray, shape (dates,), bool
        Dates whose binning was impossible (edges not unique, e.g. too few
        distinct values); all their labels are NaN.
    """
    check_binning_args(quantiles, bins, zero_aware)
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2:
        raise ParameterError(f"quantize_rows needs a 2-d (dates x assets) array, got {x.ndim}-d")
    if x.shape[1] == 0:
        return np.full(x.shape, np.nan), np.ones(x.shape[0], dtype=bool)
    if method not in QUANTILE_METHODS:
        raise ParameterError(f"quantile_method must be one of {QUANTILE_METHODS}, got {method!r}")
    if quantiles is None:
        cut = _cut_rows
    else:
        cut = _qcut_rows if method == "qcut" else _rank_rows_quantiles
    spec = quantiles if quantiles is not None else bins
    if not zero_aware:
        labels, failed = cut(x, spec)
    else:
        half = int(spec) // 2
        pos_l, pos_f = cut(np.where(x >= 0, x, np.nan), half)
        neg_l, neg_f = cut(np.where(x < 0, x, np.nan), half)
        labels = np.where(x >= 0, pos_l + half, neg_l)
        failed = pos_f | neg_f
    labels[failed] = np.nan
    return labels, failed


def binning_failure_causes(x: np.ndarray, failed: np.ndarray, n_buckets: int) -> dict[str, int]:
    """Why binning failed on each failed row: counts of rows by cause.

    Returns
    -------
    dict
        ``ties``: rows with at least ``n_buckets`` values but tied values
        (edges repeat); ``too_few_values``: rows with fewer distinct values
        than buckets and no ties; ``empty``: rows without values.
    """
    rows = np.flatnonzero(failed)
    out = {"ties": 0, "too_few_values": 0, "empty": 0}
    if len(rows) == 0:
        return out
    sub = np.sort(x[rows], axis=1)
    n = np.sum(~np.isnan(sub), axis=1)
    tied = np.any(sub[:, 1:] == sub[:, :-1], axis=1)
    out["empty"] = int(np.count_nonzero(n == 0))
    out["ties"] = int(np.count_nonzero((n > 0) & tied))
    out["too_few_values"] = int(np.count_nonzero((n > 0) & ~tied))
    return out
