"""The same sweep on a Dask LocalCluster (2 worker processes) equals the local executor."""

from __future__ import annotations

import pandas as pd
import pytest
from strategies_for_cli import Reversal

import factorlab as fl
from factorlab.registry import runs
from factorlab.sweeps import sweep

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed: "
                                                        "pip install 'factorlab[dask]' to run the Dask test")

GRID = {"lookback": [5, 10, 20], "period": [1, 3, 5]}


def test_dask_local_cluster_equals_local(tmp_path):
    prices = fl.load_sample().prices.iloc[:200, :8]
    local = sweep(Reversal, prices, GRID, track=False, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2
        remote = sweep(Reversal, prices, GRID, executor="dask", scheduler=cluster.scheduler_address,
                       track=True, registry=tmp_path, progress=False)
    pd.testing.assert_frame_equal(remote.table.drop(columns="run_id"), local.table.drop(columns="run_id"))
    recorded = runs(tmp_path)
    assert len(recorded) == 9 and (recorded["status"] == "finished").all()  # written by the workers
