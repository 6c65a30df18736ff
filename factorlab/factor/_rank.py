"""Row-wise average ranks on wide (dates x assets) arrays.

One ``argsort`` per row block, ties averaged, NaN left out: the numbers of
``scipy.stats.rankdata(x, method="average", axis=1, nan_policy="omit")``,
without importing scipy and about 3-5x faster. NaN cells are sorted as
``+inf`` (numpy's vectorised sort is much faster on arrays without NaN), and
genuine ``+inf`` values are given their rank afterwards.
"""

from __future__ import annotations

import numpy as np

from factorlab.factor._blocks import blockwise

__all__ = ["rank_rows", "sorted_ranks"]


def sorted_ranks(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of rows already sorted ascending.

    Parameters
    ----------
    s : ndarray, shape (rows, columns)
        Each row sorted ascending; only its first ``n[i]`` entries count.
    n : ndarray of int, shape (rows,)
        Number of entries taking part in each row.

    Returns
    -------
    ndarray of float64, shape (rows, columns)
        The rank of each sorted position, ties (equal values) sharing the
        mean of their positions; positions at or after ``n[i]`` hold
        meaningless values.
    """
    n_rows, n_cols = s.shape
    size = n_rows * n_cols
    if size == 0:
        return np.empty(s.shape)
    # runs of equal values in the flat sorted array, cut at row starts and at
    # each row's n-th position (the cells after it do not take part)
    flat = s.ravel()
    new_run = np.empty(size, dtype=bool)
    new_run[0] = True
    np.not_equal(flat[1:], flat[:-1], out=new_run[1:])
    new_run[::n_cols] = True
    short = np.flatnonzero(n < n_cols)
    new_run[short * n_cols + n[short]] = True
    starts = np.flatnonzero(new_run)
    # without ties every taking-part cell starts a run (+ one run of the rest per short row)
    if len(starts) == int(n.sum()) + len(short):
        return np.broadcast_to(np.arange(1.0, n_cols + 1.0), s.shape).copy()
    lengths = np.diff(starts, append=size)
    # the mean 1-based position of each run within its row, repeated over the run
    run_rank = starts % n_cols + (lengths + 1) * 0.5
    return np.repeat(run_rank, lengths).reshape(s.shape)


@blockwise(small=True)
def rank_rows(x: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """Average rank (1-based) of each value within its row, NaN left out.

    Parameters
    ----------
    x : ndarray, shape (rows, columns)
        Values; NaN marks cells that do not take part.
    fill : float, default NaN
        Value given to the cells that do not take part (0 suits sums).

    Returns
    -------
    ndarray of float64, shape (rows, columns)
        Ranks 1..n over the n non-NaN values of the row, ties sharing the
        mean of their positions (``method="average"``); NaN where ``x`` is
        NaN (an all-NaN row is all NaN), or ``fill``. Equal to
        ``scipy.stats.rankdata(x, method="average", axis=1, nan_policy="omit")``.
    """
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2:
        raise ValueError(f"rank_rows needs a 2-d array, got {x.ndim}-d")
    if x.size == 0:
        return np.full(x.shape, fill)
    nan = np.isnan(x)
    n = x.shape[1] - nan.sum(axis=1)
    key = np.where(nan, np.inf, x)
    # flat positions of the sorted cells (np.take / np.put on flat indices are
    # much faster than take_along_axis / put_along_axis)
    flat = np.argsort(key, axis=1)
    flat += (np.arange(x.shape[0]) * x.shape[1])[:, None]
    s = np.take(key, flat)
    out = np.empty(x.shape)
    np.put(out, flat, sorted_ranks(s, n))
    posinf = np.isposinf(x)
    if posinf.any():
        # +inf values tie with the NaN cells sorted as +inf: they share the last k ranks
        k = posinf.sum(axis=1)
        out = np.where(posinf, ((2 * n - k + 1) * 0.5)[:, None], out)
    out[nan] = fill
    return out
