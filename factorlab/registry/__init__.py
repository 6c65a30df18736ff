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

__all__ = [
    "ARTIFACTS", "STATUSES", "RUN_METRICS",
    "RunRegistry", "StoredRun", "default_registry_dir",
    "runs", "load_run", "delete_run", "tracked_backtest", "record_result",
    "load_strategy", "strategy_spec", "check_dates",
    "data_fingerprint", "code_version", "open_registry",
    "RegistryError", "RunNotFoundError", "CorruptRunError", "StrategyLoadError", "DateRangeError",
]
