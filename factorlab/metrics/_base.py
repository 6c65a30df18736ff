"""Input handling shared by the metric functions.

Every metric accepts a Series, a DataFrame (one value per column) or a 1-d / 2-d
ndarray of simple per-bar returns (0.01 = 1%). Inputs are converted to a float
2-d array (bars x columns) without modifying them, computed column-wise in one
vectorised pass, and the result is put back in the shape of the input: a
scalar for a Series or 1-d array, a Series (indexed by the columns) for a
DataFrame, a 1-d array for a 2-d array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np
import pandas as pd

from factorlab.errors import AlignmentError, NonNumericDataError, ParameterError
from factorlab.metrics._periods import periods_per_year as _ppy

Returns = Union[pd.Series, pd.DataFrame, np.ndarray]
Scalarish = Union[float, pd.Series, np.ndarray]


@dataclass(frozen=True)
class Panel:
    """Returns as a read-only float array of shape (bars, columns), with their labels."""

    values: np.ndarray
    kind: str  # 'series' | 'frame' | 'array1' | 'array2'
    index: pd.Index | None
    columns: pd.Index | None
    name: object = None

    @property
    def n_bars(self) -> int:
        return self.values.shape[0]

    def wrap(self, out: np.ndarray, name: str | None = None) -> Scalarish:
        """Put a per-column result of shape (columns,) back in the input's shape."""
        out = np.asarray(out, dtype=float)
        if self.kind in ("series", "array1"):
            return float(out[0])
        if self.kind == "frame":
            return pd.Series(out, index=self.columns, name=name)
        return out

    def wrap_like(self, out: np.ndarray, name: str | None = None) -> Returns:
        """Put a (bars, columns) result back as a Series / DataFrame / ndarray."""
        if self.kind == "series":
            return pd.Series(out[:, 0], index=self.index, name=self.name)
        if self.kind == "frame":
            return pd.DataFrame(out, index=self.index, columns=self.columns)
        if self.kind == "array1":
            return out[:, 0]
        return out


def as_panel(returns: Returns, what: str = "returns") -> Panel:
    """Validate and convert ``returns`` to a :class:`Panel` (never modifies the input)."""
    if isinstance(returns, pd.Series):
        kind, index, columns, name = "series", returns.index, None, returns.name
        raw = returns.to_numpy()
    elif isinstance(returns, pd.DataFrame):
        kind, index, columns, name = "frame", returns.index, returns.columns, None
        raw = returns.to_numpy()
    elif isinstance(returns, (np.ndarray, list, tuple)):
        raw = np.asarray(returns)
        if raw.ndim not in (1, 2):
            raise ParameterError(f"{what} must be 1-d or 2-d, got an array of shape {raw.shape}")
        kind, index, columns, name = ("array1" if raw.ndim == 1 else "array2"), None, None, None
    else:
        raise ParameterError(
            f"{what} must be a pandas Series, DataFrame or numpy array, got {type(returns).__name__}"
        )
    try:
        values = np.array(raw, dtype=float, copy=True)
    except (TypeError, ValueError):
        raise NonNumericDataError(f"{what} must hold numbers (simple returns, 0.01 = 1%)") from None
    if values.ndim == 1:
        values = values[:, None]
    values.setflags(write=False)
    return Panel(values, kind, index, columns, name)


def resolve_ppy(
    returns: Returns | Panel, periods_per_year: float | None, market: str | None
) -> float:
    """Bars per year: the explicit value, else inferred from the index (with a warning)."""
    index = returns.index if isinstance(returns, Panel) else getattr(returns, "index", None)
    return _ppy(index, market=market, periods_per_year=periods_per_year)


def align_benchmark(panel: Panel, benchmark: Returns | float) -> np.ndarray:
    """Benchmark returns as a (bars, 1) or (bars, columns) array aligned to ``panel``.

    A labelled benchmark is reindexed on the returns' index (bars it lacks are
    NaN); an ndarray must have as many rows as the returns; a number is a
    constant per-bar benchmark return (empyrical's ``excess_sharpe(r, 0.0)``).
    """
    if _is_scalar(benchmark):
        return np.full((panel.n_bars, 1), _as_float(benchmark, "benchmark"))
    if isinstance(benchmark, pd.DataFrame):
        if benchmark.shape[1] != 1:
            raise ParameterError("benchmark must be one return series (a Series or 1-column frame)")
        benchmark = benchmark.iloc[:, 0]
    if isinstance(benchmark, pd.Series):
        if panel.index is not None:
            benchmark = benchmark.reindex(panel.index)
        elif len(benchmark) != panel.n_bars:
            raise AlignmentError(
                f"benchmark has {len(benchmark)} bars but returns have {panel.n_bars}"
            )
        raw = benchmark.to_numpy()
    else:
        raw = np.asarray(benchmark)
        if raw.shape[0] != panel.n_bars:
            raise AlignmentError(
                f"benchmark has {raw.shape[0]} bars but returns have {panel.n_bars}; "
                "pass labelled Series to align them on dates"
            )
    try:
        out = np.array(raw, dtype=float, copy=True)
    except (TypeError, ValueError):
        raise NonNumericDataError("benchmark must hold numbers (simple returns)") from None
    if out.ndim == 1:
        out = out[:, None]
    return out


def _is_scalar(value: object) -> bool:
    return not isinstance(value, (pd.Series, pd.DataFrame)) and np.ndim(value) == 0


def _as_float(value: object, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise NonNumericDataError(f"{what} must be a number or per-bar numbers, got {value!r}") from None


def per_bar(panel: Panel, value: float | pd.Series | pd.DataFrame | np.ndarray, what: str) -> float | np.ndarray:
    """A per-bar parameter (a risk-free rate, a required return) ready to subtract from ``panel``.

    A number is returned as a float (the same rate on every bar). Per-bar
    values give an array that broadcasts against the (bars, columns) values:

    - a Series is aligned on the returns' index (``reindex``; a bar it lacks
      is NaN, so that bar is skipped as a missing return is); with ndarray
      returns it must have one value per bar and is taken in order;
    - a 1-d array or list must have one value per bar, in order;
    - a DataFrame (returns as a DataFrame) is aligned on index and columns, a
      one-column DataFrame is used as a Series; a 2-d array must have the
      returns' shape (or one column).
    """
    if _is_scalar(value):
        return _as_float(value, what)
    n, m = panel.values.shape
    if isinstance(value, pd.DataFrame):
        if panel.kind == "frame" and all(c in value.columns for c in panel.columns):
            value = value.reindex(index=panel.index, columns=panel.columns)
        elif value.shape[1] == 1:
            value = value.iloc[:, 0]
        else:
            raise AlignmentError(f"{what} as a DataFrame needs a column per returns column (or one column)")
    if isinstance(value, pd.Series):
        if panel.index is not None:
            value = value.reindex(panel.index)
        elif len(value) != n:
            raise AlignmentError(f"{what} has {len(value)} values but returns have {n} bars")
    raw = value.to_numpy() if isinstance(value, (pd.Series, pd.DataFrame)) else np.asarray(value)
    try:
        arr = np.array(raw, dtype=float, copy=True)
    except (TypeError, ValueError):
        raise NonNumericDataError(f"{what} must hold numbers (per-bar returns)") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] not in (1, m):
        raise AlignmentError(
            f"{what} must be a number, one value per bar ({n}) or an array of the returns' shape "
            f"{(n, m)}, got shape {np.shape(raw)}; pass a Series to align it on dates"
        )
    arr.setflags(write=False)
    return arr


def valid_count(x: np.ndarray) -> np.ndarray:
    """Non-NaN values per column."""
    return np.sum(~np.isnan(x), axis=0)


def nan_where(out: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``out`` with NaN where ``mask`` is true (new array)."""
    return np.where(mask, np.nan, out)


def zero_dispersion(x: np.ndarray) -> np.ndarray:
    """True for columns whose valid values are all equal (or that have none)."""
    with np.errstate(invalid="ignore"):
        hi = np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=0) if x.size else np.zeros(x.shape[1])
        lo = np.nanmin(np.where(np.isnan(x), np.inf, x), axis=0) if x.size else np.zeros(x.shape[1])
    return ~(hi > lo)


def nanmean(x: np.ndarray) -> np.ndarray:
    """Column means ignoring NaN; NaN (without a warning) for empty columns."""
    n = valid_count(x)
    s = np.where(np.isnan(x), 0.0, x).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.where(n > 0, n, 1), np.nan)


def nanstd(x: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Column standard deviations ignoring NaN; NaN when fewer than ddof + 1 values."""
    n = valid_count(x)
    mu = nanmean(x)
    dev = np.where(np.isnan(x), 0.0, x - mu)
    ok = n > ddof
    return np.where(ok, np.sqrt((dev**2).sum(axis=0) / np.where(ok, n - ddof, 1)), np.nan)
