"""One options object for how a factor is prepared, weighted and costed, the same along the whole path.

The tear sheet and its sections, :func:`factorlab.screen`,
:func:`factorlab.prepare_factor_data` and :class:`factorlab.FactorStrategy`
accept ``options=FactorOptions(...)``; keywords of the same names still work
and override the options they are given with.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from factorlab.errors import ParameterError

__all__ = ["CONCENTRATION_LIMIT", "FactorOptions", "resolve_options"]

#: Share of a book's gross weight above which one name is flagged as a concentration.
CONCENTRATION_LIMIT = 0.25


@dataclass(frozen=True)
class FactorOptions:
    """How a factor is prepared, weighted and costed.

    Attributes
    ----------
    periods : tuple of int, default (1, 5, 10)
        Forward-return horizons in bars.
    quantiles, bins : int or sequence, default 5 / None
        Binning (exactly one is given).
    quantile_method : {'qcut', 'rank'}, default 'qcut'
        'rank': tied factor values share a bucket.
    max_loss : float, default 0.35
        Largest share of factor entries that may be dropped (0..1).
    stale : {'report', 'drop'}, default 'report'
        'drop' treats prices unchanged for ``stale_bars`` bars as no price.
    stale_bars : int, default 10
        Run length from which a price is stale.
    delay : int, default 0
        Execution delay in bars.
    long_short, group_neutral, equal_weight : bool
        The long-short portfolio's weights (:func:`factorlab.factor_weights`): demeaned (True),
        demeaned within groups (False), the same weight per name on each side (False: weighted by
        the demeaned factor value, as Alphalens).
    cost_bps : float, default 0
        Cost in bps of traded notional for net figures.
    concentration : float, default 0.25
        Share of a book's gross weight above which one name is flagged (``ConcentrationWarning``).
    """

    periods: tuple = (1, 5, 10)
    quantiles: object = 5
    bins: object = None
    quantile_method: str = "qcut"
    max_loss: float = 0.35
    stale: str = "report"
    stale_bars: int = 10
    delay: int = 0
    long_short: bool = True
    group_neutral: bool = False
    equal_weight: bool = False
    cost_bps: float = 0.0
    concentration: float = CONCENTRATION_LIMIT

    def __post_init__(self) -> None:
        if isinstance(self.periods, (int,)) and not isinstance(self.periods, bool):
            object.__setattr__(self, "periods", (int(self.periods),))
        elif isinstance(self.periods, Sequence) and not isinstance(self.periods, str):
            object.__setattr__(self, "periods", tuple(self.periods))
        for name in ("long_short", "group_neutral", "equal_weight"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"FactorOptions.{name} must be True or False, got {getattr(self, name)!r}")
        if self.stale not in ("report", "drop"):
            raise ParameterError(f"FactorOptions.stale must be 'report' or 'drop', got {self.stale!r}")
        if self.quantile_method not in ("qcut", "rank"):
            raise ParameterError(f"FactorOptions.quantile_method must be 'qcut' or 'rank', got "
                                 f"{self.quantile_method!r}")
        c = self.cost_bps
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c) or c < 0:
            raise ParameterError(f"FactorOptions.cost_bps must be a number of bps >= 0, got {c!r}")
        if not (isinstance(self.concentration, (int, float)) and 0 < self.concentration <= 1):
            raise ParameterError(f"FactorOptions.concentration must be a share in (0, 1], got "
                                 f"{self.concentration!r}")

    def replace(self, **settings) -> FactorOptions:
        """A copy with some settings changed (unknown names are an error naming the known ones)."""
        _check_names(settings)
        return dataclasses.replace(self, **settings)

    @property
    def prepare_kwargs(self) -> dict:
        """The settings :func:`factorlab.prepare_factor_data` takes."""
        return {"periods": self.periods, "quantiles": self.quantiles, "bins": self.bins,
                "max_loss": self.max_loss, "delay": self.delay, "stale": self.stale,
                "stale_bars": self.stale_bars, "quantile_method": self.quantile_method}

    @property
    def weight_kwargs(self) -> dict:
        """The settings :func:`factorlab.factor_weights` takes."""
        return {"long_short": self.long_short, "group_neutral": self.group_neutral,
                "equal_weight": self.equal_weight}

    @property
    def weighting(self) -> str:
        """How the long-short portfolio is weighted, in words (the headline says it)."""
        side = "equal weight per name on each side" if self.equal_weight else "weighted by the demeaned factor"
        if not self.long_short:
            side = "equal weight per name" if self.equal_weight else "weighted by the factor value"
        return side + (", demeaned within groups" if self.group_neutral else "") + ", gross exposure 1"


_NAMES = tuple(f.name for f in dataclasses.fields(FactorOptions))


def _check_names(settings: Mapping) -> None:
    unknown = sorted(set(settings) - set(_NAMES))
    if unknown:
        raise ParameterError(f"unknown setting(s) {unknown}; the settings are {list(_NAMES)}")


def resolve_options(options: FactorOptions | None, settings: Mapping) -> FactorOptions:
    """``options`` (or the defaults) with the keyword ``settings`` given beside it applied on top."""
    if options is not None and not isinstance(options, FactorOptions):
        raise ParameterError(f"options must be a FactorOptions, got {type(options).__name__}")
    base = options if options is not None else FactorOptions()
    settings = {k: v for k, v in settings.items()}
    return base.replace(**settings) if settings else base
