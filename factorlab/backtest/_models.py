"""Commission and slippage models: vectorised over the fills of one bar.

Every model is a small callable object working on 1-d arrays of the bar's
fills (one entry per order being filled), so a 500-asset rebalance costs a
few numpy operations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from factorlab.errors import ParameterError

__all__ = ["CommissionModel", "NoCommission", "PerShare", "BpsCommission", "SlippageModel", "NoSlippage",
           "FixedBps", "VolumeShareSlippage", "as_commission", "as_slippage"]


def _check_nonneg(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not math.isfinite(value) or value < 0:
        raise ParameterError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


class CommissionModel:
    """Base class: ``__call__(shares, price) -> commission`` in currency per fill."""

    def __call__(self, shares: np.ndarray, price: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class NoCommission(CommissionModel):
    """No commission."""

    def __call__(self, shares: np.ndarray, price: np.ndarray) -> np.ndarray:
        return np.zeros(len(shares))

    def __repr__(self) -> str:
        return "NoCommission()"


class PerShare(CommissionModel):
    """``cost`` currency per share traded, at least ``minimum`` per fill (fills of 0 shares pay 0).

    Parameters
    ----------
    cost : float, default 0.005
        Currency per share.
    minimum : float, default 1.0
        Minimum commission of a fill (currency).
    """

    def __init__(self, cost: float = 0.005, minimum: float = 1.0) -> None:
        self.cost, self.minimum = _check_nonneg("cost", cost), _check_nonneg("minimum", minimum)

    def __call__(self, shares: np.ndarray, price: np.ndarray) -> np.ndarray:
        size = np.abs(shares)
        return np.where(size > 0, np.maximum(size * self.cost, self.minimum), 0.0)

    def __repr__(self) -> str:
        return f"PerShare(cost={self.cost:g}, minimum={self.minimum:g})"


class BpsCommission(CommissionModel):
    """``bps`` basis points of the traded notional ``|shares| * fill price``.

    ``BpsCommission(b)`` charges exactly what ``interleaved_returns(..., cost_bps=b)`` charges.
    """

    def __init__(self, bps: float) -> None:
        self.bps = _check_nonneg("bps", bps)

    def __call__(self, shares: np.ndarray, price: np.ndarray) -> np.ndarray:
        return self.bps * 1e-4 * (np.abs(shares) * price)

    def __repr__(self) -> str:
        return f"BpsCommission(bps={self.bps:g})"


class SlippageModel:
    """Base class: ``__call__(shares, price, volume) -> fraction`` of the price paid against the trade.

    A buy fills at ``price * (1 + fraction)``, a sell at ``price * (1 - fraction)``.
    """

    needs_volume = False

    def __call__(self, shares: np.ndarray, price: np.ndarray, volume: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover


class NoSlippage(SlippageModel):
    """Fill at the bar's price."""

    def __call__(self, shares, price, volume):
        return np.zeros(len(shares))

    def __repr__(self) -> str:
        return "NoSlippage()"


class FixedBps(SlippageModel):
    """A fixed ``bps`` basis points against every fill."""

    def __init__(self, bps: float) -> None:
        self.bps = _check_nonneg("bps", bps)

    def __call__(self, shares, price, volume):
        return np.full(len(shares), self.bps * 1e-4)

    def __repr__(self) -> str:
        return f"FixedBps(bps={self.bps:g})"


class VolumeShareSlippage(SlippageModel):
    """Market impact ``impact * (|shares| / bar volume) ** exponent`` (zipline's volume-share model).

    Needs ``volumes`` (shares per bar); a bar with no volume gives the impact of a 100% share.
    """

    needs_volume = True

    def __init__(self, impact: float = 0.1, exponent: float = 2.0) -> None:
        self.impact, self.exponent = _check_nonneg("impact", impact), _check_nonneg("exponent", exponent)

    def __call__(self, shares, price, volume):
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.abs(shares) / volume
        share = np.where(np.isfinite(share), np.minimum(share, 1.0), 1.0)
        return self.impact * share ** self.exponent

    def __repr__(self) -> str:
        return f"VolumeShareSlippage(impact={self.impact:g}, exponent={self.exponent:g})"


class _SumCommission(CommissionModel):
    def __init__(self, models: Sequence[CommissionModel]) -> None:
        self.models = list(models)

    def __call__(self, shares, price):
        return sum((m(shares, price) for m in self.models), np.zeros(len(shares)))

    def __repr__(self) -> str:
        return " + ".join(map(repr, self.models))


def as_commission(value) -> CommissionModel:
    """None -> no commission; a number -> bps of notional; a list -> the sum of the models."""
    if value is None:
        return NoCommission()
    if isinstance(value, CommissionModel):
        return value
    if isinstance(value, (list, tuple)):
        return _SumCommission([as_commission(v) for v in value])
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return BpsCommission(value)
    raise ParameterError(f"commission must be None, a number of bps, a CommissionModel or a list of them, "
                         f"got {value!r}")


def as_slippage(value) -> SlippageModel:
    """None -> no slippage; a number -> fixed bps; a SlippageModel as is."""
    if value is None:
        return NoSlippage()
    if isinstance(value, SlippageModel):
        return value
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return FixedBps(value)
    raise ParameterError(f"slippage must be None, a number of bps or a SlippageModel, got {value!r}")
