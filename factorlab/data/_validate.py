"""Validation of prices, factors and groups at the edge of the library.

Every public entry point calls these once; the computing code behind them
assumes clean, aligned, float64 wide (date x asset) frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from factorlab.errors import (
    DuplicateDatesError,
    DuplicateEntriesError,
    EmptyDataError,
    InvalidIndexError,
    InvalidPriceError,
    NonNumericDataError,
    TimezoneMismatchError,
    UnsortedDatesError,
)

__all__ = [
    "QUANTILE_LEVEL_NAMES",
    "check_same_timezone",
    "factor_grid",
    "factor_to_wide",
    "groups_to_wide",
    "level_position",
    "series_grid",
    "validate_prices",
    "validate_time_index",
]

_MAX_LISTED = 5


def _listing(items: Any) -> str:
    items = list(items)
    shown = ", ".join(str(i) for i in items[:_MAX_LISTED])
    more = len(items) - _MAX_LISTED
    return shown + (f" (and {more} more)" if more > 0 else "")


def _non_numeric_columns(frame: pd.DataFrame) -> list:
    dtypes = frame.dtypes
    if all(dt.kind in "fiu" for dt in dtypes.unique()):
        return []
    return [c for c, dt in dtypes.items()
            if not pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt)]


_READERS = {"prices": "factorlab.read_prices", "factor": "factorlab.read_factor"}


def layout_hint(obj: pd.Series | pd.DataFrame | None, what: str) -> str:
    """How to turn ``obj``, whose index is not timestamps, into the layout factorlab takes (``obj``
    None: only its index is known).

    A (date, asset) MultiIndex (the long layout): unstack it (prices,
    weights) or pass one column as a Series (factor). A frame keeping its
    timestamps in a column: set that column as the index, or read a long
    table (date, asset and value columns) with ``read_prices`` /
    ``read_factor``. Otherwise: convert the index with ``pd.to_datetime``.
    """
    reader = _READERS.get(what)
    index = None if obj is None else obj.index
    if isinstance(index, pd.MultiIndex) and index.nlevels == 2:
        if what == "factor":
            return ("it is in the long (date, asset) layout: pass the factor column as a Series, e.g. "
                    "frame['factor']")
        how = (f"frame[{obj.columns[0]!r}].unstack()" if isinstance(obj, pd.DataFrame) and obj.shape[1] == 1
               else "frame[<column>].unstack()" if isinstance(obj, pd.DataFrame) else "series.unstack()")
        return f"it is in the long (date, asset) layout; {what} are wide (dates x assets): {how}"
    if isinstance(obj, pd.DataFrame):
        stamps = [c for c, dt in obj.dtypes.items() if pd.api.types.is_datetime64_any_dtype(dt)]
        if stamps:
            text = f"its timestamps are in the column {stamps[0]!r}: set it as the index (.set_index({stamps[0]!r}))"
            if reader:
                text += f", or read a long table (date, asset and value columns) with {reader}"
            return text
    return "convert it with pd.to_datetime" + (f" or read it with {reader}" if reader else "")


def validate_time_index(index: pd.Index, what: str, source: pd.Series | pd.DataFrame | None = None
                        ) -> pd.DatetimeIndex:
    """Check that ``index`` is a sorted, unique DatetimeIndex.

    Parameters
    ----------
    index : pd.Index
        The index to check.
    what : str
        Name of the input used in error messages (e.g. ``"prices"``).
    source : pd.Series or pd.DataFrame, optional
        The object ``index`` belongs to: when the index is not timestamps, the
        error says how to reach the layout taken (:func:`layout_hint`); without
        it, to convert the index with ``pd.to_datetime``.

    Returns
    -------
    pd.DatetimeIndex
        The same index.

    Raises
    ------
    InvalidIndexError, DuplicateDatesError, UnsortedDatesError
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise InvalidIndexError(
            f"{what} must be indexed by timestamps (a DatetimeIndex), got "
            f"{type(index).__name__} of dtype {index.dtype}; {layout_hint(source, what)}"
        )
    if index.hasnans:
        pos = np.flatnonzero(index.isna())
        raise InvalidIndexError(f"{what} index has missing timestamps (NaT) at positions {_listing(pos)}")
    if not index.is_unique:
        dup = index[index.duplicated()].unique()
        raise DuplicateDatesError(f"{what} has duplicate dates: {_listing(dup)}")
    if not index.is_monotonic_increasing:
        values = index.asi8
        bad = np.flatnonzero(np.diff(values) < 0)
        first = bad[0]
        raise UnsortedDatesError(
            f"{what} dates are not sorted: {index[first]} is followed by "
            f"{index[first + 1]} (position {first + 1}); call .sort_index() first"
        )
    return index


def validate_prices(prices: pd.DataFrame, what: str = "prices") -> pd.DataFrame:
    """Validate a wide price frame and return it as float64.

    Parameters
    ----------
    prices : pd.DataFrame, shape (bars, assets)
        Index: sorted unique timestamps. Columns: assets. Values: prices >= 0
        (0 is a valid last price after a bankruptcy), NaN = no price.

    Returns
    -------
    pd.DataFrame
        A float64 copy (the input is never modified).

    Raises
    ------
    EmptyDataError, NonNumericDataError, InvalidPriceError, and the index
    errors of :func:`validate_time_index`.
    """
    if isinstance(prices, pd.Series):
        if isinstance(prices.index, pd.MultiIndex):  # the long layout: say so before it becomes a frame
            validate_time_index(prices.index, what, prices)
        prices = prices.to_frame()
    if not isinstance(prices, pd.DataFrame):
        raise InvalidIndexError(f"{what} must be a wide DataFrame (dates x assets), got {type(prices).__name__}")
    if prices.shape[0] == 0 or prices.shape[1] == 0:
        raise EmptyDataError(f"{what} is empty (shape {prices.shape})")
    validate_time_index(prices.index, what, prices)
    if not prices.columns.is_unique:
        dup = prices.columns[prices.columns.duplicated()].unique()
        raise DuplicateEntriesError(f"{what} has duplicate asset columns: {_listing(dup)}")
    non_numeric = _non_numeric_columns(prices)
    if non_numeric:
        raise NonNumericDataError(
            f"{what} has non-numeric columns: {_listing(non_numeric)}; "
            "keep only price columns (one per asset)"
        )
    out = prices.astype("float64")
    values = out.to_numpy()
    if np.isinf(values).any():
        r, c = np.nonzero(np.isinf(values))
        where = [f"{out.columns[j]} on {out.index[i]}" for i, j in zip(r, c)]
        raise InvalidPriceError(f"{what} has infinite values: {_listing(where)}")
    with np.errstate(invalid="ignore"):
        neg = values < 0
    if neg.any():
        r, c = np.nonzero(neg)
        where = [f"{out.columns[j]} on {out.index[i]} ({values[i, j]})" for i, j in zip(r, c)]
        if _looks_like_returns(values):
            raise InvalidPriceError(
                f"{what} looks like returns, not prices: values centred on 0, {neg.mean():.0%} of them negative, "
                f"nearly all between -1 and 1 (e.g. {_listing(where)}); pass price levels, e.g. "
                "(1 + returns).cumprod(), or use the returns report for returns")
        raise InvalidPriceError(
            f"{what} has negative values: {_listing(where)}; prices must be >= 0"
        )
    if np.isnan(values).all():
        raise EmptyDataError(f"{what} has no values: every entry is NaN")
    return out


def _looks_like_returns(values: np.ndarray) -> bool:
    """Per-bar returns given as prices: many negatives, centred on 0, nearly all with |x| < 1."""
    x = values[np.isfinite(values)]
    if x.size < 10:
        return False
    return bool((x < 0).mean() > 0.2 and abs(np.median(x)) < 0.05 and (np.abs(x) < 1).mean() > 0.95)


def check_same_timezone(a: pd.DatetimeIndex, b: pd.DatetimeIndex, a_name: str, b_name: str) -> None:
    """Raise :class:`TimezoneMismatchError` unless both indexes share a time zone."""
    if str(a.tz) != str(b.tz):
        raise TimezoneMismatchError(
            f"{a_name} dates are in time zone {a.tz} but {b_name} dates are in {b.tz}; "
            "use tz_localize/tz_convert so both agree"
        )


def factor_to_wide(factor: pd.Series | pd.DataFrame, what: str = "factor") -> tuple[pd.DataFrame, int]:
    """Validated wide factor and its number of entries (see :func:`factor_grid`)."""
    wide, _, n_entries = factor_grid(factor, what)
    return wide, n_entries


def factor_grid(factor: pd.Series | pd.DataFrame, what: str = "factor") -> tuple[pd.DataFrame, np.ndarray, int]:
    """Turn a factor into a wide float64 frame.

    Parameters
    ----------
    factor : pd.Series with a (date, asset) MultiIndex, or pd.DataFrame (dates x assets)
        A long Series (the Alphalens layout) or a wide frame shaped like prices
        (a (date, asset)-indexed frame of one column is taken as that Series).

    Returns
    -------
    wide : pd.DataFrame, shape (dates, assets)
        Factor values, NaN where there is no value, index sorted.
    present : ndarray of bool, shape (dates, assets)
        Cells that were input entries (for a Series, NaN values included).
    n_entries : int
        Number of input entries: the Series' length (NaN values included, as
        Alphalens counts them) or the number of non-NaN cells of a wide frame.
    """
    if isinstance(factor, pd.Series):
        if not isinstance(factor.index, pd.MultiIndex) or factor.index.nlevels != 2:
            raise InvalidIndexError(
                f"{what} Series must have a 2-level (date, asset) MultiIndex, got "
                f"{factor.index.nlevels} level(s); pass a wide DataFrame or set_index(['date', 'asset'])"
            )
        if len(factor) == 0:
            raise EmptyDataError(f"{what} is empty")
        if not pd.api.types.is_numeric_dtype(factor.dtype) or pd.api.types.is_bool_dtype(factor.dtype):
            raise NonNumericDataError(f"{what} values must be numbers, got dtype {factor.dtype}")
        if not factor.index.is_unique:
            dup = factor.index[factor.index.duplicated()].unique()
            raise DuplicateEntriesError(f"{what} has duplicate (date, asset) entries: {_listing(dup)}")
        dates = factor.index.get_level_values(0)
        if not isinstance(dates, pd.DatetimeIndex):
            raise InvalidIndexError(
                f"{what} index level 0 must hold timestamps, got dtype {dates.dtype}"
            )
        wide, present = series_grid(factor)
        return wide, present, len(factor)
    if isinstance(factor, pd.DataFrame):
        if isinstance(factor.index, pd.MultiIndex) and factor.index.nlevels == 2 and factor.shape[1] == 1:
            return factor_grid(factor.iloc[:, 0], what)  # a (date, asset) frame of one column: that Series
        if factor.shape[0] == 0 or factor.shape[1] == 0:
            raise EmptyDataError(f"{what} is empty (shape {factor.shape})")
        validate_time_index(factor.index, what, factor)
        non_numeric = _non_numeric_columns(factor)
        if non_numeric:
            raise NonNumericDataError(f"{what} has non-numeric columns: {_listing(non_numeric)}")
        if not factor.columns.is_unique:
            dup = factor.columns[factor.columns.duplicated()].unique()
            raise DuplicateEntriesError(f"{what} has duplicate asset columns: {_listing(dup)}")
        wide = factor.astype("float64")
        present = wide.notna().to_numpy()
        return wide, present, int(present.sum())
    raise InvalidIndexError(
        f"{what} must be a (date, asset) Series or a wide DataFrame, got {type(factor).__name__}"
    )


def _sorted_level(index: pd.MultiIndex, level: int) -> tuple[pd.Index, np.ndarray]:
    values, codes = index.levels[level], index.codes[level]
    if values.is_monotonic_increasing:
        return values, codes
    order = np.argsort(values, kind="stable")
    remap = np.empty(len(order), dtype=np.intp)
    remap[order] = np.arange(len(order))
    return values[order], remap[codes]


def series_grid(series: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    """Wide frame (sorted dates x sorted assets) of a unique (date, asset) Series, and its entry mask.

    The mask marks cells that were entries of the Series (NaN values
    included), so that NaN values and absent entries can be told apart.
    """
    idx = series.index.remove_unused_levels()
    dates, d_codes = _sorted_level(idx, 0)
    assets, a_codes = _sorted_level(idx, 1)
    values = np.full((len(dates), len(assets)), np.nan)
    values[d_codes, a_codes] = series.to_numpy(dtype="float64")
    present = np.zeros(values.shape, dtype=bool)
    present[d_codes, a_codes] = True
    wide = pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"), columns=pd.Index(assets, name="asset"))
    return wide, present


def groups_to_wide(groupby: Any, dates: pd.DatetimeIndex, assets: pd.Index) -> pd.DataFrame:
    """Map groups (asset -> label dict/Series, or (date, asset) Series) onto a wide frame.

    Returns an object frame of labels aligned to ``dates`` x ``assets`` (NaN where
    an asset has no group). Missing groups are not an error here: the caller
    counts them as dropped entries.
    """
    if isinstance(groupby, dict):
        groupby = pd.Series(groupby)
    if not isinstance(groupby, pd.Series):
        raise InvalidIndexError(
            "groupby must be a dict or Series asset -> group, or a (date, asset) Series, "
            f"got {type(groupby).__name__}"
        )
    if isinstance(groupby.index, pd.MultiIndex):
        if groupby.index.nlevels != 2:
            raise InvalidIndexError("a dated groupby Series needs a (date, asset) MultiIndex")
        if not groupby.index.is_unique:
            dup = groupby.index[groupby.index.duplicated()].unique()
            raise DuplicateEntriesError(f"groupby has duplicate (date, asset) entries: {_listing(dup)}")
        wide = groupby.astype(object).unstack(level=1)
        return wide.reindex(index=dates, columns=assets).astype(object)
    if not groupby.index.is_unique:
        dup = groupby.index[groupby.index.duplicated()].unique()
        raise DuplicateEntriesError(f"groupby maps some assets twice: {_listing(dup)}")
    row = groupby.reindex(assets)
    values = np.broadcast_to(row.to_numpy(dtype=object), (len(dates), len(assets)))
    return pd.DataFrame(values.copy(), index=dates, columns=assets, dtype=object)


#: Names of the quantile level of a (quantile, date) or (group, quantile) index, in order of preference.
QUANTILE_LEVEL_NAMES: tuple[str, ...] = ("factor_quantile", "quantile")


def level_position(index: pd.MultiIndex, names: Iterable[str], default: int) -> int:
    """Position of the first level whose name is in ``names``, else ``default``."""
    for candidate in names:
        if candidate in index.names:
            return list(index.names).index(candidate)
    return default
