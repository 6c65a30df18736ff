"""Walk-forward optimisation: choose parameters on each train window, trade them on the next test window.

Fold ``i`` (``i = 0 .. folds-1``) tests on bars ``[train + i*test, train + (i+1)*test)``
of the price index and trains on the ``train`` bars before it (rolling) or on
every bar before it (``anchored=True``). All train points of all folds run as
one batch on the executor, then the chosen parameters of each fold run on
its test window (a fresh account with the same capital). The out-of-sample
returns of the test windows are stitched in time order.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.registry import check_dates, open_registry
from factorlab.sweeps._executors import run_tasks
from factorlab.sweeps._sweep import (
    SweepFailedError,
    SweepResult,
    as_strategy_class,
    check_objective,
    resolve_grid,
    results_table,
)
from factorlab.sweeps._task import Payload, Task

__all__ = ["WalkForwardResult", "fold_windows", "walk_forward"]


def fold_windows(n_bars: int, train: int, test: int, anchored: bool = False) -> list[tuple[int, int, int, int]]:
    """(train_lo, train_hi, test_lo, test_hi) bar positions per fold (hi exclusive).

    Examples
    --------
    >>> fold_windows(10, 4, 3)
    [(0, 4, 4, 7), (3, 7, 7, 10)]
    """
    for name, v in (("train", train), ("test", test)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
            raise ParameterError(f"{name} must be an integer number of bars >= 2, got {v!r}")
    folds = (n_bars - train) // test
    if folds < 1:
        raise ParameterError(f"walk-forward needs at least train + test = {train + test} bars; the prices "
                             f"have {n_bars}")
    out = []
    for i in range(folds):
        lo = train + i * test
        out.append((0 if anchored else lo - train, lo, lo, lo + test))
    return out


@dataclass(frozen=True, eq=False)
class WalkForwardResult:
    """Outcome of :func:`walk_forward`.

    Attributes
    ----------
    folds : pd.DataFrame, shape (folds, ...)
        Index ``fold``; train_start, train_end, test_start, test_end (dates,
        inclusive), the chosen parameters, ``train_<objective>`` (in sample),
        ``test_<objective>`` (out of sample), test_run_id.
    returns : pd.Series
        Stitched out-of-sample per-bar returns of the test windows (0.01 = 1%).
    capital : float
    sweeps : tuple of SweepResult
        The ranked train-window sweep of every fold.
    objective : str
    param_names : tuple of str
    """

    folds: pd.DataFrame
    returns: pd.Series = field(repr=False)
    capital: float
    sweeps: tuple[SweepResult, ...] = field(repr=False)
    objective: str
    param_names: tuple[str, ...]
    periods_per_year: float | None = None

    @cached_property
    def equity(self) -> pd.Series:
        """Out-of-sample equity: ``capital * cumprod(1 + returns)`` (currency)."""
        return (self.capital * (1.0 + self.returns).cumprod()).rename("equity")

    def save_equity(self, path):
        """Write the stitched out-of-sample equity and returns per bar to ``.csv`` or ``.parquet``
        (by the file name, as :meth:`BacktestResult.save_equity`); returns the path."""
        from factorlab.backtest._result import write_frame

        frame = pd.DataFrame({"equity": self.equity, "return": self.returns})
        frame.index.name = "date"
        return write_frame(frame, path, index=True)

    @cached_property
    def stats(self) -> pd.Series:
        """:func:`factorlab.metrics.summary_stats` of the stitched out-of-sample returns."""
        from factorlab.metrics import bar_frequency, summary_stats

        ppy = self.periods_per_year if self.periods_per_year is not None else (
            252.0 if len(self.returns) < 3 else bar_frequency(self.returns.index).periods_per_year)
        return summary_stats(self.returns, periods_per_year=ppy)

    def tear_sheet(self, **kwargs):
        """The returns tear sheet (:func:`factorlab.create_returns_tear_sheet`) of the stitched
        out-of-sample returns, with the folds' chosen parameters listed."""
        from factorlab.report import create_returns_tear_sheet

        chosen = {f"fold {f} ({row['test_start']:%Y-%m-%d})": ", ".join(f"{n}={row[n]!r}"
                                                                       for n in self.param_names)
                  for f, row in self.folds.iterrows()}
        kwargs.setdefault("parameters", chosen)
        kwargs.setdefault("title", "Walk-forward: out-of-sample returns")
        if self.periods_per_year is not None:
            kwargs.setdefault("periods_per_year", self.periods_per_year)
        return create_returns_tear_sheet(self.returns, capital=self.capital, **kwargs)

    def summary(self) -> pd.DataFrame:
        """The folds table."""
        return self.folds

    def __repr__(self) -> str:
        total = float((1.0 + self.returns).prod() - 1.0)
        return (f"WalkForwardResult({len(self.folds)} folds, {len(self.returns)} out-of-sample bars, "
                f"total return {total:.4%})")

    def _repr_html_(self) -> str:
        return "<b>Walk-forward</b>" + self.folds.to_html()


def _fold_sweeps(outputs: list[dict], n_points: int, names: list[str], objective: str, spec: str,
                 group_id: str, n_folds: int) -> list[SweepResult]:
    return [SweepResult(table=results_table(outputs[f * n_points:(f + 1) * n_points], names, objective),
                        param_names=tuple(names), objective=objective, strategy=spec,
                        sweep_id=f"{group_id}-fold{f}") for f in range(n_folds)]


def walk_forward(strategy, prices: pd.DataFrame, grid: Mapping | None = None, *, train: int = 504,
                 test: int = 126, anchored: bool = False, objective: str = "sharpe", jobs: int = 1,
                 executor: str = "local", scheduler=None, benchmark: pd.Series | None = None,
                 capital: float = 1_000_000, track: bool = False, registry=None, progress: bool = True,
                 start=None, end=None, **backtest_kwargs) -> WalkForwardResult:
    """Optimise on each train window, test out of sample, stitch the test windows.

    Parameters
    ----------
    strategy : Strategy subclass or 'module:Class'
    prices : pd.DataFrame, shape (bars, assets)
    grid : dict name -> list of values, optional
        Default: the class's ``sweep_grid``.
    train, test : int
        Window lengths in bars (504 / 126 = two years / six months of daily bars).
    anchored : bool
        Train on every bar before the test window instead of the last ``train``.
    objective, jobs, executor, scheduler, benchmark, track, registry, progress
        As in :func:`sweep`.
    capital : float, default 1,000,000
        Starting capital of every run.
    start, end : timestamp-like, optional
        First and last bar of the walk-forward (inclusive): fold 0 trains
        from ``start``, the last fold tests up to ``end`` at the latest.
        Bars before ``start`` stay visible as history (``warmup``).
    **backtest_kwargs
        Passed to :func:`factorlab.backtest`.

    Returns
    -------
    WalkForwardResult
    """
    cls = as_strategy_class(strategy)
    check_objective(objective)
    grid = resolve_grid(cls, grid)
    check_dates(prices.index, start, end)
    first = 0 if start is None else int(prices.index.searchsorted(pd.Timestamp(start), side="left"))
    stop = len(prices.index) if end is None else int(prices.index.searchsorted(pd.Timestamp(end), side="right"))
    windows = [tuple(first + w for w in win) for win in fold_windows(stop - first, train, test, anchored)]
    points = cls.param_grid(grid)
    reg = open_registry(registry).root if track else None
    group_id = "wf-" + uuid.uuid4().hex[:8]
    payload = Payload.build(cls, prices, benchmark, dict(backtest_kwargs, capital=capital), reg, group_id)
    train_tasks = [Task(f * len(points) + i, p, lo, hi)
                   for f, (lo, hi, _, _) in enumerate(windows) for i, p in enumerate(points)]
    outputs = run_tasks(payload, train_tasks, jobs=jobs, executor=executor, scheduler=scheduler,
                        progress=progress, desc="walk-forward train")
    sweeps = _fold_sweeps(outputs, len(points), list(grid), objective, payload.spec, group_id, len(windows))
    test_tasks = [Task(f, s.best_params, lo, hi, want_returns=True)
                  for f, (s, (_, _, lo, hi)) in enumerate(zip(sweeps, windows))]
    tested = run_tasks(payload, test_tasks, jobs=jobs, executor=executor, scheduler=scheduler,
                       progress=progress, desc="walk-forward test")
    failed = [t for t in tested if t["status"] != "finished"]
    if failed:
        raise SweepFailedError(f"out-of-sample run of fold {failed[0]['key']} failed (run "
                               f"{failed[0]['run_id']}): {failed[0]['error']}")
    idx = prices.index
    rows = []
    for f, (s, t, (a, b, c, d)) in enumerate(zip(sweeps, tested, windows)):
        rows.append({"fold": f, "train_start": idx[a], "train_end": idx[b - 1], "test_start": idx[c],
                     "test_end": idx[d - 1], **s.best_params,
                     f"train_{objective}": float(s.best[objective]),
                     f"test_{objective}": t["metrics"].get(objective, np.nan), "test_run_id": t["run_id"]})
    folds = pd.DataFrame(rows).set_index("fold")
    returns = pd.concat([t["returns"] for t in tested]).rename("return")
    return WalkForwardResult(folds=folds, returns=returns, capital=float(capital), sweeps=tuple(sweeps),
                             objective=objective, param_names=tuple(grid),
                             periods_per_year=backtest_kwargs.get("periods_per_year"))
