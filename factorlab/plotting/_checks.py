"""Input checks shared by the plot functions.

Every check raises :class:`factorlab.errors.ParameterError` with a message that
names the argument, says what was expected and what was received.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from factorlab.data._validate import level_position  # shared with the analysis layer
from factorlab.errors import ParameterError

__all__ = [
    "as_series",
    "as_frame",
    "check_multiindex",
    "check_option",
    "check_same_index",
    "level_position",
    "finite_values",
]


def _check_numeric(values: pd.DataFrame | pd.Series, name: str) -> None:
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    bad = [str(c) for c, dt in frame.dtypes.items() if not (pd.api.types.is_numeric_dtype(dt)
                                                           and not pd.api.types.is_bool_dtype(dt))]
    if bad:
        raise ParameterError(f"{name} must hold numbers; non-numeric column(s): {', '.join(bad)}")


def as_series(obj: object, name: str, *, allow_empty: bool = False) -> pd.Series:
    """Check that ``obj`` is a numeric, non-empty Series and return it.

    A one-column DataFrame is accepted and squeezed to its column.
    """
    if isinstance(obj, pd.DataFrame) and obj.shape[1] == 1:
        obj = obj.iloc[:, 0]
    if not isinstance(obj, pd.Series):
        raise ParameterError(f"{name} must be a pandas Series, got {type(obj).__name__}")
    if not allow_empty and obj.dropna().empty:
        raise ParameterError(f"{name} is empty (or all NaN): nothing to plot")
    _check_numeric(obj, name)
    return obj


def as_frame(obj: object, name: str, *, allow_series: bool = False) -> pd.DataFrame:
    """Check that ``obj`` is a numeric DataFrame with at least one value.

    With ``allow_series`` a Series becomes a one-column frame named after it.
    """
    if allow_series and isinstance(obj, pd.Series):
        obj = obj.to_frame(name=obj.name if obj.name is not None else "value")
    if not isinstance(obj, pd.DataFrame):
        kind = "a pandas DataFrame or Series" if allow_series else "a pandas DataFrame"
        raise ParameterError(f"{name} must be {kind}, got {type(obj).__name__}")
    if obj.empty or obj.isna().all().all():
        raise ParameterError(f"{name} is empty (shape {obj.shape} or all NaN): nothing to plot")
    _check_numeric(obj, name)
    return obj


def check_multiindex(obj: pd.DataFrame | pd.Series, name: str, nlevels: int, layout: str) -> None:
    """Require a MultiIndex with exactly ``nlevels`` levels; ``layout`` describes it."""
    index = obj.index
    if not isinstance(index, pd.MultiIndex) or index.nlevels != nlevels:
        got = f"a MultiIndex with {index.nlevels} levels" if isinstance(index, pd.MultiIndex) \
            else f"a flat {type(index).__name__}"
        raise ParameterError(f"{name} must have a {layout} MultiIndex, got {got}")


def check_option(value: object, name: str, allowed: Sequence[object]) -> None:
    """Require ``value`` to be one of ``allowed``."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ParameterError(f"{name} must be one of {choices}; got {value!r}")


def check_same_index(main: pd.Series, other: pd.Series, main_name: str, other_name: str) -> pd.Series:
    """Require a non-negative ``other`` indexed like ``main`` (same labels, any order); align it."""
    if not isinstance(other, pd.Series):
        raise ParameterError(f"{other_name} must be a pandas Series or None, got {type(other).__name__}")
    if len(other.index) != len(main.index) or not other.index.isin(main.index).all():
        raise ParameterError(
            f"{other_name} must have the same index as {main_name} "
            f"({len(main)} labels); got {len(other)} labels that do not match")
    _check_numeric(other, other_name)
    if (other.to_numpy(dtype="float64", na_value=np.nan) < 0).any():
        raise ParameterError(f"{other_name} must be >= 0 (it is a standard error); found negative values")
    return other.reindex(main.index)


def finite_values(series: pd.Series) -> np.ndarray:
    """The finite values of ``series`` as float64 (NaN and inf dropped)."""
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    return values[np.isfinite(values)]
