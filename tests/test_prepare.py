"""prepare_factor_data: parity with Alphalens, hand cases, losses and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab import errors
from factorlab.compat.alphalens import utils as fl_utils

al = pytest.importorskip("alphalens")


def _dates(n: int) -> pd.DatetimeIndex:
    return pd.bdate_range("2020-01-01", periods=n, name="date")


def _tiny_prices() -> pd.DataFrame:
    # 4 assets x 4 bars, returns chosen by hand
    return pd.DataFrame(
        {"A": [10.0, 11.0, 12.1, 12.1], "B": [20.0, 19.0, 19.0, 20.9],
         "C": [5.0, 5.0, 5.5, 5.5], "D": [8.0, 8.8, 8.8, 8.8]},
        index=_dates(4)).rename_axis(columns="asset")


def _tiny_factor() -> pd.Series:
    wide = pd.DataFrame({"A": [1.0, 4.0, 2.0], "B": [2.0, 3.0, 1.0],
                         "C": [3.0, 2.0, 4.0], "D": [4.0, 1.0, 3.0]}, index=_dates(3))
    s = wide.stack()
    s.index.names = ["date", "asset"]
    return s


# ---------------------------------------------------------------- hand cases
def test_hand_case_quantiles_and_forward_returns():
    fd = fl.prepare_factor_data(_tiny_factor(), _tiny_prices(), periods=(1,), quantiles=2)
    frame = fd.frame
    # date 1: factor A..D = 1,2,3,4 -> edges [1, 2.5, 4] -> quantiles 1,1,2,2
    d0 = frame.xs(_dates(4)[0], level="date")
    assert d0["factor_quantile"].tolist() == [1, 1, 2, 2]
    # 1-bar forward returns at date 1: A 11/10-1, B 19/20-1, C 0, D 8.8/8-1
    np.testing.assert_allclose(d0["1D"].to_numpy(), [0.1, -0.05, 0.0, 0.1], rtol=1e-12)
    # date 2: factor 4,3,2,1 -> quantiles 2,2,1,1
    d1 = frame.xs(_dates(4)[1], level="date")
    assert d1["factor_quantile"].tolist() == [2, 2, 1, 1]
    assert fd.quality.n_entries == 12 and fd.quality.n_kept == 12


def test_hand_case_period_beyond_data_is_a_hole_in_that_horizon_only():
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.DroppedDataWarning)  # nothing is dropped
        fd = fl.prepare_factor_data(_tiny_factor(), _tiny_prices(), periods=(2,), quantiles=2)
    # 2-bar returns exist for the first 2 dates only: the third date's 4 entries stay members
    # (quantiles and weights up to the last factor date) with no 2D return
    assert fd.quality.n_kept == 12 and fd.quality.loss == 0
    assert fd.quality.horizon_missing.loc["2D", "past_end"] == 4
    assert fd.frame["2D"].isna().sum() == 4
    assert fd.frame.xs(_dates(4)[2], level="date")["factor_quantile"].tolist() == [1, 1, 2, 2]


def test_zero_price_is_a_valid_last_price():
    prices = _tiny_prices()
    prices.loc[prices.index[2], "D"] = 0.0   # bankrupt on bar 3
    prices.loc[prices.index[3], "D"] = 0.0
    with pytest.warns(errors.DataQualityWarning, match="zero price"):
        fd = fl.prepare_factor_data(_tiny_factor(), prices, periods=(1,), quantiles=2, max_loss=0.5)
    # a return into 0 is -100% ...
    assert fd.returns["1D"].loc[prices.index[1], "D"] == -1.0
    # ... a return out of 0 is undefined: dropped and counted
    assert fd.quality.dropped["zero_price"] == 1
    assert np.isnan(fd.returns["1D"].loc[prices.index[2], "D"])
    assert fd.quality.zero_prices["asset"].tolist() == ["D"]


def test_stale_price_runs_are_reported(sp500_prices):
    prices = sp500_prices.iloc[:300, :20].copy()
    prices.iloc[200:, 3] = prices.iloc[199, 3]  # delisted: last price repeated for 100 bars
    fac = -(prices.pct_change(5)).stack().dropna()
    with pytest.warns(errors.DataQualityWarning, match="stale"):
        fd = fl.prepare_factor_data(fac, prices, periods=(1,))
    stale = fd.quality.stale
    assert prices.columns[3] in set(stale["asset"])
    row = stale[stale["asset"] == prices.columns[3]].iloc[0]
    assert row["bars"] == 101 and row["start"] == prices.index[199]


def test_stale_runs_dropped_are_the_runs_set_to_nan(sp500_prices):
    """stale='drop': the quality report lists each run of dropped bars (asset, first and last bar,
    length), by hand: a 100-bar repeat at the end of one name and a 12-bar one inside another."""
    prices = sp500_prices.iloc[:300, :20].copy()
    prices.iloc[200:, 3] = prices.iloc[199, 3]      # bars 199..299 hold one price (101 bars)
    prices.iloc[50:62, 7] = prices.iloc[49, 7]      # bars 49..61 hold one price (13 bars)
    fac = -(prices.pct_change(5)).stack().dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(fac, prices, periods=(1,), stale="drop", stale_bars=10)
    runs = fd.quality.stale.set_index("asset")
    # from the 10th bar of a run on, the price is stale: bars 208..299 and 58..61
    assert runs.loc[prices.columns[3], "start"] == prices.index[208]
    assert runs.loc[prices.columns[3], "end"] == prices.index[299]
    assert runs.loc[prices.columns[3], "bars"] == 92
    assert runs.loc[prices.columns[7], "start"] == prices.index[58]
    assert runs.loc[prices.columns[7], "bars"] == 4
    assert len(runs) == 2


def test_forward_returns_reused_for_many_factors(sp500_prices):
    prices = sp500_prices.iloc[:, :50]
    fwd = fl.forward_returns(prices, periods=(1, 5))
    f1 = -(prices.pct_change(5)).stack().dropna()
    f2 = (prices.pct_change(20)).stack().dropna()
    a = fl.prepare_factor_data(f1, fwd, periods=(1, 5))
    b = fl.prepare_factor_data(f1, prices, periods=(1, 5))
    pd.testing.assert_frame_equal(a.frame, b.frame)
    c = fl.prepare_factor_data(f2, fwd, periods=(5,))
    assert c.labels == ("5D",)
    with pytest.raises(errors.ParameterError, match="periods"):
        fl.prepare_factor_data(f1, fwd, periods=(10,))


def test_delay_shifts_forward_returns():
    fd = fl.prepare_factor_data(_tiny_factor(), _tiny_prices(), periods=(1,), quantiles=2, delay=1, max_loss=0.5)
    # with delay 1, the return at date 1 runs from bar 2 to bar 3: A 12.1/11 - 1
    assert fd.returns["1D"].iloc[0]["A"] == pytest.approx(12.1 / 11 - 1, rel=1e-12)


def test_intraday_period_labels():
    idx = pd.date_range("2024-01-02 09:30", periods=30, freq="h")
    steps = np.random.default_rng(1).normal(0, 0.01, size=(30, 4))
    prices = pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=idx, columns=list("ABCD"))
    fac = prices.pct_change(2).stack().dropna()
    fd = fl.prepare_factor_data(fac, prices, periods=(1, 4), quantiles=2)
    assert fd.labels == ("1h", "4h")
    assert list(fd.frame.columns[:2]) == ["1h", "4h"]


def test_inputs_not_mutated(sp500_prices, reversal_factor):
    prices = sp500_prices.iloc[:200, :30].copy()
    fac = reversal_factor.loc[(slice(None), list(prices.columns))].copy()
    fac = fac[fac.index.get_level_values(0) <= prices.index[-1]]
    p0, f0 = prices.copy(), fac.copy()
    fl.prepare_factor_data(fac, prices, periods=(1, 5))
    pd.testing.assert_frame_equal(prices, p0)
    pd.testing.assert_series_equal(fac, f0)


# ---------------------------------------------------------------- parity
def _alphalens(factor, prices, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import contextlib
        import io
        with contextlib.redirect_stdout(io.StringIO()):
            return al.utils.get_clean_factor_and_forward_returns(factor, prices, **kw)


def _assert_same_frame(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    # point in time, the native frame also has the last dates (NaN where a horizon runs past the data);
    # on gap-free data the rows with every horizon are Alphalens' frame
    ours = ours.dropna(subset=list(fl.forward_return_columns(ours.columns)))
    ours, ref = ours.sort_index(), ref.sort_index()
    assert list(ours.columns) == list(ref.columns)
    assert ours.index.equals(ref.index)
    for col in ref.columns:
        if col == "group":
            assert (ours[col].astype(str).to_numpy() == ref[col].astype(str).to_numpy()).all()
        else:
            np.testing.assert_allclose(ours[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float),
                                       rtol=1e-9, atol=0)


@pytest.mark.parametrize("which, grouped", [("reversal", False), ("momentum", True)])
def test_parity_with_alphalens_real_data(which, grouped, sp500_prices, sp500_sectors, reversal_factor,
                                         momentum_factor):
    fac = reversal_factor if which == "reversal" else momentum_factor
    groups = sp500_sectors if grouped else None
    ref = _alphalens(fac, sp500_prices, periods=(1, 5, 10), quantiles=5, filter_zscore=None,
                     groupby=None if groups is None else groups.to_dict())
    fd = fl.prepare_factor_data(fac, sp500_prices, periods=(1, 5, 10), quantiles=5, groupby=groups)
    _assert_same_frame(fd.frame, ref)


def test_parity_binning_by_group(sp500_prices, sp500_sectors, momentum_factor):
    # Alphalens' per-(date, group) binning is slow: compare on 80 assets over 500 bars
    prices = sp500_prices.iloc[:500, :80]
    fac = momentum_factor.loc[(slice(None), list(prices.columns))]
    fac = fac[fac.index.get_level_values(0) <= prices.index[-1]]
    ref = _alphalens(fac, prices, periods=(1, 5), quantiles=3, filter_zscore=None,
                     groupby=sp500_sectors.to_dict(), binning_by_group=True, max_loss=0.9)
    fd = fl.prepare_factor_data(fac, prices, periods=(1, 5), quantiles=3, groupby=sp500_sectors,
                                binning_by_group=True, max_loss=0.9)
    _assert_same_frame(fd.frame, ref)


@pytest.mark.parametrize("kw", [
    dict(quantiles=None, bins=5),
    dict(quantiles=4, zero_aware=True),
    dict(quantiles=[0, 0.1, 0.5, 0.9, 1.0]),
    dict(quantiles=None, bins=[-1.0, -0.02, 0.0, 0.02, 1.0]),
    dict(quantiles=10),
])
def test_parity_binning_options(kw, sp500_prices, reversal_factor):
    prices = sp500_prices.iloc[:400, :120]
    fac = reversal_factor.loc[(slice(None), list(prices.columns))]
    fac = fac[fac.index.get_level_values(0) <= prices.index[-1]]
    ref = _alphalens(fac, prices, periods=(1, 5), filter_zscore=None, max_loss=0.9, **kw)
    fd = fl.prepare_factor_data(fac, prices, periods=(1, 5), max_loss=0.9, **kw)
    _assert_same_frame(fd.frame, ref)


def test_compat_default_zscore_filter_matches(sp500_prices, reversal_factor):
    prices = sp500_prices.iloc[:500, :100]
    fac = reversal_factor.loc[(slice(None), list(prices.columns))]
    fac = fac[fac.index.get_level_values(0) <= prices.index[-1]]
    # a few absurd returns so that the default filter_zscore=20 removes something
    prices = prices.copy()
    prices.iloc[300, 5] *= 40
    ref = _alphalens(fac, prices, periods=(1, 5))
    ours = fl_utils.get_clean_factor_and_forward_returns(fac, prices, periods=(1, 5))
    _assert_same_frame(ours, ref)
    assert len(ours) < len(fac)


# ---------------------------------------------------------------- bad input
def test_negative_price_raises_naming_asset_and_date():
    prices = _tiny_prices()
    prices.iloc[2, 1] = -1.0
    with pytest.raises(errors.InvalidPriceError, match=r"B on 2020-01-03"):
        fl.prepare_factor_data(_tiny_factor(), prices, periods=(1,), quantiles=2)


def test_infinite_price_raises():
    prices = _tiny_prices()
    prices.iloc[1, 0] = np.inf
    with pytest.raises(errors.InvalidPriceError, match="infinite"):
        fl.prepare_factor_data(_tiny_factor(), prices, periods=(1,), quantiles=2)


def test_duplicate_dates_raise():
    prices = _tiny_prices()
    prices.index = prices.index[[0, 1, 1, 3]]
    with pytest.raises(errors.DuplicateDatesError, match="2020-01-02"):
        fl.prepare_factor_data(_tiny_factor(), prices, periods=(1,), quantiles=2)


def test_unsorted_dates_raise():
    prices = _tiny_prices().iloc[[0, 2, 1, 3]]
    with pytest.raises(errors.UnsortedDatesError, match="not sorted"):
        fl.prepare_factor_data(_tiny_factor(), prices, periods=(1,), quantiles=2)


def test_duplicate_factor_entries_raise():
    fac = _tiny_factor()
    fac = pd.concat([fac, fac.iloc[:1]])
    with pytest.raises(errors.DuplicateEntriesError, match="duplicate"):
        fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=2)


def test_factor_dates_and_assets_absent_from_prices_are_counted():
    fac = _tiny_factor()
    extra = pd.Series([1.0, 2.0], index=pd.MultiIndex.from_tuples(
        [(pd.Timestamp("2019-06-03"), "A"), (pd.Timestamp("2020-01-01"), "ZZZ")], names=["date", "asset"]))
    fd = fl.prepare_factor_data(pd.concat([fac, extra]).sort_index(), _tiny_prices(), periods=(1,),
                                quantiles=2)
    assert fd.quality.dropped["date_not_in_prices"] == 1
    assert fd.quality.dropped["asset_not_in_prices"] == 1
    assert fd.quality.n_entries == 14


def test_factor_stamped_at_another_time_of_day_says_so():
    """A daily factor stamped at 16:00 against prices at midnight: no date matches, and the error says why."""
    fac = _tiny_factor()
    fac.index = fac.index.set_levels(fac.index.levels[0] + pd.Timedelta(hours=16), level="date")
    with pytest.raises(errors.MaxLossExceededError,
                       match=r"3 factor dates are the prices' days at another time of day \(16:00:00; the daily "
                             r"price bars are at 00:00:00\): align the times, e\.g\. factor\.index = "):
        fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=2)


@pytest.mark.parametrize("factor_dates, hint", [
    (pd.bdate_range("2020-01-01", periods=3), ""),  # every date a bar
    (pd.bdate_range("2021-03-01", periods=3),
     ("all 3 factor dates missing from the prices lie outside the prices' span 2020-01-01 .. 2020-01-06: "
      "they run 2021-03-01 .. 2021-03-03")),
    (pd.bdate_range("2020-01-01", periods=3) + pd.Timedelta(hours=16),
     ("3 factor dates are the prices' days at another time of day (16:00:00; the daily price bars are at "
      "00:00:00): align the times, e.g. factor.index = factor.index.normalize() for bars at midnight")),
    (pd.DatetimeIndex(["2020-01-01", "2020-01-04", "2020-01-05"]),
     "2 factor dates inside the prices' span are not price bars, e.g. 2020-01-04 (Saturday), 2020-01-05 (Sunday)"),
    (pd.DatetimeIndex(["2019-12-31"]),
     "the factor date missing from the prices, 2019-12-31, lies outside the prices' span 2020-01-01 .. 2020-01-06"),
])
def test_missing_dates_hint_by_hand(factor_dates, hint):
    from factorlab.factor._quality import missing_dates_hint

    assert missing_dates_hint(pd.DatetimeIndex(factor_dates), _dates(4)) == hint


def test_dropped_weekend_dates_are_named_in_the_warning():
    fac = _tiny_factor()
    weekend = pd.Series([1.0, 2.0], index=pd.MultiIndex.from_tuples(
        [(pd.Timestamp("2020-01-04"), "A"), (pd.Timestamp("2020-01-04"), "B")], names=["date", "asset"]))
    with pytest.warns(errors.DroppedDataWarning, match=r"2 date_not_in_prices; 1 factor date inside the prices' "
                                                        r"span is not a price bar, e\.g\. 2020-01-04 \(Saturday\)"):
        fl.prepare_factor_data(pd.concat([fac, weekend]).sort_index(), _tiny_prices(), periods=(1,), quantiles=2)


@pytest.mark.parametrize("factor_assets, price_assets, hint", [
    (["A", "B"], ["A", "B", "C"], ""),
    (["A", "ZZ"], ["A", "B"], "1 factor asset without prices, e.g. 'ZZ'"),
    (["a", "B ", "ZZ", "C"], ["A", "B", "C"],
     ("3 factor assets without prices, e.g. 'a', 'B ', 'ZZ'; 2 of them match a price column written differently "
      "(case, spaces or type: factor 'a', prices 'A'): use the prices' names")),
    (["a", "ZZ"], ["A", " a "],  # two price columns share the key of 'a': the first is named
     ("2 factor assets without prices, e.g. 'a', 'ZZ'; 1 of them match a price column written differently "
      "(case, spaces or type: factor 'a', prices 'A'): use the prices' names")),
    ([1, 2], ["1", "3"],
     ("2 factor assets without prices, e.g. 1, 2; 1 of them match a price column written differently "
      "(case, spaces or type: factor 1, prices '1'): use the prices' names")),
])
def test_missing_assets_hint_by_hand(factor_assets, price_assets, hint):
    from factorlab.factor._quality import missing_assets_hint

    assert missing_assets_hint(pd.Index(factor_assets), pd.Index(price_assets)) == hint


def test_lower_case_tickers_say_so():
    fac = _tiny_factor().rename(str.lower, level=1)
    with pytest.raises(errors.MaxLossExceededError,
                       match=r"12 asset_not_in_prices; 4 factor assets without prices, e\.g\. 'a', 'b', 'c'; 4 of them "
                             r"match a price column written differently \(case, spaces or type: factor 'a', prices "
                             r"'A'\)"):
        fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=2)


def test_all_assets_absent_exceeds_max_loss():
    fac = _tiny_factor().rename(lambda a: a + "_X", level=1)
    with pytest.raises(errors.MaxLossExceededError, match="asset_not_in_prices"):
        fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=2)


def test_timezone_mismatch_raises():
    prices = _tiny_prices()
    prices.index = prices.index.tz_localize("America/New_York")
    with pytest.raises(errors.TimezoneMismatchError, match="time zone"):
        fl.prepare_factor_data(_tiny_factor(), prices, periods=(1,), quantiles=2)


def test_non_numeric_column_raises():
    prices = _tiny_prices()
    prices["name"] = "x"
    with pytest.raises(errors.NonNumericDataError, match="name"):
        fl.prepare_factor_data(_tiny_factor(), prices, periods=(1,), quantiles=2)


def _long_prices() -> pd.DataFrame:
    return _tiny_prices().stack().rename("close").rename_axis(["date", "asset"]).reset_index()


@pytest.mark.parametrize("prices, hint", [
    (lambda: _tiny_prices().set_axis(_tiny_prices().index.strftime("%Y-%m-%d")),
     "got Index of dtype .*; convert it with pd.to_datetime or read it with factorlab.read_prices$"),
    (_long_prices,
     (r"got RangeIndex of dtype int64; its timestamps are in the column 'date': set it as the index "
      r"\(.set_index\('date'\)\), or read a long table \(date, asset and value columns\) with "
      r"factorlab.read_prices$")),
    (lambda: _tiny_prices().stack(),
     (r"got MultiIndex of dtype object; it is in the long \(date, asset\) layout; prices are wide "
      r"\(dates x assets\): series.unstack\(\)$")),
    (lambda: _tiny_prices().stack().to_frame("close"),
     (r"got MultiIndex of dtype object; it is in the long \(date, asset\) layout; prices are wide "
      r"\(dates x assets\): frame\['close'\].unstack\(\)$")),
])
def test_prices_in_another_layout_say_how_to_fix_it(prices, hint):
    with pytest.raises(errors.InvalidIndexError, match=r"^prices must be indexed by timestamps \(a DatetimeIndex\), "
                                                       + hint):
        fl.prepare_factor_data(_tiny_factor(), prices(), periods=(1,), quantiles=2)


def test_factor_frames_in_the_long_layout():
    """A (date, asset) frame of one column is that Series; of several (Alphalens' factor_data) the error
    says which column to pass; a wide frame with its dates in a column says to set the index."""
    prices, fac = _tiny_prices(), _tiny_factor()
    want = fl.prepare_factor_data(fac, prices, periods=(1,), quantiles=2)
    got = fl.prepare_factor_data(fac.to_frame("factor"), prices, periods=(1,), quantiles=2)
    pd.testing.assert_frame_equal(got.frame, want.frame)
    with pytest.raises(errors.InvalidIndexError, match=r"long \(date, asset\) layout: pass the factor column as a "
                                                       r"Series, e\.g\. frame\['factor'\]$"):
        fl.prepare_factor_data(want.frame, prices, periods=(1,), quantiles=2)
    with pytest.raises(errors.InvalidIndexError, match=r"in the column 'date'.*with factorlab.read_factor$"):
        fl.prepare_factor_data(fac.unstack().rename_axis("date").reset_index(), prices, periods=(1,), quantiles=2)


@pytest.mark.parametrize("empty", ["prices", "factor"])
def test_empty_input_raises(empty):
    prices, fac = _tiny_prices(), _tiny_factor()
    if empty == "prices":
        prices = prices.iloc[:0]
    else:
        fac = fac.iloc[:0]
    with pytest.raises(errors.EmptyDataError):
        fl.prepare_factor_data(fac, prices, periods=(1,), quantiles=2)


def test_all_equal_factor_on_a_date_is_a_counted_binning_loss():
    fac = _tiny_factor().copy()
    fac.loc[_dates(4)[1]] = 7.0
    fd = fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=2, max_loss=0.5)
    assert list(fd.quality.binning_failed_dates) == [_dates(4)[1]]
    assert fd.quality.dropped["binning"] == 4


def test_all_equal_factor_with_max_loss_zero_raises_binning_error():
    fac = _tiny_factor().copy()
    fac.loc[_dates(4)[1]] = 7.0
    with pytest.raises(errors.BinningError, match="2020-01-02"):
        fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=2, max_loss=0)


def test_fewer_assets_than_quantiles_is_handled_like_pandas():
    # 4 distinct values and 10 quantiles: the interpolated edges are still unique, so (as pd.qcut
    # does) each asset lands in its own quantile and the other quantiles are empty on that date
    fd = fl.prepare_factor_data(_tiny_factor(), _tiny_prices(), periods=(1,), quantiles=10)
    d0 = fd.frame.xs(_dates(4)[0], level="date")["factor_quantile"]
    expected = pd.qcut(pd.Series([1.0, 2.0, 3.0, 4.0]), 10, labels=False) + 1
    assert d0.tolist() == expected.tolist()
    # with ties the edges repeat: binning is impossible on that date, a counted loss
    fac = _tiny_factor().copy()
    fac.loc[_dates(4)[0]] = [1.0, 1.0, 1.0, 2.0]
    fd = fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=10, max_loss=0.5)
    assert list(fd.quality.binning_failed_dates) == [_dates(4)[0]]


def test_discrete_factor_with_bins_works():
    fac = _tiny_factor().round() % 2  # values 0/1 only
    fd = fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=None, bins=[-0.5, 0.5, 1.5])
    assert set(fd.frame["factor_quantile"]) == {1, 2}


@pytest.mark.parametrize("kw, match", [
    (dict(quantiles=5, bins=5), "exactly one"),
    (dict(quantiles=0), "positive"),
    (dict(periods=(0,)), "periods"),
    (dict(periods=(1.5,)), "periods"),
    (dict(max_loss=2), "max_loss"),
    (dict(delay=-1), "delay"),
    (dict(binning_by_group=True), "groupby"),
    (dict(quantiles=[0.5, 0.2, 1.0]), "increase"),
])
def test_bad_parameters_raise(kw, match):
    kw = {"periods": (1,), "quantiles": 2, **kw}
    with pytest.raises(errors.ParameterError, match=match):
        fl.prepare_factor_data(_tiny_factor(), _tiny_prices(), **kw)


def test_max_loss_message_lists_reasons():
    fac = _tiny_factor().copy()
    fac.iloc[:6] = np.nan
    with pytest.raises(errors.MaxLossExceededError, match="non_finite_factor"):
        fl.prepare_factor_data(fac, _tiny_prices(), periods=(1,), quantiles=2)


def test_progress_bar_over_periods(capsys):
    fl.prepare_factor_data(_tiny_factor(), _tiny_prices(), periods=(1, 2), quantiles=2, max_loss=0.5,
                           progress=True)
    assert "prepare_factor_data" in capsys.readouterr().err
    fl.prepare_factor_data(_tiny_factor(), _tiny_prices(), periods=(1, 2), quantiles=2, max_loss=0.5)
    assert "prepare_factor_data" not in capsys.readouterr().err  # small panel: quiet by default


def test_compat_parity_on_data_with_listings_delistings_and_halts(sp500_prices):
    """The compat layer keeps Alphalens' rule (forward-filled prices, an entry dropped from every
    horizon when any is missing): same frame as alphalens-reloaded on survivorship-free data."""
    prices = sp500_prices.iloc[:300, :60].copy()
    prices.iloc[:80, 2] = np.nan        # listed on bar 80
    prices.iloc[150:, 7] = np.nan       # delisted after bar 149
    prices.iloc[201:, 11] = np.nan
    prices.iloc[100:104, 13] = np.nan   # a 4-bar trading halt
    fac = -(prices / prices.shift(5) - 1)
    fac = fac.stack().dropna().rename_axis(["date", "asset"])
    ref = _alphalens(fac, prices, periods=(1, 5), filter_zscore=None, max_loss=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = fl_utils.get_clean_factor_and_forward_returns(fac, prices, periods=(1, 5), filter_zscore=None,
                                                             max_loss=0.9)
    ours, ref = ours.sort_index(), ref.sort_index()
    assert ours.index.equals(ref.index)
    for col in ref.columns:
        np.testing.assert_allclose(ours[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float), rtol=1e-9)
    # the native API keeps the delisted name's last dates and marks their returns to the last price
    fd = fl.prepare_factor_data(fac, prices, periods=(1, 5), max_loss=0.9)
    last = prices.index[149]
    assert fd.factor.loc[last, prices.columns[7]] == fac.loc[(last, prices.columns[7])]
    t = prices.index[146]
    assert fd.returns["5D"].loc[t, prices.columns[7]] == pytest.approx(
        prices.iloc[149, 7] / prices.iloc[146, 7] - 1, rel=1e-13)
