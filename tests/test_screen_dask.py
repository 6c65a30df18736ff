"""A screen on a Dask LocalCluster (2 workers) equals the local screen.

The comparison runs in a fresh Python process: a Dask client leaves its
event-loop threads behind for the life of the process, and a process with
threads no longer forks the sweeps' local workers (see
``tests/test_sweeps.py::test_a_finished_sweep_leaves_the_process_forkable``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="dask.distributed is not installed: "
                                          "pip install 'factorlab[dask]' to run the Dask test")

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import numpy as np
    import pandas as pd
    import distributed

    import factorlab as fl

    prices = fl.load_sample().prices.iloc[:250, :30]
    rng = np.random.default_rng(11)
    factors = {
        "mom10": lambda p: p.pct_change(10, fill_method=None),  # called on the workers
        "rev5": -prices.pct_change(5, fill_method=None),
        "noise": pd.DataFrame(rng.standard_normal(prices.shape), index=prices.index, columns=prices.columns),
    }
    local = fl.screen(factors, prices, periods=(1, 5), cost_bps=5, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        assert len(cluster.workers) == 2
        # data of the user's on the cluster under a key named like a period label: the screen's own data
        # must not take its place (nor read it), whatever keys the user chose
        mine = client.scatter({"1D": "the user's data", "5D": "more of it"})
        remote = fl.screen(factors, prices, periods=(1, 5), cost_bps=5, executor="dask", scheduler=client,
                           progress=False)
        assert mine["1D"].result() == "the user's data" and mine["5D"].result() == "more of it"
        by_address = fl.screen({"rev5": factors["rev5"]}, prices, periods=(1,), executor="dask",
                               scheduler=cluster.scheduler_address, progress=False)
        # errors='report' on the workers: the factor without a finite value comes back as a failure
        with_bad = {**factors, "empty": lambda p: p * np.nan}
        remote_report = fl.screen(with_bad, prices, periods=(1, 5), cost_bps=5, executor="dask", scheduler=client,
                                  errors="report", progress=False)
    local_report = fl.screen(with_bad, prices, periods=(1, 5), cost_bps=5, errors="report", progress=False)
    pd.testing.assert_frame_equal(remote_report.table, local_report.table, check_exact=True)
    pd.testing.assert_frame_equal(remote_report.failed, local_report.failed)
    assert list(remote_report.failed.index) == ["empty"] and remote_report.names == local.names
    pd.testing.assert_frame_equal(remote.table, local.table, check_exact=True)
    pd.testing.assert_frame_equal(remote.correlation.factors, local.correlation.factors, check_exact=True)
    for label in ("1D", "5D"):
        pd.testing.assert_frame_equal(remote.correlation.returns[label], local.correlation.returns[label])
    assert remote.names == local.names
    assert by_address.table.loc[("rev5", "1D"), "IC mean"] == local.table.loc[("rev5", "1D"), "IC mean"]
    print("dask screen equals local screen")
""")


def test_dask_screen_equals_local():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO, timeout=600,
                         check=False)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "dask screen equals local screen" in out.stdout
