"""Information decay: the mean IC of a factor against forward returns of many horizons."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor._forward import check_periods, marked_prices, period_label
from factorlab.factor._information import _row_spearman
from factorlab.factor._prepare import FactorData

__all__ = ["ic_decay"]

#: Cells (dates x assets) of forward returns built at a time: the IC of each date needs only its row,
#: so a horizon's returns are never held for the whole panel (120 MB on 3,000 x 5,000).
_BLOCK_CELLS = 2**21


def _returns_at(prices: np.ndarray, marks: np.ndarray, rows: np.ndarray, start: int, horizon: int) -> np.ndarray:
    """``M[t+start+h] / P[t+start] - 1`` for the price rows ``rows``, M the last actual price at or
    before the end bar (NaN past the end, without a start price or from a 0 price)."""
    n_bars = prices.shape[0]
    out = np.full((len(rows), prices.shape[1]), np.nan)
    r0 = rows + start
    ok = r0 + horizon < n_bars
    if not ok.any():
        return out
    i = np.flatnonzero(ok)
    lo = i[0]
    if i[-1] - lo == len(i) - 1 and np.all(np.diff(r0[i]) == 1):  # consecutive bars: slices, no gathers
        p0 = prices[r0[lo]:r0[i[-1]] + 1]
        p1 = marks[r0[lo] + horizon:r0[i[-1]] + horizon + 1]
    else:
        p0, p1 = prices[r0[i]], marks[r0[i] + horizon]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = p1 / p0 - 1.0
    r[p0 == 0] = np.nan  # no return out of a bankrupt price
    out[i] = r
    return out


def ic_decay(fd: FactorData, horizons: Sequence[int] | None = None) -> pd.DataFrame:
    """Mean Spearman IC of the factor for each forward-return horizon.

    Parameters
    ----------
    fd : FactorData
        Prepared factor with its prices.
    horizons : sequence of int, optional
        Horizons in bars. Default: 1, 2, 3, 5, 10, 15, 20 and the factor
        data's own periods, limited to what the prices allow.

    Returns
    -------
    pd.DataFrame, shape (horizons, 3)
        Index ``horizon`` (bars); columns ``label`` (e.g. '5D'), ``ic_mean``
        and ``ic_std_err`` (standard error of the mean over dates). The IC is
        computed on the kept entries of ``fd`` whose return at that horizon
        exists (dates near the end of the data drop out for long horizons);
        returns end at the last actual price, as in :func:`forward_returns`.

    Notes
    -----
    The factor is ranked once (``fd.factor_ranks``) and reused for every
    horizon on the dates where all kept entries have a return; only the
    returns are ranked per horizon, built a block of dates at a time.
    """
    if fd.prices is None:
        raise ParameterError("ic_decay needs a FactorData built with prices")
    n_bars = len(fd.prices.index) - fd.delay
    if horizons is None:
        horizons = sorted({h for h in (1, 2, 3, 5, 10, 15, 20, *fd.periods) if h < n_bars})
    horizons = check_periods(horizons, n_bars)
    cols = fd.prices.columns.get_indexer(fd.assets)
    if (cols < 0).any():
        raise ParameterError(f"the prices of the FactorData lack {int((cols < 0).sum())} of its assets, "
                             f"e.g. {fd.assets[cols < 0][0]!r}")
    prices = fd.prices.to_numpy(dtype="float64")
    if not np.array_equal(cols, np.arange(prices.shape[1])):
        prices = prices[:, cols]
    rows = fd.prices.index.get_indexer(fd.dates)
    marks = marked_prices(prices)
    x = fd.factor.to_numpy(dtype="float64")
    ranks, mask = fd.factor_ranks, fd.mask
    block = max(1, _BLOCK_CELLS // max(1, prices.shape[1]))  # rows of returns held at a time
    out = []
    for h in horizons:
        ic = np.concatenate([_row_spearman(x[lo:lo + block], _returns_at(prices, marks, rows[lo:lo + block],
                                                                         fd.delay, h),
                                           mask[lo:lo + block], ranks[lo:lo + block])
                             for lo in range(0, len(rows), block)])
        ic = ic[~np.isnan(ic)]
        se = ic.std(ddof=1) / np.sqrt(len(ic)) if len(ic) > 1 else np.nan
        out.append((h, period_label(h, fd.prices.index), ic.mean() if len(ic) else np.nan, se))
    return pd.DataFrame(out, columns=["horizon", "label", "ic_mean", "ic_std_err"]).set_index("horizon")
