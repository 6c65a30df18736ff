"""One sweep point, run in whichever process the executor chose.

The payload (strategy reference, prices, settings) is sent once per worker;
each task only carries its parameters and its window, so a point costs one
backtest plus one registry record, wherever it runs.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from factorlab.registry import load_strategy, strategy_spec, tracked_backtest
from factorlab.registry._runs import result_metrics

__all__ = ["OBJECTIVES", "Payload", "Task", "cancelled_output", "run_task"]

OBJECTIVES = ("sharpe", "sortino", "cagr", "calmar", "psr")


def _import_root(cls: type) -> str | None:
    """The sys.path folder from which ``cls.__module__`` is importable (None if unknown)."""
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    if not file:
        return None
    root = Path(file).resolve().parent
    depth = cls.__module__.count(".") + (1 if Path(file).name == "__init__.py" else 0)
    for _ in range(depth):
        root = root.parent
    return str(root)


@dataclass(frozen=True)
class Payload:
    """Everything a worker needs besides the point: sent once per worker.

    Attributes
    ----------
    spec : str
        ``module:Class`` of the strategy.
    path : str or None
        Folder put on ``sys.path`` in the worker to import ``spec``.
    strategy_class : type or None
        The class itself when it cannot be imported by name (defined in ``__main__``).
    prices, benchmark
        As for :func:`factorlab.backtest`.
    kwargs : dict
        Other :func:`factorlab.backtest` arguments (capital, delay, ...).
    registry : str or None
        Registry folder, or None when runs are not tracked.
    group_id : str
        Sweep / walk-forward id stored with every run.
    """

    spec: str
    path: str | None
    strategy_class: type | None
    prices: pd.DataFrame = field(repr=False)
    benchmark: pd.Series | None = field(repr=False)
    kwargs: dict
    registry: str | None
    group_id: str

    @classmethod
    def build(cls, strategy: type, prices, benchmark, kwargs: Mapping, registry, group_id: str) -> Payload:
        spec = strategy_spec(strategy)
        by_value = strategy.__module__ == "__main__" or "<locals>" in strategy.__qualname__
        return cls(spec=spec, path=_import_root(strategy), strategy_class=strategy if by_value else None,
                   prices=prices, benchmark=benchmark, kwargs=dict(kwargs),
                   registry=None if registry is None else str(registry), group_id=group_id)

    def strategy(self) -> type:
        return self.strategy_class or load_strategy(self.spec, self.path)


@dataclass(frozen=True)
class Task:
    """One point: parameters and the replayed window (positions in the price index, end exclusive)."""

    key: int
    params: dict
    lo: int | None = None
    hi: int | None = None
    want_returns: bool = False


def _one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (a strategy's traceback stays in the registry's record)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def cancelled_output(task: Task, why: str = "the sweep was interrupted before this point started") -> dict:
    """The output of a point that never ran (status 'cancelled')."""
    return {"key": task.key, "params": dict(task.params), "status": "cancelled", "error": f"cancelled: {why}",
            "run_id": None}


def run_task(payload: Payload, task: Task, stop=None) -> dict:
    """Backtest one point; returns params, metrics, run id, status and a one-line error.

    A point whose strategy raises (in ``__init__`` or any callback) is
    'failed' and Ctrl-C during it makes it 'interrupted': both are recorded
    with their run id and returned, not raised, so one bad point never
    aborts a sweep. With ``stop`` (an Event) set, the point is 'cancelled'
    without starting.
    """
    if stop is not None and stop.is_set():
        return cancelled_output(task)
    index = payload.prices.index
    kwargs = dict(payload.kwargs, progress=False)
    if task.lo is not None:
        kwargs["start"] = index[task.lo]
        kwargs["warmup"] = min(int(kwargs.get("warmup", 0)), task.lo)
    if task.hi is not None:
        kwargs["end"] = index[task.hi - 1]
    out = {"key": task.key, "params": dict(task.params), "status": "finished", "error": None, "run_id": None}
    try:
        result = tracked_backtest(payload.strategy(), payload.prices, params=task.params,
                                  track=payload.registry is not None, registry=payload.registry,
                                  benchmark=payload.benchmark, group_id=payload.group_id, **kwargs)
    except KeyboardInterrupt as exc:
        out.update(status="interrupted", error="interrupted by the user (KeyboardInterrupt)",
                   run_id=getattr(exc, "run_id", None))
        return out
    except Exception as exc:  # noqa: BLE001 - a strategy can raise anything: a failed point, recorded with its error
        out.update(status="failed", error=_one_line(exc), run_id=getattr(exc, "run_id", None))
        return out
    out["metrics"] = result_metrics(result)
    out["run_id"] = result.settings.get("run_id")
    if task.want_returns:
        out["returns"] = result.returns
    return out
