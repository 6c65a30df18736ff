"""Run row-independent array functions on blocks of rows.

Row-wise statistics (ranks, IC, quantiles, per-date means) are independent
from one date to the next. Working on blocks of a few MB keeps temporaries in
cache and in the allocator's reusable heap instead of fresh pages for every
intermediate array, which is what keeps large panels scaling linearly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

__all__ = ["BLOCK_CELLS", "SMALL_BLOCK_CELLS", "blockwise"]

#: Cells (rows x columns) per block: 2**19 float64 cells = 4 MiB per temporary.
BLOCK_CELLS = 2**19
#: Smaller blocks for functions with many temporaries per cell (row sorts):
#: 2**16 float64 cells = 512 KiB, which stays in a core's L2 cache.
SMALL_BLOCK_CELLS = 2**16


def _allocate(part, n_rows: int):
    """Empty output(s) of ``n_rows`` rows shaped like a block's output (an array or a tuple of them)."""
    if isinstance(part, tuple):
        return tuple(_allocate(p, n_rows) for p in part)
    part = np.asarray(part)
    return np.empty((n_rows,) + part.shape[1:], dtype=part.dtype)


def _store(out, part, lo: int):
    """Write a block's output(s) into rows ``lo ..`` of ``out``; a block of a wider dtype widens ``out``."""
    if isinstance(out, tuple):
        return tuple(_store(o, p, lo) for o, p in zip(out, part))
    part = np.asarray(part)
    if part.dtype != out.dtype:  # as np.concatenate would: the common type of every block
        out = out.astype(np.result_type(out.dtype, part.dtype))
    out[lo:lo + len(part)] = part
    return out


def blockwise(fn: Callable | None = None, *, small: bool = False) -> Callable:
    """Decorate ``fn(*arrays, **options)`` whose outputs are row-wise in its 2-d array inputs.

    Every positional argument that is a 2-d ndarray with the first argument's
    number of rows is sliced by rows; others (None, scalars) pass unchanged.
    Outputs (an array or a tuple of arrays with one row, or one value, per
    input row) are concatenated along axis 0. The result equals one call on
    the whole arrays. ``@blockwise(small=True)`` uses blocks of
    :data:`SMALL_BLOCK_CELLS` instead of :data:`BLOCK_CELLS` cells.
    """
    if fn is None:
        return functools.partial(blockwise, small=small)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        first = np.asarray(args[0])
        if first.ndim != 2:
            return fn(*args, **kwargs)
        n_rows, n_cols = first.shape
        cells = SMALL_BLOCK_CELLS if small else BLOCK_CELLS
        step = max(1, cells // max(n_cols, 1))
        if n_rows <= step:
            return fn(*args, **kwargs)

        def part(a, lo):
            if isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[0] == n_rows:
                return a[lo:lo + step]
            return a

        # each block's output written into one array allocated for all rows: no list of parts to
        # concatenate (a second copy of the output at its peak)
        out = None
        for lo in range(0, n_rows, step):
            block = fn(*(part(a, lo) for a in args), **kwargs)
            out = _store(_allocate(block, n_rows) if out is None else out, block, lo)
        return out

    return wrapper
