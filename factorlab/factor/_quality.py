"""Data-quality findings: what was dropped and why, stale price runs, zero prices."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["DROP_REASONS", "DataQualityReport", "stale_runs"]

#: Reasons an input factor entry is dropped, in the order they are checked;
#: an entry is counted under the first reason that applies.
DROP_REASONS: dict[str, str] = {
    "date_not_in_prices": "factor date absent from the price index",
    "asset_not_in_prices": "factor asset absent from the price columns",
    "non_finite_factor": "factor value is NaN or infinite",
    "no_group": "asset has no group label",
    "forward_horizon": "forward return runs past the last price bar",
    "missing_price": "no price at the start or end of a forward return",
    "zero_price": "start price is 0 (no return out of a bankrupt price)",
    "zscore_outlier": "forward return removed by filter_zscore",
    "binning": "quantile/bin could not be assigned on that date",
}


def stale_runs(prices: pd.DataFrame, min_bars: int) -> pd.DataFrame:
    """Runs of at least ``min_bars`` consecutive bars with an unchanged price.

    Such runs are typical after a delisting (the last price repeated) or in a
    broken feed. Vectorised over assets: the equality mask is laid out
    asset by asset in one flat array and run boundaries are found with one diff.

    Parameters
    ----------
    prices : pd.DataFrame, shape (bars, assets)
    min_bars : int
        Shortest run reported, in bars (a run of k bars has k-1 unchanged steps).

    Returns
    -------
    pd.DataFrame
        Columns ``asset``, ``start``, ``end`` (timestamps of the first and last
        bar of the run) and ``bars`` (length of the run), one row per run.
    """
    cols = ["asset", "start", "end", "bars"]
    values = prices.to_numpy()
    T, A = values.shape
    if T < 2 or min_bars < 2:
        return pd.DataFrame(columns=cols)
    eq = (values[1:] == values[:-1])  # NaN != NaN, so gaps break runs
    padded = np.zeros((A, T + 1), dtype=np.int8)
    padded[:, 1:T] = eq.T
    flat = np.diff(padded.ravel())
    starts = np.flatnonzero(flat == 1)
    ends = np.flatnonzero(flat == -1)
    lengths = ends - starts + 1  # bars in the run (equal steps + 1)
    keep = lengths >= min_bars
    starts, lengths = starts[keep], lengths[keep]
    asset_pos = starts // (T + 1)
    bar0 = starts % (T + 1)
    return pd.DataFrame({
        "asset": prices.columns[asset_pos],
        "start": prices.index[bar0],
        "end": prices.index[bar0 + lengths - 1],
        "bars": lengths.astype(np.int64),
    }, columns=cols)


@dataclass(frozen=True)
class DataQualityReport:
    """What happened to the input factor entries, and what looked suspicious.

    Attributes
    ----------
    n_entries : int
        Factor entries given (a Series' length, or a wide frame's non-NaN cells).
    n_kept : int
        Entries in the final factor data.
    dropped : pd.Series
        Count of dropped entries per reason (index: the keys of
        :data:`DROP_REASONS`, in order).
    binning_failed_dates : pd.DatetimeIndex
        Dates on which binning was impossible (e.g. all-equal factor, fewer
        distinct values than quantiles).
    stale : pd.DataFrame
        Stale price runs (see :func:`stale_runs`).
    zero_prices : pd.DataFrame
        Columns ``asset``, ``date``: the first zero price of each asset.
    max_loss : float
        The allowed fraction of dropped entries.
    """

    n_entries: int
    n_kept: int
    dropped: pd.Series
    binning_failed_dates: pd.DatetimeIndex
    stale: pd.DataFrame = field(repr=False)
    zero_prices: pd.DataFrame = field(repr=False)
    max_loss: float = 0.35

    @property
    def loss(self) -> float:
        """Fraction of input entries dropped (0.05 = 5%)."""
        return (self.n_entries - self.n_kept) / self.n_entries if self.n_entries else 0.0

    @property
    def binning_loss(self) -> float:
        """Fraction dropped in the binning phase."""
        return float(self.dropped["binning"]) / self.n_entries if self.n_entries else 0.0

    @property
    def forward_returns_loss(self) -> float:
        """Fraction dropped before binning (alignment, NaN factor, forward returns)."""
        return self.loss - self.binning_loss

    def summary(self) -> pd.DataFrame:
        """Table of dropped entries: count, share of input and meaning per reason."""
        n = max(self.n_entries, 1)
        return pd.DataFrame({
            "entries": self.dropped.astype(np.int64),
            "share": self.dropped / n,
            "meaning": [DROP_REASONS[k] for k in self.dropped.index],
        })

    def message(self) -> str:
        """One-paragraph description, used for the warning."""
        parts = [f"{int(v)} {k}" for k, v in self.dropped.items() if v]
        text = (f"dropped {self.n_entries - self.n_kept} of {self.n_entries} factor entries "
                f"({self.loss:.1%}; max_loss {self.max_loss:.0%}): " + (", ".join(parts) or "none"))
        if len(self.binning_failed_dates):
            dates = ", ".join(str(d) for d in self.binning_failed_dates[:3])
            text += f"; binning impossible on {len(self.binning_failed_dates)} date(s), e.g. {dates}"
        return text

    def __str__(self) -> str:
        lines = [self.message()]
        if len(self.stale):
            lines.append(f"{len(self.stale)} stale price run(s) in {self.stale['asset'].nunique()} asset(s)")
        if len(self.zero_prices):
            lines.append(f"{len(self.zero_prices)} asset(s) with a zero price")
        return "\n".join(lines)
