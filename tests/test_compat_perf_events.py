"""factorlab.compat.alphalens.performance turnover and event functions vs alphalens-reloaded.

Alphalens' event study loops over dates in pandas and is slow, so its inputs
are restricted (20 event dates, 100 assets) and its outputs computed once per
module. Alphalens-reloaded gives the same event-study numbers under pandas
2.2 and pandas 3 (to the last bits of summation order); when a pandas 2.2
interpreter with alphalens is available (``FACTORLAB_PANDAS22_PYTHON`` or
../venv22) the golden values are also recomputed there.
"""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab.compat.alphalens import performance as cperf
from factorlab.compat.alphalens import utils as cutils
from factorlab.errors import ParameterError

al = pytest.importorskip("alphalens")

RTOL, ATOL = 1e-9, 1e-12
BEFORE, AFTER = 3, 5
PANDAS22 = Path(os.environ.get("FACTORLAB_PANDAS22_PYTHON",
                               Path(__file__).resolve().parents[2] / "venv22" / "bin" / "python"))


def assert_same(ours: pd.DataFrame | pd.Series, ref: pd.DataFrame | pd.Series,
                check_columns: bool = True) -> None:
    assert ours.shape == ref.shape
    assert list(ours.index) == list(ref.index)
    if check_columns and isinstance(ref, pd.DataFrame):
        assert list(ours.columns) == list(ref.columns)
    a, b = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def event_inputs(sp500_prices, sp500_sectors, reversal_factor, momentum_factor):
    """Alphalens-layout frames on 20 event dates x 100 assets, and the daily returns."""
    prices = sp500_prices.iloc[:, :100]
    dates = prices.index[300:1400:55]
    frames = {}
    for name, fac in (("reversal", reversal_factor), ("momentum", momentum_factor)):
        idx = fac.index
        sub = fac[idx.get_level_values("asset").isin(prices.columns)
                  & idx.get_level_values("date").isin(dates)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frames[name] = fl.prepare_factor_data(sub, prices, periods=(1,), groupby=sp500_sectors).frame
            frames[name + "-nogroup"] = fl.prepare_factor_data(sub, prices, periods=(1,)).frame
    return frames, prices.pct_change()


EVENT_CASES = {
    "reversal-demeaned": ("reversal", {}),
    "reversal-raw": ("reversal", dict(demeaned=False)),
    "reversal-group_adjust": ("reversal", dict(group_adjust=True)),
    "reversal-by_group": ("reversal", dict(by_group=True)),
    "reversal-by_group-group_adjust": ("reversal", dict(by_group=True, group_adjust=True)),
    "momentum-nogroup-demeaned": ("momentum-nogroup", {}),
    "momentum-group_adjust": ("momentum", dict(group_adjust=True)),
}


@pytest.fixture(scope="module")
def al_events(event_inputs):
    frames, returns = event_inputs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {case: al.performance.average_cumulative_return_by_quantile(
                    frames[name], returns, periods_before=BEFORE, periods_after=AFTER, **kw)
                for case, (name, kw) in EVENT_CASES.items()}


@pytest.fixture(scope="module")
def turnover_frame(sp500_prices, sp500_sectors, reversal_factor):
    """Alphalens' own frame (its date level carries the trading calendar), 50 assets."""
    prices = sp500_prices.iloc[:, :50]
    fac = reversal_factor[reversal_factor.index.get_level_values("asset").isin(prices.columns)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return al.utils.get_clean_factor_and_forward_returns(fac, prices, groupby=sp500_sectors.to_dict(),
                                                             periods=(1, 5),
                                                             filter_zscore=None)


# --------------------------------------------------------------------------- parity
@pytest.mark.parametrize("case", list(EVENT_CASES))
def test_average_cumulative_return_by_quantile_matches_alphalens(event_inputs, al_events, case):
    frames, returns = event_inputs
    name, kw = EVENT_CASES[case]
    ours = cperf.average_cumulative_return_by_quantile(frames[name], returns, periods_before=BEFORE,
                                                       periods_after=AFTER, **kw)
    ref = al_events[case]
    assert ours.index.names == ref.index.names
    assert ours.columns.dtype == ref.columns.dtype
    assert_same(ours, ref)


@pytest.mark.parametrize("options", [dict(), dict(mean_by_date=True), dict(demean_by=True),
                                     dict(demean_by=True, mean_by_date=True), dict(cumulative=True)],
                         ids=lambda o: "-".join(o) or "plain")
def test_common_start_returns_matches_alphalens(event_inputs, options):
    frames, returns = event_inputs
    frame = frames["reversal"]
    q1 = frame[frame["factor_quantile"] == 1]
    kw = dict(options)
    if kw.get("demean_by"):
        kw["demean_by"] = frame
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = al.performance.common_start_returns(q1, returns, BEFORE, AFTER, **kw)
    ours = cperf.common_start_returns(q1, returns, BEFORE, AFTER, **kw)
    if "demean_by" in kw or kw.get("mean_by_date"):
        assert_same(ours, ref)
        return
    # without demean_by Alphalens orders each date's assets as a Python set does: compare as multisets
    def canon(df: pd.DataFrame) -> pd.DataFrame:
        t = df.T.reset_index()
        return t.sort_values(list(t.columns)).reset_index(drop=True)
    assert_same(canon(ours).drop(columns="asset"), canon(ref).drop(columns="asset"))
    assert list(canon(ours)["asset"]) == list(canon(ref)["asset"])


@pytest.mark.parametrize("period", [1, 5])
@pytest.mark.parametrize("quantile", [1, 5])
def test_quantile_turnover_matches_alphalens(turnover_frame, quantile, period):
    ref = al.performance.quantile_turnover(turnover_frame["factor_quantile"], quantile, period)
    ours = cperf.quantile_turnover(turnover_frame["factor_quantile"], quantile, period)
    assert ours.name == ref.name and ours.index.equals(ref.index) and ours.index.freq == ref.index.freq
    assert_same(ours, ref)


@pytest.mark.parametrize("period", [1, 5])
def test_factor_rank_autocorrelation_matches_alphalens(turnover_frame, period):
    ref = al.performance.factor_rank_autocorrelation(turnover_frame, period)
    ours = cperf.factor_rank_autocorrelation(turnover_frame, period)
    assert ours.name == ref.name and ours.index.equals(ref.index)
    assert_same(ours, ref)


def test_compat_frame_from_factorlab_utils(sp500_prices, reversal_factor):
    """The compat utils frame (no calendar frequency) feeds the compat functions the same way."""
    prices = sp500_prices.iloc[:120, :30]
    idx = reversal_factor.index
    fac = reversal_factor[idx.get_level_values("asset").isin(prices.columns)
                          & idx.get_level_values("date").isin(prices.index)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = cutils.get_clean_factor_and_forward_returns(fac, prices, periods=(1,), filter_zscore=None)
        ref = al.performance.quantile_turnover(frame["factor_quantile"], 3, 2)
    assert_same(cperf.quantile_turnover(frame["factor_quantile"], 3, 2), ref)


# --------------------------------------------------------------------------- pandas 2.2 cross-check
_PANDAS22_SCRIPT = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd, alphalens as al
assert pd.__version__ < "3", pd.__version__
dates = pd.DatetimeIndex(json.loads(sys.argv[1]))
rng = np.random.default_rng(7)
prices = pd.DataFrame(np.exp(np.cumsum(rng.normal(0, 0.02, (40, 12)), axis=0)) * 50, index=dates,
                      columns=[f"S{i:02d}" for i in range(12)])
factor = (-(prices / prices.shift(3) - 1)).iloc[5:30:3].stack()
factor.index.names = ["date", "asset"]
groups = {a: ("g1" if i % 3 else "g2") for i, a in enumerate(prices.columns)}
frame = al.utils.get_clean_factor_and_forward_returns(factor, prices, groupby=groups, quantiles=3,
                                                     periods=(1,), filter_zscore=None)
out = {}
for name, kw in [("dm", {}), ("raw", {"demeaned": False}), ("ga", {"group_adjust": True}),
                 ("bg", {"by_group": True})]:
    res = al.performance.average_cumulative_return_by_quantile(frame, prices.pct_change(), 2, 3, **kw)
    out[name] = res.to_numpy().tolist()
print(json.dumps(out))
"""


def _pandas22_case():
    dates = pd.bdate_range("2020-01-01", periods=40)
    rng = np.random.default_rng(7)
    prices = pd.DataFrame(np.exp(np.cumsum(rng.normal(0, 0.02, (40, 12)), axis=0)) * 50, index=dates,
                          columns=[f"S{i:02d}" for i in range(12)])
    factor = (-(prices / prices.shift(3) - 1)).iloc[5:30:3].stack()
    factor.index.names = ["date", "asset"]
    groups = {a: ("g1" if i % 3 else "g2") for i, a in enumerate(prices.columns)}
    return dates, prices, factor, groups


@pytest.mark.skipif(not PANDAS22.exists(), reason="no pandas 2.2 interpreter with alphalens")
def test_matches_alphalens_under_pandas22():
    dates, prices, factor, groups = _pandas22_case()
    proc = subprocess.run([str(PANDAS22), "-c", _PANDAS22_SCRIPT, json.dumps([str(d) for d in dates])],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ""})
    if proc.returncode != 0:
        pytest.skip(f"pandas 2.2 alphalens not runnable: {proc.stderr.strip().splitlines()[-1:]}")
    golden = json.loads(proc.stdout.strip().splitlines()[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = cutils.get_clean_factor_and_forward_returns(factor, prices, groupby=groups, quantiles=3,
                                                            periods=(1,), filter_zscore=None)
    for name, kw in [("dm", {}), ("raw", {"demeaned": False}), ("ga", {"group_adjust": True}),
                     ("bg", {"by_group": True})]:
        ours = cperf.average_cumulative_return_by_quantile(frame, prices.pct_change(), 2, 3, **kw)
        np.testing.assert_allclose(ours.to_numpy(), np.array(golden[name], dtype=float), rtol=RTOL, atol=ATOL,
                                   err_msg=name)


# --------------------------------------------------------------------------- semantics and errors
def test_reloaded_reads_returns_unrebased(event_inputs):
    """With returns, offset 0 is the event bar's own daily return, not 0 (no rebasing)."""
    frames, returns = event_inputs
    out = cperf.average_cumulative_return_by_quantile(frames["reversal-nogroup"], returns, 2, 2,
                                                      demeaned=False)
    assert (out.xs("mean", level=1)[0].abs() > 0).all()
    # factorlab's own function rebases to the event date: offset 0 is exactly 0
    growth = returns.fillna(0.0).add(1).cumprod()
    native = fl.average_cumulative_return_by_quantile(fl.FactorData.from_frame(frames["reversal-nogroup"]),
                                                      growth, 2, 2, demeaned=False)
    np.testing.assert_array_equal(native.xs("mean", level=1)[0].to_numpy(), 0.0)


def test_group_options_need_group_column(event_inputs):
    frames, returns = event_inputs
    with pytest.raises(ParameterError, match="group"):
        cperf.average_cumulative_return_by_quantile(frames["momentum-nogroup"], returns, 1, 1, by_group=True)


def test_inputs_not_mutated(event_inputs):
    frames, returns = event_inputs
    frame, rets = frames["reversal"].copy(), returns.copy()
    cperf.average_cumulative_return_by_quantile(frames["reversal"], returns, 1, 1, group_adjust=True)
    cperf.common_start_returns(frames["reversal"], returns, 1, 1, demean_by=frames["reversal"])
    cperf.factor_rank_autocorrelation(frames["reversal"], 1)
    cperf.quantile_turnover(frames["reversal"]["factor_quantile"], 1, 1)
    pd.testing.assert_frame_equal(frames["reversal"], frame)
    pd.testing.assert_frame_equal(returns, rets)
