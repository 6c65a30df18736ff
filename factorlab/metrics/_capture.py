"""Capture ratios, batting average and up/down-market alpha and beta against a benchmark.

empyrical-reloaded's ``capture``, ``up_capture``, ``down_capture``,
``up_down_capture``, ``batting_average``, ``up_alpha_beta`` and
``down_alpha_beta``, computed column-wise in one vectorised pass.

``factor_returns`` holds the benchmark's simple per-bar returns: a labelled
benchmark is aligned on the returns' index (bars it lacks are NaN), an ndarray
must have as many rows. Annualisation uses ``periods_per_year`` (inferred from
the index with an :class:`AnnualizationWarning` when not given).

Conventions
-----------
- A capture ratio is a ratio of two CAGRs ``(1 + R) ** (ppy / bars) - 1``, as
  in empyrical's ``annual_return``: 1.0 is the benchmark's growth rate, 1.2
  grows 20% faster, -0.5 loses half as fast as the benchmark gains.
- ``capture`` counts every row as a bar for both streams (NaN rows included).
- Up (down) statistics keep the bars where both have a return and the
  benchmark return is > 0 (< 0); ``bars`` is the number of those bars.
- NaN (never inf) where the benchmark's CAGR is 0 (empyrical: +-inf) and
  where no bar qualifies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.metrics._base import Returns, Scalarish, align_benchmark, as_panel, resolve_ppy
from factorlab.metrics._benchmark import _alpha_beta_arrays, _wrap_pair
from factorlab.metrics._periods import Market
from factorlab.metrics._returns_stats import _annual_growth, _cagr_values, _safe_div

__all__ = [
    "capture",
    "up_capture",
    "down_capture",
    "up_down_capture",
    "batting_average",
    "up_alpha_beta",
    "down_alpha_beta",
    "BATTING_KEYS",
]

#: Keys of :func:`batting_average` (empyrical's labels).
BATTING_KEYS = ("batting average", "up market", "down market")


def _bench(p, factor_returns) -> np.ndarray:
    return np.broadcast_to(align_benchmark(p, factor_returns), p.values.shape)


def _capture_values(x: np.ndarray, b: np.ndarray, ppy: float) -> np.ndarray:
    return _safe_div(_cagr_values(x, ppy), _cagr_values(b, ppy))


def _side_mask(x: np.ndarray, b: np.ndarray, side: str) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        moved = b > 0 if side == "up" else b < 0
    return ~np.isnan(x) & ~np.isnan(b) & moved


def _side_capture_values(x: np.ndarray, b: np.ndarray, ppy: float, side: str) -> np.ndarray:
    """Capture over the bars where the benchmark went ``side`` (both returns present)."""
    keep = _side_mask(x, b, side)
    bars = keep.sum(axis=0)
    ending_x = np.prod(np.where(keep, 1.0 + np.where(keep, x, 0.0), 1.0), axis=0)
    ending_b = np.prod(np.where(keep, 1.0 + np.where(keep, b, 0.0), 1.0), axis=0)
    return _safe_div(_annual_growth(ending_x, bars, ppy), _annual_growth(ending_b, bars, ppy))


def _up_down_values(x: np.ndarray, b: np.ndarray, ppy: float) -> np.ndarray:
    return _safe_div(_side_capture_values(x, b, ppy, "up"), _side_capture_values(x, b, ppy, "down"))


def capture(returns: Returns, factor_returns: Returns, *, periods_per_year: float | None = None,
            market: Market | None = None) -> Scalarish:
    """Capture ratio: the strategy's CAGR over the benchmark's (a ratio; 1.0 = the benchmark's rate).

    Both CAGRs are over every row of the input (NaN rows count as bars, NaN
    returns compound as 0%), as empyrical's ``capture`` computes them after
    the benchmark is aligned on the returns' index. NaN when the benchmark's
    CAGR is 0 (empyrical: +-inf) or there is no return.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_capture_values(p.values, _bench(p, factor_returns), ppy), "capture")


def up_capture(returns: Returns, factor_returns: Returns, *, periods_per_year: float | None = None,
               market: Market | None = None) -> Scalarish:
    """Up-market capture: :func:`capture` over the bars where the benchmark return is > 0.

    Only bars where both have a return count, and the CAGRs use their number
    as the bar count. A ratio: 1.1 gains 10% faster than the benchmark in its
    up bars. NaN without such a bar.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_side_capture_values(p.values, _bench(p, factor_returns), ppy, "up"), "up_capture")


def down_capture(returns: Returns, factor_returns: Returns, *, periods_per_year: float | None = None,
                 market: Market | None = None) -> Scalarish:
    """Down-market capture: :func:`capture` over the bars where the benchmark return is < 0.

    A ratio: 0.8 loses 80% as fast as the benchmark in its down bars (lower
    is better; negative means gaining while the benchmark falls). NaN
    without such a bar.
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_side_capture_values(p.values, _bench(p, factor_returns), ppy, "down"), "down_capture")


def up_down_capture(returns: Returns, factor_returns: Returns, *, periods_per_year: float | None = None,
                    market: Market | None = None) -> Scalarish:
    """:func:`up_capture` divided by :func:`down_capture` (a ratio; above 1 is favourable).

    NaN when either is NaN or the down capture is 0 (empyrical: +-inf).
    """
    p = as_panel(returns)
    ppy = resolve_ppy(p, periods_per_year, market)
    return p.wrap(_up_down_values(p.values, _bench(p, factor_returns), ppy), "up_down_capture")


def _batting_values(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(columns, 3): share of bars beating the benchmark overall, when b >= 0, when b < 0."""
    with np.errstate(invalid="ignore"):
        active = x - b
        valid = np.isfinite(active) & np.isfinite(b)
        beat = valid & (active > 0)
        out = []
        for keep in (valid, valid & (b >= 0), valid & (b < 0)):
            n = keep.sum(axis=0)
            out.append(np.where(n > 0, (beat & keep).sum(axis=0) / np.where(n > 0, n, 1), np.nan))
    return np.column_stack(out)


def batting_average(returns: Returns, factor_returns: Returns):
    """Share of bars on which the strategy beats the benchmark (0.55 = 55% of bars).

    A bar counts when both returns are finite; it is a hit when ``r > b``.
    'up market' keeps the bars with a benchmark return >= 0, 'down market'
    those < 0 (empyrical's split). Each is NaN without a bar.

    Returns
    -------
    Series indexed by 'batting average', 'up market', 'down market' for a
    Series / 1-d array (as empyrical); a DataFrame with those columns (one row
    per column) for a DataFrame; an array of shape (columns, 3) for a 2-d array.
    """
    p = as_panel(returns)
    out = _batting_values(p.values, _bench(p, factor_returns))
    if p.kind in ("series", "array1"):
        return pd.Series(out[0], index=list(BATTING_KEYS), dtype=float)
    if p.kind == "frame":
        return pd.DataFrame(out, index=p.columns, columns=list(BATTING_KEYS))
    return out


def _side(side: str):
    return lambda x, y: _side_mask(x, y, side)


def up_alpha_beta(returns: Returns, factor_returns: Returns, risk_free: float | Returns = 0.0, *,
                  periods_per_year: float | None = None, market: Market | None = None):
    """:func:`alpha_beta` over the bars where the benchmark return is > 0.

    Alpha is annualised (a return a year), beta a ratio. ``risk_free`` is per
    bar, a number or one rate per bar (aligned before the bars are chosen).
    Same return shapes as :func:`alpha_beta`: (alpha, beta) for a Series.
    """
    p, a, b = _alpha_beta_arrays(returns, factor_returns, risk_free, periods_per_year, market, _side("up"))
    return _wrap_pair(p, a, b)


def down_alpha_beta(returns: Returns, factor_returns: Returns, risk_free: float | Returns = 0.0, *,
                    periods_per_year: float | None = None, market: Market | None = None):
    """:func:`alpha_beta` over the bars where the benchmark return is < 0 (see :func:`up_alpha_beta`)."""
    p, a, b = _alpha_beta_arrays(returns, factor_returns, risk_free, periods_per_year, market, _side("down"))
    return _wrap_pair(p, a, b)
