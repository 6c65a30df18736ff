"""Exceptions raised by the backtester (all subclasses of :class:`factorlab.errors.FactorlabError`)."""

from __future__ import annotations

from factorlab.errors import FactorlabError, ParameterError

__all__ = ["BacktestError", "StrategyError", "OrderError", "UnknownAssetError", "InsufficientCashError",
           "LookAheadError", "ParameterError"]


class BacktestError(FactorlabError):
    """A backtest could not run to the end; no result is returned."""


class StrategyError(BacktestError):
    """The strategy raised inside a callback.

    Attributes
    ----------
    bar : int
        Position of the bar in the price index.
    time : pd.Timestamp
        Timestamp of the bar.
    strategy_traceback : str
        The formatted traceback of the strategy's exception.
    """

    def __init__(self, message: str, bar: int, time, strategy_traceback: str) -> None:
        super().__init__(message)
        self.bar, self.time, self.strategy_traceback = bar, time, strategy_traceback


class OrderError(BacktestError, ValueError):
    """An order is malformed: NaN or infinite size, bad kind, order outside a run."""


class UnknownAssetError(OrderError, KeyError):
    """An order names an asset that is not a column of the prices."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InsufficientCashError(BacktestError):
    """Fills left the account with negative cash while ``margin=False``."""


class LookAheadError(BacktestError):
    """A strategy's precomputed signal at bar t changed when prices after t were removed."""
