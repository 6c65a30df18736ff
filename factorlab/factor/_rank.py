"""Row-wise average ranks on wide (dates x assets) arrays.

One integer sort per row block (see :func:`row_order`), ties averaged, NaN
left out: the numbers of
``scipy.stats.rankdata(x, method="average", axis=1, nan_policy="omit")``,
without importing scipy and about 3-5x faster.
"""

from __future__ import annotations

import numpy as np

from factorlab.factor._blocks import blockwise

__all__ = ["rank_rows", "row_order", "sorted_ranks"]


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
    out = np.broadcast_to(np.arange(1.0, n_cols + 1.0), s.shape).copy()
    if n_cols < 2 or n_rows == 0:
        return out
    # cont[i, j]: position j + 1 continues a run of equal values, both positions taking part
    cont = s[:, 1:] == s[:, :-1]
    cont &= np.arange(1, n_cols)[None, :] < n[:, None]
    p = np.flatnonzero(cont)
    if len(p) == 0:  # no ties
        return out
    # only the (few) tied positions are touched: group consecutive continuations into runs
    pos = (p // (n_cols - 1)) * n_cols + p % (n_cols - 1) + 1  # flat position in s (never column 0)
    first = np.ones(len(pos), dtype=bool)
    first[1:] = np.diff(pos) != 1  # a run never crosses a row: column 0 is never a continuation
    run = np.cumsum(first) - 1
    start = pos[first] - 1
    length = np.bincount(run) + 1
    run_rank = start % n_cols + (length + 1) * 0.5  # mean 1-based position of the run
    flat = out.reshape(-1)
    flat[start] = run_rank
    flat[pos] = run_rank[run]
    return out


#: Most column bits packed into the sort keys (beyond: np.argsort).
_PACK_MAX_BITS = 16


def row_order(x: np.ndarray, nan: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ascending order of each row, NaN cells last.

    Parameters
    ----------
    x : ndarray of float64, shape (rows, columns)
    nan : ndarray of bool, shape (rows, columns)
        ``np.isnan(x)``.

    Returns
    -------
    flat : ndarray of int, shape (rows, columns)
        Flat index (``row * columns + column``) of the cell at each sorted
        position: row i's non-NaN cells in ascending order, then its NaN cells.
    s : ndarray of float64, shape (rows, columns)
        The sorted values, NaN cells given as +inf.

    Notes
    -----
    Values are mapped to order-preserving int64 keys whose lowest bits are
    replaced by the column number, so that one SIMD ``np.sort`` of integers
    (about twice as fast as ``np.argsort``) gives the order. Two values that
    differ only in those lowest bits (a relative difference below about
    ``columns * 2**-52``) may come out swapped: rows where the sorted values
    are not ascending are sorted again with ``np.argsort``, so the order is
    always exact.
    """
    n_rows, n_cols = x.shape
    xi = np.where(nan, np.inf, x)
    bits = max(1, (n_cols - 1).bit_length())
    offsets = (np.arange(n_rows) * n_cols)[:, None]
    if bits <= _PACK_MAX_BITS:
        top = np.int64(0x7FFFFFFFFFFFFFFF)
        b = xi.view(np.int64)
        key = b >> 63  # -1 for negative values: flip their magnitude bits
        key &= top
        key ^= b
        np.putmask(key, nan, top)  # NaN after +inf
        key &= ~np.int64((1 << bits) - 1)
        key |= np.arange(n_cols, dtype=np.int64)
        key.sort(axis=1)
        key &= np.int64((1 << bits) - 1)
        flat = key
    else:
        flat = np.argsort(x, axis=1)  # NaN last
    flat += offsets
    s = np.take(xi, flat)
    bad = np.flatnonzero((s[:, 1:] < s[:, :-1]).any(axis=1))
    if len(bad):
        fix = np.argsort(x[bad], axis=1) + offsets[bad]
        flat[bad] = fix
        s[bad] = np.take(xi, fix)
    return flat, s


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
    flat, s = row_order(x, nan)
    out = np.empty(x.shape)
    np.put(out, flat, sorted_ranks(s, n))
    out[nan] = fill
    return out
