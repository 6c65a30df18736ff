"""The run registry: every tracked run in ``.factorlab/runs.db`` (SQLite, WAL) plus Parquet files.

::

    res = tracked_backtest(MyStrategy, prices, params={"lookback": 60})
    runs()                         # DataFrame of every run
    load_run(res.settings["run_id"]).equity
"""

from __future__ import annotations

from factorlab.registry._errors import (
    CorruptRunError,
    DateRangeError,
    RegistryError,
    RunNotFoundError,
    StrategyLoadError,
)
from factorlab.registry._fingerprint import code_version, data_fingerprint
from factorlab.registry._runs import (
    RUN_METRICS,
    StoredRun,
    check_dates,
    delete_run,
    load_run,
    load_strategy,
    open_registry,
    record_result,
    runs,
    strategy_spec,
    tracked_backtest,
)
from factorlab.registry._store import ARTIFACTS, STATUSES, RunRegistry, default_registry_dir
from factorlab.registry._trials import FACTOR_KIND, count_trials, record_factor_evaluation

__all__ = [
    "ARTIFACTS",
    "FACTOR_KIND",
    "count_trials",
    "record_factor_evaluation",
    "RUN_METRICS",
    "STATUSES",
    "CorruptRunError",
    "DateRangeError",
    "RegistryError",
    "RunNotFoundError",
    "RunRegistry",
    "StoredRun",
    "StrategyLoadError",
    "check_dates",
    "code_version",
    "data_fingerprint",
    "default_registry_dir",
    "delete_run",
    "load_run",
    "load_strategy",
    "open_registry",
    "record_result",
    "runs",
    "strategy_spec",
    "tracked_backtest",
]
