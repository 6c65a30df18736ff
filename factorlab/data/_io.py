"""Reading prices and factors from DataFrames, CSV and Parquet files.

Two layouts are understood:

* wide: one row per timestamp, one column per asset (the first column, or the
  index, holds the timestamps);
* long: three columns ``date``, ``asset`` and one value column (names are
  configurable), one row per (date, asset).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from factorlab.data._validate import factor_to_wide, validate_prices
from factorlab.errors import DataError, EmptyDataError, InvalidIndexError

__all__ = ["read_table", "read_prices", "read_factor"]

PathOrFrame = "str | os.PathLike | pd.DataFrame | pd.Series"


def read_table(source: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame (no interpretation).

    Raises
    ------
    DataError
        If the file does not exist or its extension is not .csv/.parquet/.pq.
    """
    path = Path(source)
    if not path.exists():
        raise DataError(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix in (".csv", ".txt") or path.name.lower().endswith(".csv.gz"):
        return pd.read_csv(path)
    raise DataError(f"cannot read {path}: expected a .csv or .parquet file, got '{suffix}'")


def _to_datetime(values: pd.Index | pd.Series, what: str) -> pd.DatetimeIndex:
    try:
        return pd.DatetimeIndex(pd.to_datetime(values))
    except (ValueError, TypeError) as exc:
        raise InvalidIndexError(f"{what}: could not parse dates ({exc})") from exc


def _long_to_wide(frame: pd.DataFrame, date_col: str, asset_col: str, value_col: str | None,
                  what: str) -> pd.Series:
    missing = [c for c in (date_col, asset_col) if c not in frame.columns]
    if missing:
        raise DataError(f"{what}: long layout needs columns {date_col!r} and {asset_col!r}; "
                        f"missing {missing}, found {list(frame.columns)}")
    rest = [c for c in frame.columns if c not in (date_col, asset_col)]
    if value_col is None:
        if len(rest) != 1:
            raise DataError(f"{what}: long layout needs exactly one value column besides "
                            f"{date_col!r} and {asset_col!r}, found {rest}; pass value_col=")
        value_col = rest[0]
    elif value_col not in frame.columns:
        raise DataError(f"{what}: value column {value_col!r} not found in {list(frame.columns)}")
    dates = _to_datetime(frame[date_col], what)
    index = pd.MultiIndex.from_arrays([dates, frame[asset_col].to_numpy()], names=["date", "asset"])
    return pd.Series(frame[value_col].to_numpy(), index=index, name=value_col)


def _wide_from_frame(frame: pd.DataFrame, date_col: str, what: str) -> pd.DataFrame:
    if isinstance(frame.index, pd.DatetimeIndex):
        out = frame.copy()
    elif date_col in frame.columns:
        out = frame.set_index(date_col)
        out.index = _to_datetime(out.index, what)
    else:
        first = frame.columns[0]
        out = frame.set_index(first)
        out.index = _to_datetime(out.index, what)
    out.index.name = "date"
    out.columns.name = "asset"
    return out


def _is_long(frame: pd.DataFrame, date_col: str, asset_col: str) -> bool:
    return date_col in frame.columns and asset_col in frame.columns


def read_prices(source, *, date_col: str = "date", asset_col: str = "asset",
                value_col: str | None = None) -> pd.DataFrame:
    """Read prices into the validated wide layout (dates x assets, float64).

    Parameters
    ----------
    source : path to .csv/.parquet, or pd.DataFrame
        Wide (timestamps as index or first column, one column per asset) or
        long (``date_col``, ``asset_col`` and one value column).
    date_col, asset_col, value_col : str
        Column names for the long layout (``value_col`` may be left out when
        there is exactly one other column).

    Returns
    -------
    pd.DataFrame, shape (bars, assets)
    """
    frame = source if isinstance(source, pd.DataFrame) else read_table(source)
    if len(frame) == 0:
        raise EmptyDataError("prices: the input has no rows")
    if _is_long(frame, date_col, asset_col):
        series = _long_to_wide(frame, date_col, asset_col, value_col, "prices")
        wide, _ = factor_to_wide(series, "prices")
        return validate_prices(wide)
    return validate_prices(_wide_from_frame(frame, date_col, "prices"))


def read_factor(source, *, date_col: str = "date", asset_col: str = "asset",
                value_col: str | None = None) -> pd.Series:
    """Read a factor into the (date, asset) MultiIndex Series layout.

    Accepts the same layouts as :func:`read_prices`. A wide frame is stacked
    (its NaN cells mean 'no value' and are not entries).

    Parameters
    ----------
    source : path to .csv/.parquet, pd.DataFrame or pd.Series
        A Series is returned as it is (validated later by prepare_factor_data).
    date_col, asset_col, value_col : str
        Column names of the long layout (``value_col`` may be left out when
        there is exactly one other column).

    Returns
    -------
    pd.Series
        Factor values with a ('date', 'asset') MultiIndex.
    """
    if isinstance(source, pd.Series):
        return source
    frame = source if isinstance(source, pd.DataFrame) else read_table(source)
    if len(frame) == 0:
        raise EmptyDataError("factor: the input has no rows")
    if _is_long(frame, date_col, asset_col):
        return _long_to_wide(frame, date_col, asset_col, value_col, "factor")
    wide = _wide_from_frame(frame, date_col, "factor")
    series = wide.stack()
    series.index.names = ["date", "asset"]
    series.name = "factor"
    return series
