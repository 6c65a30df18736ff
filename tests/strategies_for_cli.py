"""Small strategies used by the CLI, registry and sweep tests through ``--strategy strategies_for_cli:...``.

The tests copy this file into a temporary working directory and run the
console script there, as a user would run ``factorlab run`` next to their own
strategy module.
"""

from __future__ import annotations

import os
import time
from typing import ClassVar

import pandas as pd

from factorlab.backtest import FactorStrategy, Strategy


class Reversal(FactorStrategy):
    """Short-term reversal: the factor is minus the ``lookback``-bar return, traded as N sleeves.

    The factor at bar t uses prices up to t only.
    """

    lookback = 5
    period = 5
    sweep_grid: ClassVar[dict] = {"lookback": [5, 20], "period": [1, 5]}

    def __init__(self, **params) -> None:
        Strategy.__init__(self, **params)
        self.factor = None

    def initialize(self, ctx) -> None:
        self.factor = ctx.precompute(self.reversal)  # checked: row t uses prices up to t only
        super().initialize(ctx)

    def reversal(self, close: pd.DataFrame) -> pd.DataFrame:
        return -(close / close.shift(int(self.lookback)) - 1.0)


class Slow(Strategy):
    """Does nothing but sleep ``pause`` seconds per bar; writes ``started.flag`` once running."""

    pause = 0.05

    def initialize(self, ctx) -> None:
        open("started.flag", "w").close()

    def on_data(self, ctx, data) -> None:
        time.sleep(float(self.pause))


class Broken(Strategy):
    """Raises on its first bar (a failed run)."""

    def on_data(self, ctx, data) -> None:
        raise RuntimeError("broken on purpose")


def pid() -> int:
    return os.getpid()


class Fragile(Strategy):
    """Buys and holds equal weights, or fails on purpose by ``mode``: 'ok' runs (sleeping ``pause`` s per
    bar), 'init' raises in the constructor, 'data' raises a RuntimeError on the first bar, 'param' a
    factorlab ParameterError there."""

    mode = "ok"
    pause = 0.0

    def __init__(self, **params) -> None:
        super().__init__(**params)
        if self.mode == "init":
            raise RuntimeError("constructor broken on purpose")

    def initialize(self, ctx) -> None:
        self.held = False

    def on_data(self, ctx, data) -> None:
        if not self.held:  # buy and hold equal weights, so the run has returns and trades
            ctx.order_target_weights(pd.Series(1.0 / len(ctx.assets), index=ctx.assets))
            self.held = True
        if self.mode == "data":
            raise RuntimeError("on_data broken on purpose")
        if self.mode == "param":
            from factorlab.errors import ParameterError

            raise ParameterError("a bad setting found by the strategy on purpose")
        if self.pause:
            time.sleep(float(self.pause))
