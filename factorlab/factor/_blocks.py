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


def _concat(parts: list):
    first = parts[0]
    if isinstance(first, tuple):
        return tuple(_concat(list(p)) for p in zip(*parts))
    return np.concatenate(parts, axis=0)


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

        parts = [fn(*(part(a, lo) for a in args), **kwargs) for lo in range(0, n_rows, step)]
        return _concat(parts)

    return wrapper
