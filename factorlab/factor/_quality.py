"""Data-quality findings: what was dropped and why, stale price runs, zero prices."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["DROP_REASONS", "HORIZON_REASONS", "DataQualityReport", "stale_runs", "true_runs"]

#: Reasons an input factor entry is dropped, in the order they are checked;
#: an entry is counted under the first reason that applies. Point in time
#: (``prepare_factor_data``), membership at t is decided by data at t only:
#: ``forward_horizon`` and ``zscore_outlier`` never drop an entry there (they
#: leave a hole in one horizon, counted in ``DataQualityReport.horizon_missing``).
#: Under Alphalens' rule (``factorlab.compat.alphalens``) an entry is dropped
#: from every horizon when any horizon's return is missing.
DROP_REASONS: dict[str, str] = {
    "date_not_in_prices": "factor date absent from the price index",
    "asset_not_in_prices": "factor asset absent from the price columns",
    "non_finite_factor": "factor value is NaN or infinite",
    "no_group": "asset has no group label",
    "stale_price": "price stale at the factor date (stale='drop': unchanged for stale_bars bars or more)",
    "missing_price": "no price at the factor date (Alphalens rule: at the start or end of a forward return)",
    "zero_price": "price is 0 at the factor date (bankrupt; Alphalens rule: at the start of a return)",
    "forward_horizon": "Alphalens rule only: a forward return runs past the last price bar",
    "zscore_outlier": "Alphalens rule only: a forward return removed by filter_zscore",
    "binning": "quantile/bin could not be assigned on that date",
}

#: Why a kept entry has no forward return for one horizon (point-in-time rule).
HORIZON_REASONS: dict[str, str] = {
    "past_end": "the horizon runs past the last bar of the data",
    "no_execution_price": "no price (or a price of 0) at the execution bar t + delay",
    "zscore_outlier": "removed by filter_zscore",
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
    T = values.shape[0]
    if T < 2 or min_bars < 2:
        return pd.DataFrame(columns=cols)
    # a run of k unchanged bars is a run of k - 1 equal steps (NaN != NaN, so gaps break runs)
    asset_pos, step0, steps = true_runs(values[1:] == values[:-1])
    lengths = steps + 1
    keep = lengths >= min_bars
    asset_pos, bar0, lengths = asset_pos[keep], step0[keep], lengths[keep]
    return pd.DataFrame({
        "asset": prices.columns[asset_pos],
        "start": prices.index[bar0],
        "end": prices.index[bar0 + lengths - 1],
        "bars": lengths.astype(np.int64),
    }, columns=cols)


def true_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True down each column of a (bars, assets) mask: column, first row and length of each
    run, ordered by column then row. Vectorised over columns: the mask is laid out column by
    column in one flat array (with a False between columns) and run ends are found with one diff."""
    T, A = mask.shape
    padded = np.zeros((A, T + 2), dtype=np.int8)
    padded[:, 1:T + 1] = mask.T
    flat = np.diff(padded.ravel())
    starts = np.flatnonzero(flat == 1)
    lengths = np.flatnonzero(flat == -1) - starts
    return starts // (T + 2), starts % (T + 2), lengths


def _stamp(t: pd.Timestamp) -> str:
    return str(t.date()) if t == t.normalize() else str(t)


def missing_dates_hint(factor_dates: pd.DatetimeIndex, price_dates: pd.DatetimeIndex) -> str:
    """Why the factor's dates that are not price bars miss them, when a likely cause is seen.

    Three causes are recognised, in this order: the factor's dates fall
    outside the prices' span; they are the prices' days at another time of
    day (daily prices, one bar a day: a factor stamped at the close, prices
    at midnight); some are days or times without a bar (weekends, holidays),
    named by example. Returns '' when every factor date is a price bar.
    """
    missing = factor_dates[~factor_dates.isin(price_dates)]
    if len(missing) == 0 or len(price_dates) == 0:
        return ""
    span = f"{_stamp(price_dates[0])} .. {_stamp(price_dates[-1])}"
    outside = (missing < price_dates[0]) | (missing > price_dates[-1])
    if outside.all():
        if len(missing) == 1:
            return f"the factor date missing from the prices, {_stamp(missing[0])}, lies outside the prices' span {span}"
        return (f"all {len(missing)} factor dates missing from the prices lie outside the prices' span {span}: "
                f"they run {_stamp(missing[0])} .. {_stamp(missing[-1])}")
    inside = missing[~outside]
    n = len(inside)
    one = n == 1
    days = price_dates.normalize()
    bar_times = pd.unique(price_dates - days)
    # one bar a day (daily data): factor dates on those days at another time of day
    if len(bar_times) == 1 and inside.normalize().isin(days).all():
        times = pd.Series(inside - inside.normalize()).value_counts().index[:2]
        at = ", ".join(str(pd.Timestamp(0) + t).split(" ")[1] for t in times)
        bar_at = str(pd.Timestamp(0) + bar_times[0]).split(" ")[1]
        return (f"{n} factor {'date is' if one else 'dates are'} the prices' {'day' if one else 'days'} at another "
                f"time of day ({at}; the daily price bars are at {bar_at}): align the times, e.g. "
                "factor.index = factor.index.normalize() for bars at midnight")
    examples = ", ".join(f"{_stamp(t)} ({t.day_name()})" for t in inside[:3])
    state = "is not a price bar" if one else "are not price bars"
    return f"{n} factor {'date' if one else 'dates'} inside the prices' span {state}, e.g. {examples}"


def missing_assets_hint(factor_assets: pd.Index, price_assets: pd.Index) -> str:
    """The factor's assets absent from the prices, named by example, and why when a likely cause is
    seen: the names match price columns but for case, surrounding spaces or type (1 and '1'). Returns
    '' when every factor asset has prices."""
    missing = factor_assets[~factor_assets.isin(price_assets)]
    if len(missing) == 0:
        return ""
    n = len(missing)
    text = (f"{n} factor asset{'' if n == 1 else 's'} without prices, e.g. "
            + ", ".join(_show(a) for a in missing[:3]))
    price_keys = _name_key(price_assets)
    missing_keys = _name_key(missing)
    near = np.flatnonzero(missing_keys.isin(price_keys))
    if len(near):
        a = missing[near[0]]
        b = price_assets[np.flatnonzero(price_keys == missing_keys[near[0]])[0]]  # keys may repeat ('A', 'a')
        text += (f"; {len(near)} of them match a price column written differently (case, spaces or type: "
                 f"factor {_show(a)}, prices {_show(b)}): use the prices' names")
    return text


def _name_key(names: pd.Index) -> pd.Index:
    """Asset names as text, stripped and case-folded: 'AAPL', ' aapl' and 'Aapl' share one key."""
    return pd.Index(names.astype(str)).str.strip().str.casefold()


def _show(name) -> str:
    """A name as the user wrote it: repr of the plain Python value (1, not np.int64(1))."""
    return repr(name.item() if isinstance(name, np.generic) else name)


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
    horizon_missing : pd.DataFrame
        Kept entries without a forward return, per horizon (index: period
        labels) and reason (columns: the keys of :data:`HORIZON_REASONS`).
        These entries are members of their date (weights, quantiles) and
        count in every horizon whose return exists.
    binning_causes : dict
        Failed binning dates by cause: ``ties``, ``too_few_values``, ``empty``.
    dates_hint : str
        Why factor dates are absent from the price index, when a likely cause
        is seen (:func:`missing_dates_hint`); empty otherwise.
    assets_hint : str
        The factor's assets without prices, by example, and a likely cause
        (:func:`missing_assets_hint`); empty when every asset has prices.
    """

    n_entries: int
    n_kept: int
    dropped: pd.Series
    binning_failed_dates: pd.DatetimeIndex
    stale: pd.DataFrame = field(repr=False)
    zero_prices: pd.DataFrame = field(repr=False)
    max_loss: float = 0.35
    horizon_missing: pd.DataFrame | None = field(default=None, repr=False)
    binning_causes: dict | None = field(default=None, repr=False)
    dates_hint: str = field(default="", repr=False)
    assets_hint: str = field(default="", repr=False)

    @property
    def loss(self) -> float:
        """Fraction of input entries dropped (0.05 = 5%)."""
        return (self.n_entries - self.n_kept) / self.n_entries if self.n_entries else 0.0

    @property
    def counted_loss(self) -> float:
        """Fraction of input entries dropped that counts toward ``max_loss``: every drop except
        ``stale_price`` (entries removed at the user's request with ``stale='drop'``)."""
        if not self.n_entries:
            return 0.0
        asked = int(self.dropped.get("stale_price", 0))
        return (self.n_entries - self.n_kept - asked) / self.n_entries

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
        if self.dropped.get("stale_price", 0):
            text += f" ({self.counted_loss:.1%} counted toward max_loss: stale_price was asked for)"
        if self.dates_hint and self.dropped.get("date_not_in_prices", 0):
            text += f"; {self.dates_hint}"
        if self.assets_hint and self.dropped.get("asset_not_in_prices", 0):
            text += f"; {self.assets_hint}"
        if len(self.binning_failed_dates):
            text += "; " + self.binning_message()
        return text

    def binning_message(self) -> str:
        """Where binning failed, why, and the ways out."""
        n = len(self.binning_failed_dates)
        if not n:
            return "binning succeeded on every date"
        dates = ", ".join(str(d.date() if d == d.normalize() else d) for d in self.binning_failed_dates[:3])
        causes = self.binning_causes or {}
        why = []
        if causes.get("ties"):
            why.append(f"tied factor values make the quantile edges repeat on {causes['ties']} date(s)")
        if causes.get("too_few_values"):
            why.append(f"fewer distinct values than buckets on {causes['too_few_values']} date(s)")
        text = f"binning impossible on {n} date(s), e.g. {dates}"
        if why:
            text += " (" + "; ".join(why) + ")"
        text += (". Ways out: stale='drop' (padded, unchanged prices give tied factor values), "
                 "quantile_method='rank' (tied values share a bucket), bins= for discrete factors, "
                 "or fewer quantiles")
        return text

    def __str__(self) -> str:
        lines = [self.message()]
        hm = self.horizon_missing
        if hm is not None and int(hm.to_numpy().sum()):
            per = ", ".join(f"{lab}: {int(row.sum())}" for lab, row in hm.iterrows() if row.sum())
            lines.append(f"kept entries without a forward return (per horizon, not dropped): {per}")
        if len(self.stale):
            lines.append(f"{len(self.stale)} stale price run(s) in {self.stale['asset'].nunique()} asset(s)")
        if len(self.zero_prices):
            lines.append(f"{len(self.zero_prices)} asset(s) with a zero price")
        return "\n".join(lines)
