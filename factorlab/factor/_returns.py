"""Returns of a factor: mean return by quantile, factor-weighted returns, alpha/beta.

All statistics are computed on the wide (dates x assets) arrays of a
:class:`~factorlab.factor.FactorData`, with loops only over the few quantiles,
groups and periods. Numbers equal Alphalens' ``performance`` functions; the
layouts (index names and order) are those of Alphalens too, so a tear sheet
can use either.

Units: returns are fractions (0.01 is 1%) over the period of the column
('5D' = 5 bars). Annualisation follows the one bar-frequency rule of
:func:`factorlab.metrics.bar_frequency`: an N-bar return compounds
``periods_per_year / N`` times a year, never a calendar duration.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor._blocks import blockwise
from factorlab.factor._forward import parse_period_label
from factorlab.factor._information import group_codes
from factorlab.factor._prepare import FactorData
from factorlab.metrics._periods import annualise_return, bar_frequency

__all__ = [
    "mean_return_by_quantile",
    "rate_of_return",
    "std_conversion",
    "mean_return_spread",
    "factor_returns",
    "factor_alpha_beta",
    "quantile_statistics",
]

_STAT_COLUMNS = ["min", "max", "mean", "std", "count", "count %"]


# --------------------------------------------------------------------------- helpers
@blockwise
def _cell_stats(r: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise mean, sample std (ddof=1) and count of ``r`` over ``member`` cells.

    Shapes: (dates, assets) in, (dates,) out. NaN mean for empty rows, NaN std
    for rows with fewer than two values.
    """
    ok = member & ~np.isnan(r)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, r, 0.0).sum(axis=1) / n
        dev = np.where(ok, r - mean[:, None], 0.0)
        std = np.sqrt((dev * dev).sum(axis=1) / (n - 1))
    std[n < 2] = np.nan
    return mean, std, n


@blockwise
def _cells_stats(r: np.ndarray, cell: np.ndarray, n_cells: int, demean: np.ndarray | str | None = None,
                 n_demean: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (row, cell) mean, sample std (ddof=1) and count of ``r``, for all cells in one pass.

    Parameters
    ----------
    r : ndarray, shape (dates, assets)
        Values (e.g. forward returns); NaN = absent.
    cell : ndarray of int, shape (dates, assets)
        Each entry's cell number (0..n_cells-1), or -1 for entries left out.
    n_cells : int
    demean : "row" or ndarray of int, shape (dates, assets), optional
        First subtract from each value the mean of the counted entries of its
        row, or of its (row, code) universe for codes 0..n_demean-1 (groups).
    n_demean : int
        Number of ``demean`` codes.

    Returns
    -------
    mean, std, count : ndarray, shape (dates, n_cells)
        NaN mean for empty cells and NaN std for cells with fewer than two
        values (two-pass variance, ``np.bincount`` sums over integer keys).
    """
    n_rows = r.shape[0]
    ok = (cell >= 0) & ~np.isnan(r)
    vals = np.where(ok, r, 0.0)
    if isinstance(demean, str):
        with np.errstate(invalid="ignore", divide="ignore"):
            row_mean = vals.sum(axis=1, keepdims=True) / ok.sum(axis=1, keepdims=True)
        vals = np.where(ok, vals - row_mean, 0.0)
    elif demean is not None:
        size_d = n_rows * n_demean
        dkey = np.where(ok, np.arange(n_rows)[:, None] * n_demean + demean, size_d).ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            universe = (np.bincount(dkey, weights=vals.ravel(), minlength=size_d + 1)
                        / np.bincount(dkey, minlength=size_d + 1))
        vals = np.where(ok, vals - universe[dkey].reshape(r.shape), 0.0)
    size = n_rows * n_cells
    key = np.where(ok, np.arange(n_rows)[:, None] * n_cells + cell, size).ravel()
    n = np.bincount(key, minlength=size + 1).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(key, weights=vals.ravel(), minlength=size + 1) / n
        mean[size] = 0.0
        dev = vals.ravel() - mean[key]
        std = np.sqrt(np.bincount(key, weights=dev * dev, minlength=size + 1) / (n - 1))
    std[n < 2] = np.nan
    shape = (n_rows, n_cells)
    return mean[:size].reshape(shape), std[:size].reshape(shape), n[:size].reshape(shape).astype(np.int64)


def _col_stats(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise mean, sample std (ddof=1) and count of the non-NaN values of ``a`` (dates, k)."""
    ok = ~np.isnan(a)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, a, 0.0).sum(axis=0) / n
        dev = np.where(ok, a - mean, 0.0)
        std = np.sqrt((dev * dev).sum(axis=0) / (n - 1))
    std[n < 2] = np.nan
    return mean, std, n


def _quantile_codes(fd: FactorData) -> tuple[np.ndarray, np.ndarray]:
    """0-based code of each kept entry's quantile among the labels present (-1 elsewhere), and the labels."""
    q = fd.quantile.to_numpy()
    top = np.fmax.reduce(q, axis=None) if q.size else np.nan  # NaN outside the kept entries
    present = _label_counts(q, fd.mask, 0 if np.isnan(top) else int(top)).sum(axis=0)
    present[0] = 0
    labels = np.flatnonzero(present)
    lut = np.cumsum(present > 0) - 1
    lut[0] = -1
    return _label_lookup(q, fd.mask, lut), labels


def _int_labels(q: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, q, 0.0).astype(np.int64)  # labels are 1-based: 0 = not kept


@blockwise
def _label_counts(q: np.ndarray, mask: np.ndarray, n_labels: int) -> np.ndarray:
    """Per row, the count of each integer label 0..n (0 = not kept), shape (dates, n + 1)."""
    ints = _int_labels(q, mask)
    width = n_labels + 1
    key = (np.arange(len(ints))[:, None] * width + ints).ravel()
    return np.bincount(key, minlength=len(ints) * width).reshape(len(ints), width)


@blockwise
def _label_lookup(q: np.ndarray, mask: np.ndarray, lut: np.ndarray) -> np.ndarray:
    return lut[_int_labels(q, mask)]


def _cells(fd: FactorData, by_group: bool, group_adjust: bool
           ) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray | None, int]:
    """Cell numbers of the (quantile[, group]) cells and the demeaning codes.

    Returns
    -------
    cell : ndarray of int, shape (dates, assets)
        ``quantile_code * n_groups + group_code`` with ``by_group``, else the
        quantile code; -1 where not kept.
    n_cells : int
    cell_q : ndarray of int, shape (n_cells,)
        Quantile label of each cell.
    cell_g : ndarray, shape (n_cells,)
        Group label of each cell (object; empty without ``by_group``).
    gcode : ndarray of int or None, shape (dates, assets)
        Group codes (-1 where not kept) when groups are needed.
    n_groups : int
    """
    qcode, qlabels = _quantile_codes(fd)
    if not (by_group or group_adjust):
        return qcode, len(qlabels), qlabels, np.empty(0, dtype=object), None, 0
    gcode, groups = group_codes(fd)
    n_g = len(groups)
    if not by_group:
        return qcode, len(qlabels), qlabels, np.empty(0, dtype=object), gcode, n_g
    cell = np.where(qcode >= 0, qcode * n_g + gcode, -1)
    return (cell, len(qlabels) * n_g, np.repeat(qlabels, n_g),
            np.tile(np.asarray(groups, dtype=object), len(qlabels)), gcode, n_g)


@blockwise
def _cell_presence(cell: np.ndarray, n_cells: int) -> np.ndarray:
    """Whether each (date, cell) has an entry, shape (dates, n_cells)."""
    n_rows = cell.shape[0]
    size = n_rows * n_cells
    key = np.where(cell >= 0, np.arange(n_rows)[:, None] * n_cells + cell, size).ravel()
    return (np.bincount(key, minlength=size + 1)[:size] > 0).reshape(n_rows, n_cells)


def _cell_major(a: np.ndarray, n_groups: int) -> np.ndarray:
    """Flatten per-(date, cell) values in the order (quantile, date[, group]).

    ``a`` has shape (dates, cells); with ``n_groups`` > 0 cells are
    ``quantile_code * n_groups + group_code``.
    """
    if n_groups:
        return a.reshape(a.shape[0], -1, n_groups).transpose(1, 0, 2).ravel()
    return a.T.ravel()


_LABEL_RE = re.compile(r"^(\d+(?:\.\d+)?)(D|h|m|s|W|M|Y|ms|us|ns)$")
_UNIT_SECONDS = {"W": 7 * 86_400.0, "D": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0,
                 "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_UNIT_MONTHS = {"Y": 12.0, "M": 1.0}


def _parse_label(label) -> tuple[float, str]:
    m = _LABEL_RE.match(label) if isinstance(label, str) else None
    if m is None:
        parsed = parse_period_label(label)  # Alphalens' compound labels ('6h30m', '1D1ns'), in their finest unit
        if parsed is not None:
            return parsed
        raise ParameterError(f"period label {label!r} is not a horizon (a duration such as '1D', '5D', '4h', '2W' or '1M')")
    return float(m.group(1)), m.group(2)


@blockwise
def _two_label_row_means(r: np.ndarray, member: np.ndarray, top: np.ndarray, bottom: np.ndarray, demean: bool
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the mean of ``r`` over the ``top`` entries and over the ``bottom`` entries (1.0 / 0.0
    masks inside ``member``; NaN where none has a value); with ``demean``, less the row's mean over
    every ``member`` entry with a value (as :func:`_cells_stats` with ``demean='row'``, up to rounding)."""
    ok = member & ~np.isnan(r)
    vals = np.where(ok, r, 0.0)
    okf = ok.astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        means = [np.einsum("ij,ij->i", vals, m) / np.einsum("ij,ij->i", okf, m) for m in (top, bottom)]
        if demean:
            row_mean = vals.sum(axis=1) / ok.sum(axis=1)
            means = [m - row_mean for m in means]
    return means[0], means[1]


def top_bottom_spread_per_bar(fd: FactorData, demeaned: bool = True, group_adjust: bool = False) -> pd.Series:
    """Top minus bottom quantile mean return per period, each as a per-bar rate (the verdict's spread).

    For each period label: the mean over dates of the top quantile's per-date
    mean N-bar return (relative to the date's universe mean with ``demeaned``,
    to its group's with ``group_adjust``) and likewise for quantile 1, each
    converted to a per-bar rate ``(1 + m) ** (1 / N) - 1``, differenced. The
    numbers of :func:`mean_return_by_quantile` (``by_date=True``) reduced that
    way; without ``group_adjust`` only the two quantiles' means are computed.

    Returns
    -------
    pd.Series, indexed by period label
        Decimals per bar (0.0001 = 1 bps); NaN when the top or the bottom quantile never has a return.
    """
    top = int(fd.n_quantiles)
    if group_adjust:
        by_date, _ = mean_return_by_quantile(fd, by_date=True, demeaned=demeaned, group_adjust=True)
    else:
        q = fd.quantile.to_numpy(dtype="float64")
        member = ~np.isnan(q)
        with np.errstate(invalid="ignore"):
            top_mask, bottom_mask = (q == top).astype("float64"), (q == 1).astype("float64")
    out = {}
    for label in fd.labels:
        if group_adjust:
            cells = by_date[label].unstack("factor_quantile")
            hi, lo = (cells[k].to_numpy() if k in cells else np.empty(0) for k in (top, 1))
        else:
            hi, lo = _two_label_row_means(fd.returns[label].to_numpy(dtype="float64"), member, top_mask, bottom_mask,
                                          bool(demeaned))
        if not (np.isfinite(hi).any() and np.isfinite(lo).any()):
            out[label] = np.nan
            continue
        bar = _label_ratio(label, fd.bar_label)
        out[label] = float((1 + np.nanmean(hi)) ** (1 / bar) - (1 + np.nanmean(lo)) ** (1 / bar))
    return pd.Series(out, dtype="float64")


def _label_ratio(label, base) -> float:
    """How many ``base`` periods make ``label``, both in the data's units ('5D' / '1D' = 5, '2M' / '1M' = 2)."""
    n, unit = _parse_label(label)
    n0, unit0 = _parse_label(base)
    if unit == unit0:
        return n / n0
    for scale in (_UNIT_SECONDS, _UNIT_MONTHS):
        if unit in scale and unit0 in scale:
            return n * scale[unit] / (n0 * scale[unit0])
    raise ParameterError(f"period {label!r} cannot be converted to {base!r}: months and years do not "
                         "convert to days or hours; use a base period in the same unit")


# --------------------------------------------------------------------------- quantile returns
def mean_return_by_quantile(fd: FactorData, by_date: bool = False, by_group: bool = False,
                            demeaned: bool = True, group_adjust: bool = False
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean forward return of each factor quantile, with its standard error.

    Parameters
    ----------
    fd : FactorData
    by_date : bool, default False
        One mean per (quantile, date): the equal-weighted return of the
        quantile's names that date. Otherwise the mean over dates of those
        per-date means.
    by_group : bool, default False
        Separately per group (needs groups).
    demeaned : bool, default True
        Subtract each date's universe mean return first (the return relative
        to the equal-weighted universe, as in a long-short book).
    group_adjust : bool, default False
        Subtract the (date, group) mean instead (needs groups).

    Returns
    -------
    mean : pd.DataFrame
        Index ('factor_quantile', 'date'[, 'group']) with ``by_date``, else
        'factor_quantile' [, 'group'] (only the cells that have entries,
        sorted); columns = period labels; returns over each column's period.
    std_err : pd.DataFrame
        Same layout: with ``by_date`` the cross-sectional std (ddof=1) of the
        names' returns over sqrt(count); otherwise the std over dates of the
        per-date means over sqrt(number of dates). NaN with one observation.
    """
    return mean_returns_by_quantile_both(fd, by_group, demeaned, group_adjust, (by_date,))[by_date]


def mean_returns_by_quantile_both(fd: FactorData, by_group: bool = False, demeaned: bool = True,
                                  group_adjust: bool = False, layouts: tuple[bool, ...] = (False, True)
                                  ) -> dict[bool, tuple[pd.DataFrame, pd.DataFrame]]:
    """:func:`mean_return_by_quantile` for each ``by_date`` in ``layouts``, from one pass over the returns.

    Both layouts come from the same per-(date, cell) statistics (the pooled
    one is their mean over dates), so asking for both costs one computation.
    Returns ``{by_date: (mean, std_err)}``.
    """
    cell, n_cells, cell_q, cell_g, gcode, n_groups = _cells(fd, by_group, group_adjust)
    if group_adjust:
        demean, n_demean = gcode, n_groups
    elif demeaned:
        demean, n_demean = "row", 1
    else:
        demean, n_demean = None, 0
    labels = list(fd.labels)
    stats = {lab: _cells_stats(fd.returns[lab].to_numpy(dtype="float64"), cell, n_cells, demean, n_demean)
             for lab in labels}
    present = _cell_presence(cell, n_cells)
    return {by_date: _quantile_layout(fd, stats, labels, present, by_date, by_group, n_cells, cell_q, cell_g,
                                      n_groups)
            for by_date in layouts}


def _quantile_layout(fd, stats, labels, present, by_date, by_group, n_cells, cell_q, cell_g, n_groups):
    """The (mean, std_err) frames of :func:`mean_return_by_quantile` from the per-(date, cell) stats."""
    names = ["factor_quantile", "date", "group"] if by_group else ["factor_quantile", "date"]
    mean, err = {}, {}
    if by_date:
        # (cell, date) pairs with entries, ordered by quantile, date[, group]
        pick = np.flatnonzero(_cell_major(present, n_groups if by_group else 0))
        for label in labels:
            m, sd, n = (_cell_major(a, n_groups if by_group else 0)[pick] for a in stats[label])
            mean[label] = m
            with np.errstate(invalid="ignore", divide="ignore"):
                err[label] = sd / np.sqrt(n)
        n_dates = len(fd.dates)
        if by_group:
            qi, di, gi = np.unravel_index(pick, (n_cells // n_groups, n_dates, n_groups))
            ci = qi * n_groups + gi
            arrays = [cell_q[ci], fd.dates[di], cell_g[ci]]
        else:
            ci, di = np.unravel_index(pick, (n_cells, n_dates))
            arrays = [cell_q[ci], fd.dates[di]]
        index = pd.MultiIndex.from_arrays(arrays, names=names)
    else:
        keep = np.flatnonzero(present.any(axis=0))
        for label in labels:
            m, sd, n = _col_stats(stats[label][0][:, keep])
            mean[label] = m
            with np.errstate(invalid="ignore", divide="ignore"):
                err[label] = sd / np.sqrt(n)
        names.remove("date")
        index = (pd.MultiIndex.from_arrays([cell_q[keep], cell_g[keep]], names=names) if by_group
                 else pd.Index(cell_q[keep], name="factor_quantile"))
    columns = pd.Index(labels)
    return (pd.DataFrame(mean, index=index, columns=columns),
            pd.DataFrame(err, index=index, columns=columns))


def _conversion(period_values: pd.Series | pd.DataFrame, base_period, inverse: bool) -> np.ndarray | float:
    if isinstance(period_values, pd.Series):
        if period_values.name is None:
            raise ParameterError("a Series needs its period label as name ('1D', '5D', ...)")
        spans = np.float64(_label_ratio(period_values.name, base_period))
    else:
        spans = np.array([_label_ratio(c, base_period) for c in period_values.columns], dtype="float64")
    return 1.0 / spans if inverse else spans


def rate_of_return(period_ret: pd.Series | pd.DataFrame, base_period: str) -> pd.Series | pd.DataFrame:
    """Convert N-period returns to the equivalent compounded rate per ``base_period``.

    Parameters
    ----------
    period_ret : pd.Series named by its period label, or pd.DataFrame with
        period-label columns ('1D', '5D', ...)
        Returns over each period (fractions).
    base_period : str
        The unit period, a label in the data's unit ('1D', '4h', '1W', '1M').

    Returns
    -------
    Same type and shape: ``(1 + r) ** (base / period) - 1`` (Alphalens'
    ``utils.rate_of_return``, vectorised over columns). The ratio of the
    labels is taken in their common unit ('5D' / '1D' = 5 bars); months and
    years do not convert to days.
    """
    power = _conversion(period_ret, base_period, inverse=True)
    return period_ret.add(1).pow(power).sub(1) if isinstance(period_ret, pd.Series) \
        else (period_ret + 1).pow(power, axis=1) - 1


def std_conversion(period_std: pd.Series | pd.DataFrame, base_period: str) -> pd.Series | pd.DataFrame:
    """Scale N-period standard deviations (or errors) to ``base_period``: ``std / sqrt(period / base)``.

    Parameters
    ----------
    period_std : pd.Series named by its period label, or pd.DataFrame with
        period-label columns
    base_period : str
        A period label in the data's unit ('1D', '1h', '1M', ...).

    Returns
    -------
    Same type and shape (Alphalens' ``utils.std_conversion``).
    """
    span = _conversion(period_std, base_period, inverse=False)
    if isinstance(period_std, pd.Series):
        return period_std / np.sqrt(span)
    return period_std.div(np.sqrt(span), axis=1)


def mean_return_spread(mean_returns: pd.DataFrame, upper_quant: int, lower_quant: int,
                       std_err: pd.DataFrame | None = None
                       ) -> tuple[pd.DataFrame | pd.Series, pd.DataFrame | pd.Series | None]:
    """Return of long ``upper_quant`` / short ``lower_quant`` at gross leverage 1.

    Parameters
    ----------
    mean_returns : pd.DataFrame
        Output of :func:`mean_return_by_quantile` (any layout with a
        'factor_quantile' level).
    upper_quant, lower_quant : int
        The quantiles bought and sold.
    std_err : pd.DataFrame, optional
        The matching standard errors.

    Returns
    -------
    spread : pd.DataFrame (per date / group) or pd.Series (per period label)
        ``(mean[upper] - mean[lower]) / 2``: 50% long, 50% short, the
        convention of alphalens-reloaded 0.5 (older Alphalens reported the
        raw difference, a 200% gross book; multiply by 2 to compare).
    std_err : same, or None
        ``sqrt(se[upper]**2 + se[lower]**2) / 2``; None without ``std_err``.
    """
    levels = mean_returns.index.names
    if "factor_quantile" not in levels:
        raise ParameterError(f"mean_returns needs a 'factor_quantile' index level, it has {levels}")
    have = set(mean_returns.index.get_level_values("factor_quantile"))
    missing = [q for q in (upper_quant, lower_quant) if q not in have]
    if missing:
        raise ParameterError(f"quantile(s) {missing} not in mean_returns; it has {sorted(have)}")
    def pick(frame: pd.DataFrame, q: int):
        if isinstance(frame.index, pd.MultiIndex):
            return frame.xs(q, level="factor_quantile")
        return frame.loc[q]  # a 'factor_quantile' index: one row per quantile

    spread = (pick(mean_returns, upper_quant) - pick(mean_returns, lower_quant)) / 2.0
    if std_err is None:
        return spread, None
    se1, se2 = pick(std_err, upper_quant), pick(std_err, lower_quant)
    return spread, np.sqrt(se1 ** 2 + se2 ** 2) / 2.0


# --------------------------------------------------------------------------- factor portfolio
def _weights(fd: FactorData, long_short: bool, group_neutral: bool, equal_weight: bool) -> np.ndarray:
    """Alphalens factor weights; a date (or group) with no spread gets weight 0, not NaN."""
    from factorlab.portfolio._weights import factor_weights, row_weights  # portfolio imports factor

    if not group_neutral:  # row by row: the same function on blocks of dates
        return _block_weights(fd.factor.to_numpy(dtype="float64"), fd.mask, row_weights, long_short,
                              equal_weight)
    w = factor_weights(fd, long_short=long_short, group_neutral=group_neutral,
                       equal_weight=equal_weight).to_numpy(dtype="float64")
    return np.where(fd.mask & np.isnan(w), 0.0, w)


@blockwise
def _block_weights(x: np.ndarray, mask: np.ndarray, row_weights, demeaned: bool, equal_weight: bool
                   ) -> np.ndarray:
    w = row_weights(x, demeaned, equal_weight)
    return np.where(mask & np.isnan(w), 0.0, w)


def factor_returns(fd: FactorData, long_short: bool = True, group_neutral: bool = False,
                   equal_weight: bool = False, by_asset: bool = False) -> pd.DataFrame:
    """Period returns of the portfolio weighted by factor value.

    Parameters
    ----------
    fd : FactorData
    long_short, group_neutral, equal_weight : bool
        How the weights are built; see :func:`factorlab.factor_weights`
        (Alphalens' ``demeaned``, ``group_adjust``, ``equal_weight``).
    by_asset : bool, default False
        Return each asset's contribution ``w * r`` instead of the sum.

    Returns
    -------
    pd.DataFrame
        Index 'date' (dates,), columns = period labels: ``sum(w * r)`` per
        date, the return over each column's period of the portfolio formed
        that date (not a per-bar return). With ``by_asset``, the
        contributions in the long (date, asset) layout of ``fd.frame``.
        A date whose factor has no spread (all values equal with
        ``long_short``) has zero weights and returns 0, as in Alphalens;
        a date without any return gives NaN.
    """
    w = _weights(fd, long_short, group_neutral, equal_weight)
    labels = list(fd.labels)
    if by_asset:
        rows, cols = np.nonzero(fd.mask)
        data = {lab: (w * fd.returns[lab].to_numpy(dtype="float64"))[rows, cols] for lab in labels}
        return pd.DataFrame(data, index=fd.frame.index, columns=pd.Index(labels))
    data = {label: _weighted_row_sums(w, fd.returns[label].to_numpy(dtype="float64")) for label in labels}
    return pd.DataFrame(data, index=fd.dates.rename("date"), columns=pd.Index(labels))


@blockwise
def _weighted_row_sums(w: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``sum(w * r)`` per row over the non-NaN products; NaN for a row without any, shape (dates,)."""
    contrib = w * r
    ok = ~np.isnan(contrib)
    total = np.where(ok, contrib, 0.0).sum(axis=1)
    return np.where(ok.any(axis=1), total, np.nan)


@blockwise
def _masked_row_means(r: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean per row of the non-NaN ``r`` inside ``mask`` (NaN for none), shape (dates,)."""
    ok = mask & ~np.isnan(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, r, 0.0).sum(axis=1) / ok.sum(axis=1)


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of y on x over the pairs without NaN (NaN if not identified)."""
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    if len(x) < 2:
        return np.nan, np.nan
    dx = x - x.mean()
    sxx = float(dx @ dx)
    if sxx == 0.0:
        return np.nan, np.nan
    beta = float(dx @ (y - y.mean())) / sxx
    return float(y.mean() - beta * x.mean()), beta


def _horizon_bars(label: str, period: int, unit: str, size: float) -> float:
    """Bars in a horizon: its label over the bar's length when both are in one unit ('10m' / 5-minute bars = 2).

    A frame built outside ``prepare_factor_data`` carries only the labels;
    otherwise (other units) the period count is used as given.
    """
    n, label_unit = _parse_label(label)
    return n / size if label_unit == unit and size > 0 else float(period)


def factor_alpha_beta(fd: FactorData, returns: pd.DataFrame | pd.Series | None = None,
                      long_short: bool = True, group_neutral: bool = False,
                      equal_weight: bool = False, periods_per_year: float | None = None, *,
                      days_per_year: float | None = None) -> pd.DataFrame:
    """Annualised alpha and beta of the factor portfolio against the universe.

    Regresses (OLS with intercept) the factor portfolio's period returns on
    the equal-weighted mean forward return of the universe, per period.

    Parameters
    ----------
    fd : FactorData
    returns : pd.DataFrame (dates, labels) or pd.Series, optional
        Factor returns; by default :func:`factor_returns` with the flags
        below. A Series is matched with the period its name gives ('5D'),
        or with the first period when its name is not a period label.
    long_short, group_neutral, equal_weight : bool
        Passed to :func:`factor_returns`.
    periods_per_year : float, optional
        Bars per year. By default inferred from the price bars (the factor
        dates without prices) by :func:`factorlab.metrics.bar_frequency`:
        252 daily session bars, 365 daily 24/7 bars, 8,760 hourly 24/7 bars,
        52 weekly, 12 monthly.
    days_per_year : float, optional
        Former name of ``periods_per_year`` (bars per year); give one of them.

    Returns
    -------
    pd.DataFrame, shape (2, labels)
        Rows 'Ann. alpha' and 'beta'. The N-bar alpha ``a`` compounds
        ``periods_per_year / N`` times a year: ``(1 + a) ** (ppy / N) - 1``,
        computed in log space so it never overflows (a fraction per year;
        ``inf`` when the growth exceeds a float, NaN for ``a < -1``). NaN
        when fewer than two dates or a universe return without variance
        (Alphalens' statsmodels fit would then give a degenerate fit).
    """
    if days_per_year is not None:
        if periods_per_year is not None:
            raise ParameterError("give periods_per_year or its former name days_per_year, not both")
        periods_per_year = days_per_year
    if returns is None:
        returns = factor_returns(fd, long_short, group_neutral, equal_weight)
    if isinstance(returns, pd.Series):
        name = returns.name if returns.name in fd.labels else fd.labels[0]
        returns = returns.rename(name).to_frame()
    unknown = [c for c in returns.columns if c not in fd.returns]
    if unknown:
        raise ParameterError(f"returns columns {unknown} are not periods of the factor data {list(fd.labels)}")
    freq = bar_frequency(fd.prices.index if fd.prices is not None else fd.dates, periods_per_year=periods_per_year)
    ppy = freq.periods_per_year
    bars = {label: _horizon_bars(label, n, freq.unit, freq.size) for label, n in zip(fd.labels, fd.periods)}
    out = pd.DataFrame(np.nan, index=["Ann. alpha", "beta"], columns=returns.columns, dtype="float64")
    for label in returns.columns:
        universe = _masked_row_means(fd.returns[label].to_numpy(dtype="float64"), fd.mask)
        x = pd.Series(universe, index=fd.dates).reindex(returns.index).to_numpy(dtype="float64")
        alpha, beta = _ols(x, returns[label].to_numpy(dtype="float64"))
        out.loc["Ann. alpha", label] = annualise_return(alpha, ppy, bars[label])
        out.loc["beta", label] = beta
    return out


def quantile_statistics(fd: FactorData) -> pd.DataFrame:
    """Factor value statistics per quantile (the 'Quantiles Statistics' table).

    Parameters
    ----------
    fd : FactorData
        Prepared factor data.

    Returns
    -------
    pd.DataFrame, shape (quantiles, 6)
        Index 'factor_quantile' (int); columns 'min', 'max', 'mean', 'std'
        (ddof=1) of the factor values, 'count' (entries over all dates, int)
        and 'count %' (percent of all entries, 20.0 = 20%).
    """
    x = fd.factor.to_numpy(dtype="float64")
    q = fd.quantile.to_numpy()
    quants = fd.quantile_labels
    rows = []
    for k in quants:
        v = x[fd.mask & (q == k)]
        std = v.std(ddof=1) if len(v) > 1 else np.nan
        rows.append((v.min(), v.max(), v.mean(), std, len(v)))
    table = pd.DataFrame(rows, index=pd.Index(quants, name="factor_quantile"), columns=_STAT_COLUMNS[:5])
    table["count"] = table["count"].astype(np.int64)
    table["count %"] = table["count"] / table["count"].sum() * 100.0
    return table
