"""Parameter sweeps: every combination of a grid, backtested, recorded and ranked."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from factorlab.backtest import Strategy
from factorlab.errors import FactorlabError, ParameterError, SweepInterrupted
from factorlab.registry import RUN_METRICS, check_dates, load_strategy, open_registry
from factorlab.sweeps._executors import run_tasks
from factorlab.sweeps._overfit import grid_points, overfitting_stats
from factorlab.sweeps._task import OBJECTIVES, Payload, Task

__all__ = ["SweepFailedError", "SweepResult", "check_objective", "resolve_grid", "results_table", "sweep"]


class SweepFailedError(FactorlabError):
    """No point of a sweep finished, so there is no best point (every point's error is in the table)."""


def check_objective(objective: str) -> str:
    """Validate an objective name ('sharpe', 'sortino', 'cagr', 'calmar', 'psr')."""
    if objective not in OBJECTIVES:
        raise ParameterError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    return objective


def as_strategy_class(strategy) -> type[Strategy]:
    """A Strategy subclass from a class or a ``'module:Class'`` string."""
    if isinstance(strategy, str):
        return load_strategy(strategy)
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        return strategy
    raise ParameterError(f"sweeps need a Strategy subclass or 'module:Class', got {type(strategy).__name__}; "
                         "parameters are set per point on fresh instances")


def resolve_grid(cls: type[Strategy], grid: Mapping | None) -> dict[str, list]:
    """The grid to sweep: ``grid`` or the class's ``sweep_grid``, checked against its parameters."""
    if grid is None:
        grid = getattr(cls, "sweep_grid", None)
        if not grid:
            raise ParameterError(f"no grid given and {cls.__name__} has no sweep_grid; pass grid= "
                                 "(CLI: --grid name=v1,v2)")
    out = {str(k): list(v) for k, v in dict(grid).items()}
    empty = [k for k, v in out.items() if not v]
    if empty:
        raise ParameterError(f"grid values for {empty} are empty")
    cls.param_grid(out)  # raises ParameterError on unknown names
    return out


def results_table(outputs: list[dict], names: list[str], objective: str) -> pd.DataFrame:
    """Ranked table from task outputs in grid order: finished points best first (NaN objective last),
    then the failed, interrupted and cancelled ones in grid order."""
    rows = []
    for o in outputs:
        row = {n: o["params"][n] for n in names}
        metrics = o.get("metrics") or {}
        row.update({m: metrics.get(m, np.nan) for m in RUN_METRICS})
        row["deflated_sharpe"] = float(o.get("deflated_sharpe", np.nan))
        row.update(status=o["status"], error=o["error"], run_id=o["run_id"])
        rows.append(row)
    table = pd.DataFrame(rows)
    for m in RUN_METRICS:
        table[m] = table[m].astype("float64")
    score = table[objective].where(table["status"] == "finished").fillna(-np.inf).to_numpy()
    order = np.lexsort((-score, (table["status"] != "finished").to_numpy()))
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Outcome of :func:`sweep`.

    Attributes
    ----------
    table : pd.DataFrame, shape (points, ...)
        One row per grid point, best ``objective`` first: rank, the parameters,
        the metrics (total_return, cagr, sharpe, sortino, calmar, max_drawdown,
        psr, ...), status ('finished' or 'failed'), error, run_id.
    param_names : tuple of str
    objective : str
    strategy : str
        ``module:Class``.
    sweep_id : str
        Group id of the recorded runs (``fl.runs()['group_id']``).
    overfitting : pd.Series or None
        Defences against choosing the best of many trials: n_trials, pbo
        (probability of backtest overfitting by combinatorially symmetric
        cross-validation), pbo_splits, best_deflated_sharpe (the deflated Sharpe
        ratio over the trials of the point with the highest Sharpe) and sharpe_variance (of the
        trials' per-bar Sharpe ratios); the table's ``deflated_sharpe`` column
        has every point's (:func:`factorlab.sweeps.overfitting_stats`).
    """

    table: pd.DataFrame = field(repr=False)
    param_names: tuple[str, ...]
    objective: str
    strategy: str
    sweep_id: str
    overfitting: pd.Series | None = field(default=None, repr=False)

    @property
    def best(self) -> pd.Series:
        """The best row of :attr:`table`.

        Raises
        ------
        SweepFailedError
            No point finished.
        """
        row = self.table.iloc[0]
        if row["status"] != "finished":
            raise SweepFailedError(f"no point of the sweep of {self.strategy} finished ({len(self.table)} "
                                   f"{row['status']}); first error: {row['error']}")
        return row

    @property
    def best_params(self) -> dict:
        """Parameters of the best point (native Python values)."""
        row = self.best
        return {n: (row[n].item() if hasattr(row[n], "item") else row[n]) for n in self.param_names}

    def pivot(self, metric: str | None = None) -> pd.DataFrame:
        """``metric`` (default: the objective) as a grid: rows = first parameter, columns = second."""
        if len(self.param_names) != 2:
            raise ParameterError(f"a heatmap needs a two-parameter grid; this sweep has {list(self.param_names)}")
        metric = metric or self.objective
        if metric not in self.table.columns:
            raise ParameterError(f"unknown metric {metric!r}; choose from {list(RUN_METRICS)}")
        a, b = self.param_names
        return self.table.pivot(index=a, columns=b, values=metric).sort_index().sort_index(axis=1)

    def plot_heatmap(self, metric: str | None = None, *, ax=None, **style):
        """Heatmap of ``metric`` over a two-parameter grid (:func:`factorlab.plotting.plot_sweep_heatmap`)."""
        from factorlab.plotting._sweeps import plot_sweep_heatmap

        return plot_sweep_heatmap(self.pivot(metric), ax=ax, title=f"{metric or self.objective} by parameters",
                                  **style)

    def summary(self) -> pd.DataFrame:
        """The ranked table without the error column."""
        return self.table.drop(columns=["error"])

    @property
    def failed(self) -> pd.DataFrame:
        """The rows of points that did not finish (failed, interrupted, cancelled) with their error."""
        return self.table[self.table["status"] != "finished"]

    def __repr__(self) -> str:
        if self.table.empty or self.table["status"].iloc[0] != "finished":
            return f"SweepResult({self.strategy}, {len(self.table)} points, none finished)"
        return (f"SweepResult({self.strategy}, {len(self.table)} points, best {self.objective} "
                f"{self.best[self.objective]:.4f} at {self.best_params})")

    def _repr_html_(self) -> str:
        return f"<b>Sweep of {self.strategy} by {self.objective}</b>" + self.summary().to_html(index=False)


def sweep(strategy, prices: pd.DataFrame, grid: Mapping | None = None, *, objective: str = "sharpe",
          jobs: int = 1, executor: str = "local", scheduler=None, start=None, end=None,
          benchmark: pd.Series | None = None, track: bool = False, registry=None, progress: bool = True,
          n_trials: int | None = None, seed: int | None = None, pbo_splits: int = 8,
          **backtest_kwargs) -> SweepResult:
    """Backtest every combination of ``grid`` and rank them by ``objective``.

    Parameters
    ----------
    strategy : Strategy subclass or 'module:Class'
    prices : pd.DataFrame, shape (bars, assets)
    grid : dict name -> list of values, optional
        Default: the class attribute ``sweep_grid``.
    objective : {'sharpe', 'sortino', 'cagr', 'calmar', 'psr'}
    jobs : int, default 1
        Local worker processes.
    executor : {'local', 'dask'}
        'dask' runs on the ``dask.distributed`` cluster at ``scheduler``.
    scheduler : str or distributed.Client, optional
    start, end : timestamp-like, optional
    benchmark : pd.Series, optional
    track : bool, default False
        Record every point in the run registry (off by default, as in
        :func:`factorlab.backtest` and :func:`walk_forward`; the command line
        records by default).
    registry : path or RunRegistry, optional
    progress : bool
        tqdm progress bar.
    **backtest_kwargs
        Passed to :func:`factorlab.backtest` (capital, delay, fractional, ...).
    n_trials : int, optional
        Random search: run ``n_trials`` points drawn without replacement from
        the grid (all of it when it has fewer), for grids too large to run whole.
    seed : int, optional
        Seed of the random search (the same seed draws the same points).
    pbo_splits : int, default 8
        Blocks of the combinatorially symmetric cross-validation behind the
        probability of backtest overfitting (even; fewer on short data).

    Returns
    -------
    SweepResult
        A point whose strategy raises (constructor included) is a 'failed'
        row with its error and run id; the other points still run.

    Raises
    ------
    SweepInterrupted
        Ctrl-C: queued points cancelled, running ones recorded interrupted;
        ``.result`` is the partial SweepResult.
    """
    cls = as_strategy_class(strategy)
    check_objective(objective)
    grid = resolve_grid(cls, grid)
    check_dates(prices.index, start, end)
    reg = open_registry(registry).root if track else None
    sweep_id = "sweep-" + uuid.uuid4().hex[:8]
    payload = Payload.build(cls, prices, benchmark, dict(backtest_kwargs, start=start, end=end), reg, sweep_id)
    tasks = [Task(i, p, want_returns=True) for i, p in enumerate(grid_points(cls, grid, n_trials, seed))]
    try:
        outputs = run_tasks(payload, tasks, jobs=jobs, executor=executor, scheduler=scheduler,
                            progress=progress, desc=f"sweep {cls.__name__}")
    except SweepInterrupted as stop:
        partial = SweepResult(table=results_table(stop.result, list(grid), objective), param_names=tuple(grid),
                              objective=objective, strategy=payload.spec, sweep_id=sweep_id)
        raise SweepInterrupted(str(stop), partial) from None
    overfit = overfitting_stats(outputs, pbo_splits)  # also sets each output's deflated_sharpe
    table = results_table(outputs, list(grid), objective)
    return SweepResult(table=table, param_names=tuple(grid), objective=objective, strategy=payload.spec,
                       sweep_id=sweep_id, overfitting=overfit)
