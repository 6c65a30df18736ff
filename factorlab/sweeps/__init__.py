"""Parameter sweeps and walk-forward optimisation, locally (processes) or on a Dask cluster.

::

    res = sweep(MyStrategy, prices, {"lookback": [20, 60, 120], "top": [5, 10]}, jobs=2)
    res.table; res.best_params; res.plot_heatmap()
    wf = walk_forward(MyStrategy, prices, train=504, test=126)
    wf.folds; wf.equity
"""

from __future__ import annotations

from factorlab.sweeps._executors import EXECUTORS, mp_context, run_tasks
from factorlab.sweeps._sweep import SweepFailedError, SweepResult, sweep
from factorlab.sweeps._task import OBJECTIVES
from factorlab.sweeps._walk_forward import WalkForwardResult, fold_windows, walk_forward

__all__ = [
           "EXECUTORS",
           "OBJECTIVES",
           "SweepFailedError",
           "SweepResult",
           "WalkForwardResult",
           "fold_windows",
           "mp_context",
           "run_tasks",
           "sweep",
           "walk_forward",
]
