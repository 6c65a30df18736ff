"""What Alphalens' own published suite (alphalens-reloaded 0.5.1's tests, run by .ci/alphalens_suite.sh)
needed of the drop-in, checked against alphalens-reloaded itself on the same inputs:

* ``filter_zscore=False`` (or 0) filters as Alphalens does (a threshold of 0 standard deviations), periods
  of 0 and ``cumulative_returns=False`` give Alphalens' columns;
* IC, factor weights, factor returns and alpha/beta take a frame without 'factor_quantile';
* the loss summary is printed to stdout as Alphalens prints it;
* compound period labels ('6h30m', '1D1ns') are Alphalens' and are understood, natively too;
* ``quantize_factor`` returns its rows in Alphalens' order; ``utils.display`` shows the tables.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

al_utils = pytest.importorskip("alphalens.utils")
al_perf = pytest.importorskip("alphalens.performance")

from factorlab.compat.alphalens import performance as cl_perf  # noqa: E402
from factorlab.compat.alphalens import plotting as cl_plotting  # noqa: E402
from factorlab.compat.alphalens import utils as cl_utils  # noqa: E402
from factorlab.errors import MaxLossExceededError  # noqa: E402
from factorlab.factor import FactorData, forward_return_columns  # noqa: E402
from factorlab.factor._forward import parse_period_label  # noqa: E402


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _panel(n_dates=30, n_assets=6, seed=0, freq="B"):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-04", periods=n_dates + 12, freq=freq)
    assets = [f"A{i}" for i in range(n_assets)]
    prices = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(dates), n_assets)), axis=0)),
                          index=dates, columns=assets)
    factor = pd.Series(rng.normal(size=n_dates * n_assets),
                       index=pd.MultiIndex.from_product([dates[:n_dates], assets], names=["date", "asset"]))
    return factor, prices


def _geometric():
    """Alphalens' own event-study input: each asset grows at a constant rate (returns equal up to rounding)."""
    dates = pd.date_range("2015-01-15", "2015-02-01", name="date")
    prices = pd.DataFrame([[r ** i for r in (1.25, 1.5, 1.0, 0.5)] for i in range(1, 19)], index=dates,
                          columns=list("ABCD"))
    factor = pd.DataFrame([[3, 4, 2, 1]] * 6, index=pd.date_range("2015-01-21", "2015-01-26", name="date"),
                          columns=list("ABCD")).stack()
    return factor, prices


# --------------------------------------------------------------------------- filter_zscore, periods
@pytest.mark.parametrize("filter_zscore", [False, 0, 0.5])
def test_filter_zscore_falsy_filters_as_alphalens(filter_zscore, capsys):
    factor, prices = _geometric()
    kw = dict(quantiles=2, periods=(1, 2, 3), filter_zscore=filter_zscore, max_loss=1.0)
    theirs = al_utils.get_clean_factor_and_forward_returns(factor, prices, **kw)
    ours = _quiet(cl_utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
    pd.testing.assert_frame_equal(ours, theirs)
    fwd_theirs = al_utils.compute_forward_returns(factor, prices, (1, 2, 3), filter_zscore)
    fwd_ours = cl_utils.compute_forward_returns(factor, prices, (1, 2, 3), filter_zscore)
    pd.testing.assert_frame_equal(fwd_ours, fwd_theirs)


def test_period_zero_and_one_bar_returns_as_alphalens(capsys):
    factor, prices = _geometric()
    kw = dict(quantiles=2, periods=range(0, 3), filter_zscore=False)
    theirs = al_utils.get_clean_factor_and_forward_returns(factor, prices, **kw)
    ours = _quiet(cl_utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
    pd.testing.assert_frame_equal(ours, theirs)
    assert "" in ours.columns  # Alphalens labels a period of 0 with an empty string

    factor, prices = _panel()
    for periods in [(1, 2, 5), (3,)]:
        theirs = al_utils.compute_forward_returns(factor, prices, periods, None, cumulative_returns=False)
        ours = cl_utils.compute_forward_returns(factor, prices, periods, None, cumulative_returns=False)
        pd.testing.assert_frame_equal(ours, theirs)
    kw = dict(quantiles=3, periods=(1, 4), cumulative_returns=False)
    pd.testing.assert_frame_equal(_quiet(cl_utils.get_clean_factor_and_forward_returns, factor, prices, **kw),
                                  al_utils.get_clean_factor_and_forward_returns(factor, prices, **kw))


# --------------------------------------------------------------------------- no 'factor_quantile'
def test_functions_without_factor_quantile_match_alphalens():
    factor, prices = _panel(seed=3)
    fwd = al_utils.compute_forward_returns(factor, prices, (1, 5), None)
    frame = fwd.copy()
    frame["factor"] = factor.reindex(fwd.index)
    frame["group"] = pd.Series(np.tile(["x", "y", "x", "y", "z", "z"], len(frame) // 6), index=frame.index)
    frame = frame.dropna()
    assert "factor_quantile" not in frame.columns
    for group_adjust in (False, True):
        pd.testing.assert_frame_equal(cl_perf.factor_information_coefficient(frame, group_adjust),
                                      al_perf.factor_information_coefficient(frame, group_adjust))
        for equal_weight in (False, True):
            pd.testing.assert_series_equal(cl_perf.factor_weights(frame, True, group_adjust, equal_weight),
                                           al_perf.factor_weights(frame, True, group_adjust, equal_weight))
            pd.testing.assert_frame_equal(cl_perf.factor_returns(frame, True, group_adjust, equal_weight),
                                          al_perf.factor_returns(frame, True, group_adjust, equal_weight))
    pd.testing.assert_frame_equal(cl_perf.factor_alpha_beta(frame), al_perf.factor_alpha_beta(frame))
    pd.testing.assert_series_equal(cl_perf.mean_information_coefficient(frame),
                                   al_perf.mean_information_coefficient(frame))


def test_alpha_beta_on_a_universe_without_returns_is_alphalens_zero(capsys):
    dates = pd.date_range("2020-01-01", periods=60, freq="B", name="date")
    factor = pd.Series(1.0, index=pd.MultiIndex.from_product([dates, ["AAPL"]], names=["date", "asset"]))
    prices = pd.DataFrame(100.0, index=dates, columns=["AAPL"])
    theirs = al_utils.get_clean_factor_and_forward_returns(factor, prices, quantiles=1)
    ours = _quiet(cl_utils.get_clean_factor_and_forward_returns, factor, prices, quantiles=1)
    expected = al_perf.factor_alpha_beta(theirs)
    pd.testing.assert_frame_equal(cl_perf.factor_alpha_beta(ours), expected)
    assert (expected == 0.0).all().all()


# --------------------------------------------------------------------------- the printed loss summary
def test_loss_summary_is_printed_as_alphalens_prints_it(capsys):
    factor, prices = _panel(seed=5)
    factor = factor.copy()
    factor.iloc[::7] = np.nan  # some entries dropped
    kw = dict(quantiles=4, periods=(1, 5))
    al_utils.get_clean_factor_and_forward_returns(factor, prices, **kw)
    theirs = capsys.readouterr().out
    _quiet(cl_utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
    ours = capsys.readouterr().out
    assert ours == theirs
    assert "max_loss is 35.0%, not exceeded: OK!" in ours and ours.startswith("Dropped ")

    fwd = al_utils.compute_forward_returns(factor.dropna(), prices, (1,), None)
    al_utils.get_clean_factor(factor, fwd, quantiles=4)
    theirs = capsys.readouterr().out
    _quiet(cl_utils.get_clean_factor, factor, fwd, quantiles=4)
    assert capsys.readouterr().out == theirs

    with pytest.raises(Exception, match="max_loss"):
        al_utils.get_clean_factor_and_forward_returns(factor, prices, max_loss=0.01, **kw)
    theirs = capsys.readouterr().out
    with pytest.raises(MaxLossExceededError, match="max_loss"):
        _quiet(cl_utils.get_clean_factor_and_forward_returns, factor, prices, max_loss=0.01, **kw)
    assert capsys.readouterr().out == theirs  # the summary line, then the error


# --------------------------------------------------------------------------- compound period labels
def _intraday():
    days = pd.bdate_range("2024-03-04", periods=25)
    stamps = pd.DatetimeIndex([d + pd.Timedelta(t) for d in days for t in ("9h30m", "16h")], name="date")
    rng = np.random.default_rng(11)
    prices = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(stamps), 4)), axis=0)),
                          index=stamps, columns=list("abcd"))
    opens = stamps[::2][:-2]
    factor = pd.Series(rng.normal(size=len(opens) * 4),
                       index=pd.MultiIndex.from_product([opens, list("abcd")], names=["date", "asset"]))
    return factor, prices


def test_compound_labels_are_alphalens_and_understood(capsys):
    factor, prices = _intraday()
    theirs = _quiet(al_utils.get_clean_factor_and_forward_returns, factor, prices, quantiles=2, periods=(1, 3),
                    filter_zscore=None)
    ours = _quiet(cl_utils.get_clean_factor_and_forward_returns, factor, prices, quantiles=2, periods=(1, 3),
                  filter_zscore=None)
    assert list(ours.columns[:2]) == list(theirs.columns[:2]) == ["6h30m", "1D6h30m"]
    pd.testing.assert_frame_equal(ours, theirs)
    for by_date in (False, True):
        for mine, ref in zip(cl_perf.mean_return_by_quantile(ours, by_date=by_date),
                             al_perf.mean_return_by_quantile(theirs, by_date=by_date)):
            pd.testing.assert_frame_equal(mine, ref)
    pd.testing.assert_frame_equal(cl_perf.factor_information_coefficient(ours),
                                  al_perf.factor_information_coefficient(theirs))

    # the sub-second workflow of Alphalens' suite: a '1D1ns' horizon
    horizon = pd.Timedelta("1D1ns")
    dates = pd.date_range("2024-01-01", periods=3, freq=horizon)
    px = pd.DataFrame({"A": [100, 102, 104], "B": [200, 201, 202]}, index=dates)
    label = cl_utils.timedelta_to_string(horizon)
    assert label == al_utils.timedelta_to_string(horizon) == "1D1ns"
    fwd = px.pct_change(fill_method=None).shift(-1).stack().dropna().to_frame(label)
    fwd.index.names = ["date", "asset"]
    fac = pd.Series([1, 2, 1, 2], index=fwd.index)
    mine = cl_perf.mean_return_by_quantile(_quiet(cl_utils.get_clean_factor, fac, fwd, quantiles=2),
                                           demeaned=False)[0]
    ref = al_perf.mean_return_by_quantile(al_utils.get_clean_factor(fac, fwd, quantiles=2), demeaned=False)[0]
    pd.testing.assert_frame_equal(mine, ref)


def test_native_period_labels_take_compound_labels():
    assert parse_period_label("5D") == (5.0, "D")
    assert parse_period_label("6h30m") == (390.0, "m")
    assert parse_period_label("1D1h") == (25.0, "h")
    assert parse_period_label("1D1ns") == (86_400_000_000_001.0, "ns")
    assert parse_period_label("factor") is None and parse_period_label("") is None
    assert forward_return_columns(["1D", "6h30m", "1D1ns", "30m", "factor", "factor_quantile", ""]) == \
        ["1D", "6h30m", "1D1ns", "30m"]
    factor, prices = _intraday()
    frame = _quiet(cl_utils.get_clean_factor_and_forward_returns, factor, prices, quantiles=2, periods=(1, 3),
                   filter_zscore=None)
    fd = FactorData.from_frame(frame)
    assert fd.labels == ("6h30m", "1D6h30m")
    assert all(p >= 1 for p in fd.periods)


# --------------------------------------------------------------------------- row order, display
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("by_group,zero_aware", [(True, True), (True, False), (False, True)])
def test_quantize_factor_rows_in_alphalens_order(by_group, zero_aware, shuffle):
    rng = np.random.default_rng(7)
    dates = pd.date_range("2015-01-01", periods=3, name="date")
    idx = pd.MultiIndex.from_product([dates, range(8)], names=["date", "asset"])
    frame = pd.DataFrame({"factor": rng.normal(size=len(idx))}, index=idx)
    frame["group"] = pd.Series(np.tile([1, 1, 2, 2, 1, 1, 2, 2], 3), index=idx, dtype="category")
    if shuffle:
        frame = frame.iloc[rng.permutation(len(frame))]
    kw = dict(quantiles=2, by_group=by_group, zero_aware=zero_aware, no_raise=True)
    pd.testing.assert_series_equal(cl_utils.quantize_factor(frame, **kw), al_utils.quantize_factor(frame, **kw))


def test_tables_go_through_utils_display(monkeypatch):
    shown = []
    monkeypatch.setattr(cl_utils, "display", lambda table: shown.append(table.copy()))
    ic = pd.DataFrame({"1D": [0.1, 0.2, -0.05, 0.3]}, index=pd.date_range("2020-01-01", periods=4))
    cl_plotting.plot_information_table(ic)
    assert len(shown) == 1 and "IC Mean" in shown[0].index
