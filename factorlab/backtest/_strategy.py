"""Strategy base class, parameters, and Combine (several strategies splitting the capital).

A strategy is a class whose public class attributes are its parameters::

    class MeanReversion(fl.Strategy):
        lookback = 20          # parameters: class attributes ...
        top = 10

        def initialize(self, ctx):
            ctx.schedule(self.rebalance, on="week_start")

        def rebalance(self, ctx, data):
            past = data.history(bar_count=self.lookback)
            ...
            ctx.order_target_weights(weights)

    fl.run_backtest(MeanReversion(lookback=60), prices)        # ... overridden by params

The same mechanism serves Python (``Strategy(**params)``, ``backtest(..., params=)``),
the CLI (``Strategy.parse_params(["lookback=60"])``) and sweeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from factorlab.errors import ParameterError

__all__ = ["Strategy", "Combine"]


#: Class attributes that configure sweeps rather than the strategy itself.
_NOT_PARAMS = frozenset({"sweep_grid"})


def _is_param(name: str, value: object) -> bool:
    return name not in _NOT_PARAMS and not name.startswith("_") and not callable(value) and not isinstance(
        value, (property, classmethod, staticmethod))


class Strategy:
    """Base class of backtest strategies.

    Override :meth:`initialize` (once, before the first bar; schedule
    callbacks and open position books there) and/or :meth:`on_data` (every
    bar, after the scheduled callbacks). Both receive the run's
    :class:`~factorlab.backtest._context.Context`; ``on_data`` also the bar's
    :class:`~factorlab.backtest._context.BarData`, which sees prices up to
    the current bar only.

    Parameters
    ----------
    **params
        Values for the class's parameters (its public, non-callable class
        attributes); unknown names raise :class:`ParameterError`.
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj._init_args = (args, dict(kwargs))
        return obj

    def __init__(self, **params) -> None:
        self.set_params(**params)

    # ------------------------------------------------------------ parameters
    @classmethod
    def param_defaults(cls) -> dict[str, object]:
        """Parameter name -> class default, for every public class attribute below Strategy."""
        out: dict[str, object] = {}
        for klass in reversed(cls.__mro__):
            if klass in (object, Strategy) or not issubclass(klass, Strategy):
                continue
            out.update({k: v for k, v in vars(klass).items() if _is_param(k, v)})
        return out

    @property
    def params(self) -> dict[str, object]:
        """Current parameter values of this instance."""
        return {k: getattr(self, k) for k in self.param_defaults()}

    def set_params(self, **params) -> Strategy:
        """Override parameters on this instance; returns self."""
        known = self.param_defaults()
        bad = sorted(set(params) - set(known))
        if bad:
            raise ParameterError(f"{type(self).__name__} has no parameter(s) {bad}; "
                                 f"parameters: {sorted(known)}")
        for k, v in params.items():
            setattr(self, k, v)
        return self

    @classmethod
    def parse_params(cls, items: Iterable[str]) -> dict[str, object]:
        """Parse CLI ``key=value`` strings, converting each to its default's type.

        Examples
        --------
        >>> FactorStrategy.parse_params(["period=5", "long_short=false"])  # doctest: +SKIP
        {'period': 5, 'long_short': False}
        """
        known = cls.param_defaults()
        out: dict[str, object] = {}
        for item in items:
            key, sep, text = str(item).partition("=")
            if not sep or key not in known:
                raise ParameterError(f"bad parameter {item!r}: expected key=value with key in "
                                     f"{sorted(known)}")
            out[key] = _convert(text, known[key], key)
        return out

    @classmethod
    def param_grid(cls, grid: Mapping[str, Sequence]) -> list[dict[str, object]]:
        """Every combination of the values in ``grid`` (name -> list), checked against the parameters.

        Examples
        --------
        >>> runs = [fl.run_backtest(MyStrategy(**p), prices) for p in MyStrategy.param_grid(
        ...     {"lookback": [20, 60], "top": [5, 10]})]                   # doctest: +SKIP
        """
        import itertools

        known = cls.param_defaults()
        bad = sorted(set(grid) - set(known))
        if bad:
            raise ParameterError(f"{cls.__name__} has no parameter(s) {bad}; parameters: {sorted(known)}")
        names = list(grid)
        return [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[n]) for n in names))]

    def clone(self) -> Strategy:
        """A fresh, un-initialised copy built from the same constructor arguments and parameters."""
        args, kwargs = self._init_args
        twin = type(self)(*args, **kwargs)
        twin.set_params(**self.params)
        return twin

    # ------------------------------------------------------------- callbacks
    def initialize(self, ctx) -> None:
        """Called once before the first bar."""

    def on_data(self, ctx, data) -> None:
        """Called on every bar after the scheduled callbacks."""

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({ps})"


def _convert(text: str, default: object, key: str) -> object:
    try:
        if isinstance(default, bool):
            low = text.strip().lower()
            if low not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return low in ("true", "1", "yes")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        raise ParameterError(f"parameter {key}={text!r} is not a {type(default).__name__}") from None
    if default is None:
        low = text.strip().lower()
        if low == "none":
            return None
        for conv in (int, float):
            try:
                return conv(text)
            except ValueError:
                pass
    return text


class Combine(Strategy):
    """Run several strategies in one account, each on an equal share of the capital.

    Each child gets its own position book funded with ``capital / len(children)``
    and a context whose ``capital`` is that share; its orders go to its own
    books, so the children never net each other's positions in their books
    (the account holds the sum).

    Parameters
    ----------
    strategies : sequence of Strategy
    """

    def __init__(self, strategies: Sequence[Strategy]) -> None:
        super().__init__()
        kids = list(strategies)
        if not kids or not all(isinstance(s, Strategy) for s in kids):
            raise ParameterError("Combine needs a non-empty list of Strategy instances")
        self.strategies = kids
        self._contexts: list = []

    def clone(self) -> Combine:
        return Combine([s.clone() for s in self.strategies])

    def initialize(self, ctx) -> None:
        share = ctx.capital / len(self.strategies)
        self._contexts = []
        for s in self.strategies:
            book = ctx.open_books(1, share)[0]
            child = ctx.child(capital=share, book=book, owner=s)
            self._contexts.append(child)
            s.initialize(child)

    def on_data(self, ctx, data) -> None:
        for s, child in zip(self.strategies, self._contexts):
            ctx._call(s.on_data, child, data, owner=s)

    @property
    def name(self) -> str:
        return "Combine(" + ", ".join(s.name for s in self.strategies) + ")"

    def __repr__(self) -> str:
        return f"Combine({self.strategies!r})"


def as_strategy(strategy, params: Mapping | None) -> Strategy:
    """A Strategy instance from an instance, a class, or a list (-> Combine)."""
    if isinstance(strategy, (list, tuple)):
        if params:
            raise ParameterError("params= cannot be applied to a list of strategies; set them on each")
        return Combine([as_strategy(s, None) for s in strategy])
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        return strategy(**dict(params or {}))
    if isinstance(strategy, Strategy):
        if params:
            strategy = strategy.clone().set_params(**params)
        return strategy
    raise ParameterError(f"strategy must be a Strategy instance or class (or a list), "
                         f"got {type(strategy).__name__}")
