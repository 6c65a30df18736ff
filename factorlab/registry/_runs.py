"""Recording backtests in the registry and reading them back: ``runs()``, ``load_run()``, ``tracked_backtest()``."""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from factorlab.backtest import BacktestResult, Strategy, backtest
from factorlab.errors import RegistryWarning
from factorlab.registry._errors import DateRangeError, RegistryError, StrategyLoadError
from factorlab.registry._fingerprint import code_version, data_fingerprint
from factorlab.registry._store import RunRegistry

__all__ = [
    "RUN_METRICS",
    "StoredRun",
    "check_dates",
    "delete_run",
    "load_run",
    "load_strategy",
    "open_registry",
    "record_result",
    "runs",
    "strategy_spec",
    "tracked_backtest",
]

RUN_METRICS = ("total_return", "cagr", "annual_volatility", "sharpe", "sortino", "calmar", "max_drawdown",
               "psr", "mean_turnover", "total_commission", "orders", "fills")

_OPEN: dict[str, RunRegistry] = {}


def open_registry(registry=None, *, create: bool = True) -> RunRegistry:
    """A :class:`RunRegistry` from an instance, a path or None (the default folder).

    ``create=True`` (the writers) creates a missing registry; the instance is
    cached per process. ``create=False`` (the readers) raises
    :class:`RegistryError` when there is no registry at the path and opens one
    that cannot be written read-only; it is opened afresh on every call.
    """
    if isinstance(registry, RunRegistry):
        return registry
    if not create:
        return RunRegistry(registry, create=False)
    reg = RunRegistry(registry)
    key = f"{os.getpid()}:{reg.db_path.resolve()}"
    return _OPEN.setdefault(key, reg)


@dataclass(frozen=True, eq=False)
class StoredRun:
    """A run read back from the registry; the Parquet files are read lazily.

    Attributes
    ----------
    record : dict
        The registry row: id, created, status, strategy, params, data_fingerprint,
        code_version, error, metrics, settings.
    registry : RunRegistry
    """

    record: dict
    registry: RunRegistry = field(repr=False)

    @property
    def id(self) -> str:
        return self.record["id"]

    @property
    def status(self) -> str:
        return self.record["status"]

    @property
    def params(self) -> dict:
        return dict(self.record["params"])

    @property
    def stats(self) -> pd.Series:
        """Metrics stored at the end of the run (NaN for metrics that were undefined)."""
        return pd.Series(self.record["metrics"], dtype="float64", name=self.id)

    @cached_property
    def equity(self) -> pd.Series:
        """Account value per bar (currency)."""
        return self.registry.read_artifact(self.id, "equity").iloc[:, 0].rename("equity")

    @cached_property
    def returns(self) -> pd.Series:
        """Per-bar returns (0.01 = 1%)."""
        return self.registry.read_artifact(self.id, "returns").iloc[:, 0].rename("return")

    @cached_property
    def trades(self) -> pd.DataFrame:
        """Every fill of the run (as :attr:`BacktestResult.trades`)."""
        return self.registry.read_artifact(self.id, "trades")

    @cached_property
    def orders(self) -> pd.DataFrame:
        """Every order of the run (as :attr:`BacktestResult.orders`)."""
        return self.registry.read_artifact(self.id, "orders")

    @cached_property
    def warnings(self) -> pd.DataFrame:
        """What the run met (as :attr:`BacktestResult.warnings_table`); empty for runs recorded before
        warnings were kept."""
        return self._optional_artifact("warnings", ["kind", "asset", "start", "end", "message"])

    @cached_property
    def log(self) -> pd.DataFrame:
        """The strategy's ``ctx.log`` messages (as :attr:`BacktestResult.log`)."""
        return self._optional_artifact("log", ["time", "bar", "strategy", "level", "message"])

    def _optional_artifact(self, name: str, columns: list[str]) -> pd.DataFrame:
        if not (self.registry.run_dir(self.id) / f"{name}.parquet").exists():
            return pd.DataFrame({c: [] for c in columns})
        return self.registry.read_artifact(self.id, name)

    def summary(self) -> pd.DataFrame:
        """The record's fields and metrics as a one-column table."""
        rec = {k: v for k, v in self.record.items() if k not in ("metrics", "settings")}
        rows = {**rec, **{f"metric: {k}": v for k, v in self.record["metrics"].items()}}
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)})

    def __repr__(self) -> str:
        return f"StoredRun({self.id}, {self.record['strategy']}, {self.status})"

    def _repr_html_(self) -> str:
        return f"<b>Run {self.id}</b>" + self.summary().to_html()


def runs(registry=None) -> pd.DataFrame:
    """Every recorded run as a DataFrame (index ``id``), oldest first.

    Columns: created, finished (UTC), status ('running', 'finished', 'failed',
    'interrupted'), kind, strategy, params (JSON), data_fingerprint,
    code_version, error, group_id (sweep / walk-forward id), then
    total_return, cagr, sharpe, sortino, max_drawdown, calmar, psr.

    A registry that cannot be written is read read-only (runs whose final
    database write failed show the outcome stored next to their files).

    Raises
    ------
    RegistryError
        No registry at that path (a missing one is not created), or it cannot be read.
    """
    return open_registry(registry, create=False).table()


def load_run(run_id: str, registry=None) -> StoredRun:
    """The stored result of one run (an id or a unique prefix of at least 4 characters).

    Raises
    ------
    RegistryError
        No registry at that path (a missing one is not created).
    RunNotFoundError
    CorruptRunError
        When one of its Parquet files is accessed and cannot be read.
    """
    reg = open_registry(registry, create=False)
    return StoredRun(reg.record(run_id), reg)


def delete_run(run_id: str, registry=None) -> None:
    """Delete a run's row and files."""
    reg = open_registry(registry, create=False)
    reg.delete(reg.record(run_id)["id"])


def result_metrics(result: BacktestResult) -> dict[str, float]:
    """The stored metrics of a finished backtest (subset of ``result.stats``)."""
    s = result.stats
    return {k: float(s[k]) for k in RUN_METRICS if k in s.index}


def record_result(reg: RunRegistry, run_id: str, result: BacktestResult) -> str | None:
    """Record a finished result: its Parquet files, its ``outcome.json``, then the row ``finished``.

    Returns None when all of it was written, else a message saying what could
    not be written and where the result is. Nothing computed is lost:

    - files not writable (folder, disk): the row says ``failed`` with this
      message and keeps the metrics;
    - database not writable: the files and the outcome are on disk and are
      applied when the registry is next opened with write access.
    """
    metrics = result_metrics(result)
    folder = reg.run_dir(run_id)
    try:
        reg.save_artifacts(run_id, {"equity": result.equity.to_frame(), "returns": result.returns.to_frame(),
                                    "trades": result.trades, "orders": result.orders,
                                    "warnings": result.warnings_table, "log": result.log})
        reg.write_outcome(run_id, "finished", metrics)
    except (OSError, ValueError) as exc:  # OSError: permissions, disk full; ValueError: pyarrow's ArrowInvalid
        problem = (f"run {run_id} finished but its result could not be saved in {folder} "
                   f"({type(exc).__name__}: {exc}); its metrics are kept in the registry")
        try:
            reg.fail(run_id, problem, metrics=metrics)
        except RegistryError as db_exc:
            problem += f", which could not be updated either ({db_exc})"
        return problem
    try:
        reg.finish(run_id, metrics)
    except RegistryError as exc:
        return (f"run {run_id} finished and its files are in {folder}, but {reg.db_path} could not be updated "
                f"({exc}); it is recorded finished the next time the registry is opened with write access")
    return None


def strategy_spec(strategy) -> str:
    """``module:Class`` of a Strategy class or instance."""
    cls = strategy if isinstance(strategy, type) else type(strategy)
    return f"{cls.__module__}:{cls.__qualname__}"


def load_strategy(spec: str, path: str | os.PathLike | None = None) -> type[Strategy]:
    """Import a Strategy subclass from ``'module:Class'`` (``path`` is put first on ``sys.path``).

    Raises
    ------
    StrategyLoadError
        Bad spec, module not importable, no such class, or not a Strategy subclass.
    """
    module_name, sep, qualname = str(spec).partition(":")
    if not sep or not module_name or not qualname:
        raise StrategyLoadError(f"strategy {spec!r} must be given as module:Class, e.g. my_strategy:MyStrategy")
    if path is not None and str(path) not in sys.path:
        sys.path.insert(0, str(path))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name != module_name and not module_name.startswith(exc.name + "."):
            raise StrategyLoadError(f"module {module_name!r} of strategy {spec!r} imports {exc.name!r}, which "
                                    f"is not installed ({exc})") from exc
        raise StrategyLoadError(f"cannot import module {module_name!r} for strategy {spec!r} ({exc}); run from "
                                "the directory that holds it or add it to PYTHONPATH") from exc
    except SyntaxError as exc:
        raise StrategyLoadError(f"module {module_name!r} of strategy {spec!r} has a syntax error: {exc.msg} "
                                f"({exc.filename}, line {exc.lineno})") from exc
    except Exception as exc:  # the module's own top-level code raised: a bad strategy file, reported as such
        raise StrategyLoadError(f"importing module {module_name!r} of strategy {spec!r} raised "
                                f"{type(exc).__name__}: {exc}") from exc
    obj = module
    for part in qualname.split("."):
        if not hasattr(obj, part):
            found = sorted(n for n, v in vars(module).items()
                           if isinstance(v, type) and issubclass(v, Strategy) and v is not Strategy)
            raise StrategyLoadError(f"module {module_name!r} has no class {qualname!r}; "
                                    f"Strategy classes in it: {found}")
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Strategy)):
        raise StrategyLoadError(f"{spec!r} is not a factorlab.Strategy subclass (got {type(obj).__name__})")
    return obj


def check_dates(index: pd.DatetimeIndex, start=None, end=None) -> None:
    """Raise :class:`DateRangeError` when ``start``/``end`` fall outside ``index`` or are in the wrong order."""
    first, last = index[0], index[-1]
    span = f"the prices cover {first.date()} .. {last.date()}"
    try:
        lo = None if start is None else pd.Timestamp(start)
        hi = None if end is None else pd.Timestamp(end)
    except (ValueError, TypeError) as exc:
        raise DateRangeError(f"cannot parse start/end {start!r}/{end!r} as dates ({exc})") from exc
    for name, ts in (("start", lo), ("end", hi)):
        if ts is not None and not (first <= ts <= last):
            raise DateRangeError(f"{name} {ts.date()} is outside the data: {span}")
    if lo is not None and hi is not None and lo > hi:
        raise DateRangeError(f"start {lo.date()} is after end {hi.date()}")


#: The backtest settings a tracked run records (with its parameters): every one that changes its numbers.
_RECORDED_SETTINGS = ("start", "end", "capital", "delay", "fractional", "commission", "slippage", "warmup",
                      "volume_limit", "unfilled", "margin", "periods_per_year", "min_order_size")


def tracked_backtest(strategy, prices, *, params: Mapping | None = None, track: bool = True, registry=None,
                     benchmark: pd.Series | None = None, group_id: str | None = None,
                     **kwargs) -> BacktestResult:
    """:func:`factorlab.backtest` that records the run in the registry.

    Parameters
    ----------
    strategy : Strategy class or instance
    prices : pd.DataFrame, shape (bars, assets)
    params : dict, optional
        Parameter overrides.
    track : bool, default True
        False runs the backtest without recording it.
    registry : RunRegistry, path or None
        Where to record (default ``./.factorlab``).
    benchmark : pd.Series, optional
    group_id : str, optional
        Sweep or walk-forward id the run belongs to.
    **kwargs
        Passed to :func:`factorlab.backtest` (start, end, capital, ...).

    Returns
    -------
    BacktestResult
        ``result.settings['run_id']`` holds the registry id when tracked.
        A run that raises is recorded ``failed`` with the error, which is
        re-raised with the id as its ``run_id`` attribute. A run that finished
        but could not be recorded (see :func:`record_result`) is still
        returned: ``result.settings['record_error']`` says what was not
        written and where the result is, and a :class:`RegistryWarning` is issued.
    """
    close = prices["close"] if isinstance(prices, Mapping) else prices
    check_dates(close.index, kwargs.get("start"), kwargs.get("end"))
    if not track:
        return backtest(strategy, prices, benchmark=benchmark, params=params, **kwargs)
    reg = open_registry(registry)
    cls = strategy if isinstance(strategy, type) else type(strategy)
    shown = {**(strategy.params if isinstance(strategy, Strategy) else cls.param_defaults()), **dict(params or {})}
    shown.pop("sweep_grid", None)  # the class's grid for sweeps, not a parameter of this run
    settings = {k: v for k, v in kwargs.items() if k in _RECORDED_SETTINGS}
    run_id = reg.start(strategy_spec(cls), shown, data_fingerprint=data_fingerprint(prices, benchmark, settings),
                       code_version=code_version(cls), settings=settings, group_id=group_id)
    try:
        result = backtest(strategy, prices, benchmark=benchmark, params=params, **kwargs)
    except KeyboardInterrupt as exc:
        _record_stop(reg, run_id, exc, "interrupted by the user (KeyboardInterrupt)", "interrupted")
        raise
    except Exception as exc:  # the strategy's code can raise anything: recorded failed, then re-raised
        _record_stop(reg, run_id, exc, exc, "failed")
        raise
    result.settings["run_id"] = run_id
    problem = record_result(reg, run_id, result)
    if problem is not None:
        result.settings["record_error"] = problem
        warnings.warn(problem, RegistryWarning, stacklevel=2)
    return result


def _record_stop(reg: RunRegistry, run_id: str, exc: BaseException, error, status: str) -> None:
    """Record a run that stopped with ``exc``; the id goes on the exception (``exc.run_id``), and a
    registry that cannot record it adds a note instead of hiding the run's own error."""
    exc.run_id = run_id
    try:
        reg.fail(run_id, error, status=status)
    except RegistryError as db_exc:
        exc.add_note(f"run {run_id} could not be recorded {status}: {db_exc}")
