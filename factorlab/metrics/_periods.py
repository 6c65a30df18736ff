"""Annualisation: how many bars make a year, set explicitly or inferred from the index.

Conventions
-----------
Daily bars
    252 per year for equities (trading days), 365 for 24h markets (crypto, FX).
Intraday bars
    Equities trade 6.5 hours a day: a bar of ``s`` hours gives
    ``252 * 6.5 / s`` bars per year (hourly: 1,638; one minute: 98,280).
    24h markets: ``365 * 24 / s`` (hourly: 8,760).
Coarser bars
    Weekly 52, monthly 12, quarterly 4, yearly 1, whatever the market.

The bar spacing is the median gap between consecutive timestamps of a
:class:`pandas.DatetimeIndex`. An explicit ``periods_per_year`` always wins;
inferring issues an :class:`AnnualizationWarning` that names the value used, so
a report never annualises silently with a guessed frequency.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from factorlab.errors import FactorlabWarning, ParameterError

__all__ = [
    "AnnualizationWarning",
    "periods_per_year",
    "rolling_window_bars",
    "TRADING_DAYS_PER_YEAR",
    "EQUITY_HOURS_PER_DAY",
]

TRADING_DAYS_PER_YEAR = 252
EQUITY_HOURS_PER_DAY = 6.5
_MARKETS = ("equity", "24h")
_DAY = pd.Timedelta(days=1)

Market = Literal["equity", "24h"]


class AnnualizationWarning(FactorlabWarning):
    """The number of bars per year was inferred (or assumed), not given."""


def _check_market(market: str) -> None:
    if market not in _MARKETS:
        raise ParameterError(f"market must be one of {_MARKETS}, got {market!r}")


def _validate_explicit(value: float) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"periods_per_year must be a positive number, got {value!r}"
        ) from None
    if not np.isfinite(out) or out <= 0:
        raise ParameterError(f"periods_per_year must be a positive number, got {value!r}")
    return out


def _from_spacing(spacing: pd.Timedelta, market: str) -> float:
    days = spacing / _DAY
    if days >= 300:
        return 1.0
    if days >= 80:
        return 4.0
    if days >= 20:
        return 12.0
    if days >= 5:
        return 52.0
    if days >= 0.75:
        return float(TRADING_DAYS_PER_YEAR) if market == "equity" else 365.0
    hours = days * 24.0
    if market == "equity":
        return TRADING_DAYS_PER_YEAR * EQUITY_HOURS_PER_DAY / hours
    return 365.0 * 24.0 / hours


def _index_of(index_or_returns: object) -> pd.Index | None:
    if isinstance(index_or_returns, (pd.Series, pd.DataFrame)):
        return index_or_returns.index
    if isinstance(index_or_returns, pd.Index):
        return index_or_returns
    return None


def periods_per_year(
    index_or_returns: pd.Index | pd.Series | pd.DataFrame | np.ndarray | None = None,
    market: Market = "equity",
    periods_per_year: float | None = None,
) -> float:
    """Number of bars per year used to annualise statistics.

    Parameters
    ----------
    index_or_returns : DatetimeIndex, Series, DataFrame, ndarray or None
        The bars (or returns whose index are the bars).
    market : {'equity', '24h'}
        'equity' counts 252 trading days of 6.5 hours; '24h' counts 365 days
        of 24 hours (crypto, FX).
    periods_per_year : float, optional
        Explicit value; returned as given (validated > 0) and nothing is inferred.

    Returns
    -------
    float
        Bars per year, e.g. 252.0 for daily equity bars, 1638.0 for hourly
        equity bars, 8760.0 for hourly 24h bars.

    Warns
    -----
    AnnualizationWarning
        When the value is inferred from the median bar spacing, or assumed to
        be daily (252 / 365) because there is no DatetimeIndex with at least
        two distinct timestamps to infer from.
    """
    _check_market(market)
    if periods_per_year is not None:
        return _validate_explicit(periods_per_year)
    daily = float(TRADING_DAYS_PER_YEAR) if market == "equity" else 365.0
    index = _index_of(index_or_returns)
    if isinstance(index, pd.DatetimeIndex) and len(index) >= 2:
        gaps = np.diff(index.asi8)
        gaps = gaps[gaps > 0]
        if len(gaps):
            unit = index.unit
            spacing = pd.Timedelta(int(np.median(gaps)), unit=unit)
            value = _from_spacing(spacing, market)
            warnings.warn(
                f"periods_per_year inferred as {value:g} from the median bar spacing "
                f"{spacing} (market={market!r}); pass periods_per_year= to set it",
                AnnualizationWarning,
                stacklevel=3,
            )
            return value
    warnings.warn(
        f"no DatetimeIndex to infer the bar frequency from; assuming daily bars "
        f"({daily:g} per year, market={market!r}); pass periods_per_year= to set it",
        AnnualizationWarning,
        stacklevel=3,
    )
    return daily


def rolling_window_bars(months: float, periods_per_year: float) -> int:
    """Bars in a trailing window of ``months`` months: ``round(months / 12 * periods_per_year)``.

    Six months of daily equity bars is 126 bars, twelve months 252; six months
    of hourly equity bars 819. At least 2 bars.
    """
    if not np.isfinite(months) or months <= 0:
        raise ParameterError(f"months must be a positive number, got {months!r}")
    return max(2, int(round(months / 12.0 * periods_per_year)))
