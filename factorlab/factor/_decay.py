"""Information decay: the mean IC of a factor against forward returns of many horizons."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor._forward import check_periods, forward_returns
from factorlab.factor._information import _row_spearman
from factorlab.factor._prepare import FactorData

__all__ = ["ic_decay"]


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
        exists (dates near the end of the data drop out for long horizons).
    """
    if fd.prices is None:
        raise ParameterError("ic_decay needs a FactorData built with prices")
    n_bars = len(fd.prices.index) - fd.delay
    if horizons is None:
        horizons = sorted({h for h in (1, 2, 3, 5, 10, 15, 20, *fd.periods) if h < n_bars})
    horizons = check_periods(horizons, n_bars)
    fwd = forward_returns(fd.prices[fd.assets], horizons, delay=fd.delay)
    rows = fd.prices.index.get_indexer(fd.dates)
    x = fd.factor.to_numpy()
    out = []
    for h, label in zip(fwd.periods, fwd.labels):
        r = fwd.returns[label].to_numpy()[rows]
        valid = fd.mask & ~np.isnan(r)
        ic = _row_spearman(x, r, valid)
        ic = ic[~np.isnan(ic)]
        se = ic.std(ddof=1) / np.sqrt(len(ic)) if len(ic) > 1 else np.nan
        out.append((h, label, ic.mean() if len(ic) else np.nan, se))
    frame = pd.DataFrame(out, columns=["horizon", "label", "ic_mean", "ic_std_err"]).set_index("horizon")
    return frame
