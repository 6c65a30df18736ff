"""Validation of the report's inputs and the derived series that are not in metrics.

Everything here computes (no matplotlib): checking the return series and the
benchmark, aligning them, and turning positions into leverage and long/short
exposure and trades into returns per trade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import (
    AlignmentError,
    DuplicateDatesError,
    EmptyDataError,
    InvalidIndexError,
    InvalidReturnsError,
    NonNumericDataError,
    ParameterError,
    TimezoneMismatchError,
    UnsortedDatesError,
)

__all__ = ["align_benchmark", "check_returns", "exposure_from_positions", "trade_returns"]

_TRADE_RETURN_COLUMNS = ("return", "returns", "pnl_pct", "trade_return")


def _dated_index(index: pd.Index, name: str) -> None:
    if not isinstance(index, pd.DatetimeIndex):
        raise InvalidIndexError(f"{name} needs a DatetimeIndex, got {type(index).__name__}; "
                                "convert the dates with pd.to_datetime and set them as the index")
    if index.has_duplicates:
        raise DuplicateDatesError(f"{name} has duplicate timestamps, first {index[index.duplicated()][0]}")
    if not index.is_monotonic_increasing:
        raise UnsortedDatesError(f"{name} timestamps are not sorted; call .sort_index() first")


def _numeric_series(obj: object, name: str) -> pd.Series:
    if isinstance(obj, pd.DataFrame) and obj.shape[1] == 1:
        obj = obj.iloc[:, 0]
    if not isinstance(obj, pd.Series):
        raise ParameterError(f"{name} must be a pandas Series of per-bar returns with a DatetimeIndex, "
                             f"got {type(obj).__name__}")
    if not pd.api.types.is_numeric_dtype(obj.dtype) or pd.api.types.is_bool_dtype(obj.dtype):
        raise NonNumericDataError(f"{name} must hold numbers (simple returns, 0.01 = 1%), "
                                  f"got dtype {obj.dtype}")
    _dated_index(obj.index, name)
    return obj.astype("float64")


#: Median per-bar value from which an all-positive series is taken for price levels, and median absolute
#: value from which a series is taken for percent units: no strategy's typical bar moves 50%, or 20%
#: (daily stock returns have a median |r| near 0.01; in percent, near 1).
PRICE_LEVEL_MEDIAN, PERCENT_MEDIAN_ABS = 0.5, 0.2


def check_return_units(series: pd.Series, name: str = "returns") -> None:
    """Refuse a series that is not per-bar simple returns (0.01 = 1%), with the fix in the message.

    Price levels (all > 0, median >= 0.5), percent units (median |r| >= 0.2,
    or values below -1 with a median |r| >= 0.05) and returns below -1 (a
    simple return cannot lose more than 100%) raise; a return of exactly -1
    (a total loss) is valid.

    Raises
    ------
    InvalidReturnsError
    """
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(values)
    v = values[ok]
    if v.size == 0:
        return
    median_abs = float(np.median(np.abs(v)))
    if (v > 0).all() and float(np.median(v)) >= PRICE_LEVEL_MEDIAN:
        raise InvalidReturnsError(
            f"{name} look like price levels, not per-bar returns (all {v.size} values > 0, median "
            f"{np.median(v):.4g}); pass returns: prices.pct_change().dropna()")
    below = v < -1
    if median_abs >= PERCENT_MEDIAN_ABS or (below.any() and median_abs >= 0.05):
        raise InvalidReturnsError(
            f"{name} look like percent (median |return| {median_abs:.4g}, min {v.min():.4g}); returns are "
            f"fractions (0.01 = 1%): divide by 100")
    if below.any():
        first = series.index[np.flatnonzero(ok)[np.flatnonzero(below)[0]]]
        raise InvalidReturnsError(
            f"{name} has {int(below.sum())} value(s) below -1, first {v[below][0]:.4g} at {first}: a simple "
            "return cannot lose more than 100%; check the units (0.01 = 1%) or how the returns were computed")


def check_returns(returns: object) -> pd.Series:
    """The strategy's per-bar returns as a float Series (a new object; the input is not modified).

    Raises
    ------
    ParameterError, NonNumericDataError, InvalidIndexError, EmptyDataError
        Not a Series, not numbers, index not dated / sorted / unique, or
        fewer than two valid returns.
    InvalidReturnsError
        Price levels, percent units or returns below -1 (:func:`check_return_units`).
    """
    series = _numeric_series(returns, "returns")
    if series.notna().sum() < 2:
        raise EmptyDataError(f"returns has {int(series.notna().sum())} valid value(s); "
                             "a report needs at least 2")
    if np.isinf(series.to_numpy()).any():
        raise ParameterError("returns contain inf; per-bar returns must be finite (or NaN for no return)")
    check_return_units(series)
    return series.rename(series.name if series.name is not None else "strategy")


def align_benchmark(benchmark: object, returns: pd.Series) -> pd.Series:
    """Benchmark returns on the strategy's bars (NaN where the benchmark has no bar).

    Raises
    ------
    AlignmentError
        When the benchmark shares no timestamp with the returns (check time
        zones and that both are per-bar *returns*, not prices).
    """
    bench = _numeric_series(benchmark, "benchmark")
    if str(bench.index.tz) != str(returns.index.tz):
        raise TimezoneMismatchError(f"returns and benchmark disagree on time zones (returns {returns.index.tz}, "
                                    f"benchmark {bench.index.tz}); use tz_localize/tz_convert so both agree")
    common = returns.index.intersection(bench.index)
    if len(common) < 2:
        raise AlignmentError(
            f"benchmark shares {len(common)} timestamp(s) with returns "
            f"(returns {returns.index[0]} .. {returns.index[-1]}, benchmark "
            f"{bench.index[0] if len(bench) else 'empty'} .. {bench.index[-1] if len(bench) else ''}); "
            "pass benchmark returns on the same dates")
    out = bench.reindex(returns.index)
    return out.rename(bench.name if bench.name is not None else "benchmark")


def exposure_from_positions(positions: object, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Long, short, net and gross exposure as fractions of equity, on the returns' bars.

    Parameters
    ----------
    positions : pd.DataFrame, shape (bars, assets [+ cash])
        Position values per asset (currency, short < 0) with a 'cash' column
        (the pyfolio layout: equity = row sum); without a 'cash' column the
        values are read as portfolio weights (fractions of equity).
    index : pd.DatetimeIndex
        The returns' bars; positions are forward-filled onto them.

    Returns
    -------
    pd.DataFrame with columns 'long' (>= 0), 'short' (<= 0), 'net' and
    'gross' (the leverage); NaN where equity is not positive.
    """
    if not isinstance(positions, pd.DataFrame):
        raise ParameterError(f"positions must be a DataFrame (bars x assets), got {type(positions).__name__}")
    _dated_index(positions.index, "positions")
    bad = [str(c) for c, dt in positions.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]
    if bad:
        raise NonNumericDataError(f"positions must hold numbers; non-numeric column(s): {', '.join(bad)}")
    cash_cols = [c for c in positions.columns if str(c).lower() == "cash"]
    values = positions.drop(columns=cash_cols).to_numpy(dtype="float64", na_value=np.nan)
    values = np.nan_to_num(values, nan=0.0)
    long_ = np.where(values > 0, values, 0.0).sum(axis=1)
    short_ = np.where(values < 0, values, 0.0).sum(axis=1)
    if cash_cols:
        equity = long_ + short_ + positions[cash_cols].fillna(0.0).to_numpy(dtype="float64").sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(equity > 0, 1.0 / equity, np.nan)
    else:
        scale = np.ones(len(values))
    frame = pd.DataFrame({"long": long_ * scale, "short": short_ * scale}, index=positions.index)
    frame["net"] = frame["long"] + frame["short"]
    frame["gross"] = frame["long"] - frame["short"]
    common = index.intersection(frame.index)
    if len(common) == 0:
        raise AlignmentError(f"positions share no timestamp with returns ({index[0]} .. {index[-1]})")
    return frame.reindex(index, method="ffill")


def trade_returns(trades: object) -> pd.Series | None:
    """The return of each trade, when ``trades`` carries it; None otherwise.

    A Series is taken as the per-trade returns; a DataFrame needs a column
    named one of 'return', 'returns', 'pnl_pct', 'trade_return'.
    """
    if isinstance(trades, pd.Series):
        series = trades
    elif isinstance(trades, pd.DataFrame):
        cols = {str(c).lower(): c for c in trades.columns}
        found = next((cols[c] for c in _TRADE_RETURN_COLUMNS if c in cols), None)
        if found is None:
            return None
        series = trades[found]
    else:
        raise ParameterError(f"trades must be a DataFrame or a Series of per-trade returns, "
                             f"got {type(trades).__name__}")
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise NonNumericDataError(f"per-trade returns must be numbers, got dtype {series.dtype}")
    series = series.astype("float64").dropna()
    return series.rename("trade_return") if len(series) else None
