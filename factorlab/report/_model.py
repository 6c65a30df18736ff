"""The one report model of factorlab: what the factor tear sheet, the returns report and the backtest report share.

Every report has ``title``, ``sections`` (key -> :class:`Section`, in display
order), ``tables`` (name -> DataFrame), ``figures`` (name -> matplotlib
Figure, a :class:`~factorlab.plotting._charts.Figures` mapping built on first
access), ``image_format`` ('png' or 'svg') and ``dpi`` of its embedded
images, ``_repr_html_()`` (the notebook view) and ``to_html(path=None) ->
str`` (the self-contained page, also written to ``path`` when given).

``benchmark=`` follows one rule everywhere (:func:`benchmark_returns`,
:func:`benchmark_level`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError

__all__ = [
    "BENCHMARK_KINDS",
    "DEFAULT_DPI",
    "DEFAULT_IMAGE_FORMAT",
    "Report",
    "Section",
    "benchmark_level",
    "benchmark_returns",
    "check_image_options",
    "write_html",
]

#: Image format and resolution of every report's embedded charts unless asked otherwise.
DEFAULT_IMAGE_FORMAT = "png"
DEFAULT_DPI = 80

#: How a ``benchmark=`` Series is read: 'auto' (the rule of :func:`benchmark_kind`), 'prices', 'returns'.
BENCHMARK_KINDS = ("auto", "prices", "returns")


@dataclass
class Section:
    """One part of a report: its key, title and ordered ``(kind, name)`` items, kind 'table' or 'figure'."""

    key: str
    title: str
    items: list[tuple[str, str]] = field(default_factory=list)


@runtime_checkable
class Report(Protocol):
    """What every factorlab report offers (see the module docstring)."""

    title: str
    image_format: str
    dpi: int

    @property
    def sections(self) -> Mapping[str, Section]: ...

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]: ...

    @property
    def figures(self) -> Mapping[str, object]: ...

    def _repr_html_(self) -> str: ...

    def to_html(self, path: str | Path | None = None) -> str: ...


def check_image_options(image_format: object, dpi: object) -> tuple[str, int]:
    """Validate a report's ``image_format`` ('png' or 'svg') and ``dpi`` (an integer in [20, 400])."""
    if image_format not in ("png", "svg"):
        raise ParameterError(f"image_format must be 'png' or 'svg', got {image_format!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float, np.integer)) or int(dpi) != dpi \
            or not 20 <= dpi <= 400:
        raise ParameterError(f"dpi must be an integer in [20, 400], got {dpi!r}")
    return str(image_format), int(dpi)


def write_html(page: str, path: str | Path | None) -> str:
    """Write ``page`` to ``path`` (UTF-8, parent folders made) when a path is given; return ``page``."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    return page


def _series(benchmark: object) -> pd.Series:
    if isinstance(benchmark, pd.DataFrame) and benchmark.shape[1] == 1:
        benchmark = benchmark.iloc[:, 0]
    if not isinstance(benchmark, pd.Series):
        raise ParameterError(f"benchmark must be a pandas Series (a price level or per-bar returns), "
                             f"got {type(benchmark).__name__}")
    if not pd.api.types.is_numeric_dtype(benchmark.dtype):
        raise ParameterError(f"benchmark must be numeric, got dtype {benchmark.dtype}")
    return benchmark.astype("float64")


def benchmark_kind(benchmark: pd.Series, kind: str = "auto") -> str:
    """'prices' or 'returns': how ``benchmark`` is read.

    The rule, the same for every report and the backtest: a Series with a
    value <= 0 is per-bar returns (0.01 = 1%; a price level is > 0); a Series
    whose values are all > 0 is a price level (an index, a fund's price).
    ``kind='prices'`` or ``'returns'`` says it explicitly (needed for a
    returns series without a single value <= 0); a price level with a value
    <= 0 or returns with a value <= -1 raise :class:`ParameterError`.
    """
    if kind not in BENCHMARK_KINDS:
        raise ParameterError(f"benchmark_kind must be one of {', '.join(map(repr, BENCHMARK_KINDS))}, "
                             f"got {kind!r}")
    values = benchmark.to_numpy(dtype="float64", na_value=np.nan)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ParameterError("benchmark has no finite values")
    if kind == "auto":
        kind = "returns" if (values <= 0).any() else "prices"
    if kind == "prices" and (values <= 0).any():
        raise ParameterError("a benchmark price level must be > 0 everywhere; pass per-bar returns with "
                             "benchmark_kind='returns'")
    if kind == "returns" and (values <= -1).any():
        raise ParameterError("benchmark returns must be > -1 (0.01 = 1%); pass a price level with "
                             "benchmark_kind='prices'")
    return kind


def benchmark_returns(benchmark: object, index: pd.Index, *, kind: str = "auto") -> pd.Series:
    """Per-bar benchmark returns on ``index`` from a price level or returns (rule: :func:`benchmark_kind`).

    A price level is forward-filled onto ``index`` and turned into simple
    returns between consecutive bars of ``index`` (the first bar's from the
    last level before it, NaN without one); returns are taken as given on
    the bars of ``index`` (NaN where missing).
    """
    series = _series(benchmark)
    if benchmark_kind(series, kind) == "prices":
        full = series.sort_index().reindex(series.index.union(index)).ffill()
        level = full.reindex(index)
        out = level / level.shift(1) - 1.0
        earlier = full[full.index < index[0]].dropna() if len(index) else full.iloc[:0]
        if len(earlier):  # the first bar's return runs from the last level before it
            out.iloc[0] = level.iloc[0] / earlier.iloc[-1] - 1.0
        return out.rename(series.name)
    return series.reindex(index).rename(series.name)


def benchmark_level(benchmark: object, index: pd.Index, *, kind: str = "auto") -> pd.Series:
    """The benchmark as a price level on ``index`` (returns compounded from 1.0; rule: :func:`benchmark_kind`)."""
    series = _series(benchmark)
    if benchmark_kind(series, kind) == "prices":
        return series
    growth = (1.0 + series.reindex(index).fillna(0.0)).cumprod()
    return growth.rename(series.name)
