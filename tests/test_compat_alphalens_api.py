"""factorlab.compat.alphalens against alphalens-reloaded: the whole public API, numbers, plots, tear sheets.

* every public function of alphalens' utils, performance, plotting and tears
  exists in compat with the same signature;
* utils and performance give the same frames (values to 1e-9, dtypes, index
  and column names, the date level's frequency) on small hand-made frames
  (groups, bins, zero-aware quantiles, ties, NaN factors) and on the real S&P data;
* Alphalens' printed loss summary is a DroppedDataWarning with the same numbers;
* plot functions return what Alphalens returns, with its titles, and draw;
* tear sheets return None and leave drawn figures;
* an Alphalens-style script gives the same outputs with only the import changed.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from factorlab.compat import alphalens as cl
from factorlab.errors import BinningError, DroppedDataWarning, MaxLossExceededError

al = pytest.importorskip("alphalens")
import alphalens.performance  # noqa: E402
import alphalens.plotting  # noqa: E402
import alphalens.tears  # noqa: E402
import alphalens.utils  # noqa: E402

RTOL, ATOL = 1e-9, 1e-12
MODULES = ("utils", "performance", "plotting", "tears")


def _public_functions(module) -> list[str]:
    return sorted(name for name, fn in inspect.getmembers(module, inspect.isfunction)
                  if fn.__module__ == module.__name__ and not name.startswith("_"))


API = [(m, name) for m in MODULES for name in _public_functions(getattr(al, m))]


def run_al(fn, *args, **kwargs):
    """Call alphalens quietly; returns (result or exception, printed text)."""
    buf = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(buf):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs), buf.getvalue()
        except Exception as exc:  # the oracle's exception is compared with ours
            return exc, buf.getvalue()


def run_cl(fn, *args, **kwargs):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def assert_same(actual, expected) -> float:
    """Strict pandas equality (dtypes, names, index frequency) up to 1e-9; returns the max abs difference."""
    if isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(actual, expected, rtol=RTOL, atol=ATOL)
    elif isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(actual, expected, rtol=RTOL, atol=ATOL)
    else:
        raise AssertionError(f"unexpected type {type(expected)}")
    if isinstance(expected.index, pd.MultiIndex) and isinstance(expected.index.levels[0], pd.DatetimeIndex):
        assert actual.index.levels[0].freq == expected.index.levels[0].freq
    a = np.asarray(actual.select_dtypes("number") if isinstance(actual, pd.DataFrame) else actual, dtype=float)
    e = np.asarray(expected.select_dtypes("number") if isinstance(expected, pd.DataFrame) else expected,
                   dtype=float)
    return float(np.nanmax(np.abs(a - e))) if np.isfinite(e).any() else 0.0


def expected_error(exc: Exception) -> type[Exception]:
    """The exception compat raises where Alphalens raises ``exc``: factorlab's MaxLossExceededError
    for Alphalens' own, otherwise a factorlab error deriving from the same builtin class."""
    if isinstance(exc, al.utils.MaxLossExceededError):
        return MaxLossExceededError
    return next(c for c in type(exc).__mro__ if c.__module__ == "builtins")


def check(name: str, module: str, *args, **kwargs) -> float:
    """Call compat and Alphalens' ``module.name``: same result, or the matching error."""
    expected, _ = run_al(getattr(getattr(al, module), name), *args, **kwargs)
    if isinstance(expected, Exception):
        with pytest.raises(expected_error(expected)):
            run_cl(getattr(getattr(cl, module), name), *args, **kwargs)
        return 0.0
    return assert_same(run_cl(getattr(getattr(cl, module), name), *args, **kwargs), expected)


# --------------------------------------------------------------------------- the API surface
def test_api_covers_all_four_modules():
    assert len(API) == 63  # alphalens-reloaded 0.5.1: 19 utils, 16 performance, 21 plotting, 7 tears
    missing = [f"{m}.{n}" for m, n in API if not callable(getattr(getattr(cl, m), n, None))]
    assert missing == []


def _plain(sig: inspect.Signature) -> inspect.Signature:
    """The signature without type annotations: names, kinds and defaults."""
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return sig.replace(parameters=params, return_annotation=inspect.Signature.empty)


@pytest.mark.parametrize("module,name", API, ids=[f"{m}.{n}" for m, n in API])
def test_same_signature(module, name):
    theirs = inspect.signature(getattr(getattr(al, module), name))
    ours = inspect.signature(getattr(getattr(cl, module), name))
    assert _plain(ours) == _plain(theirs)


# --------------------------------------------------------------------------- small hand-made inputs
@pytest.fixture(scope="module")
def small():
    """6 assets x 20 business days of prices, a factor on the first 12 dates with one NaN and ties."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2015-01-05", periods=20, freq="B")
    assets = list("ABCDEF")
    prices = pd.DataFrame(np.cumprod(1 + rng.normal(0, 0.02, (20, 6)), axis=0) * 10, index=dates, columns=assets)
    wide = pd.DataFrame(rng.normal(size=(12, 6)), index=dates[:12], columns=assets)
    wide.iloc[5, :3] = 0.25  # ties
    factor = wide.stack()
    factor.index.names = ["date", "asset"]
    factor.iloc[3] = np.nan
    groups = {"A": "g1", "B": "g1", "C": "g2", "D": "g2", "E": "g3", "F": "g3"}
    return prices, factor, groups


GCF_CASES = {
    "defaults": dict(),
    "groups": dict(groupby="groups"),
    "binning_by_group": dict(groupby="groups", binning_by_group=True, quantiles=2),
    "bins": dict(bins=3, quantiles=None),
    "bin_edges": dict(bins=[-10, -0.5, 0, 0.5, 10], quantiles=None),
    "zero_aware": dict(zero_aware=True, quantiles=2),
    "quantile_edges": dict(quantiles=[0, 0.3, 0.7, 1.0]),
    "groupby_labels": dict(groupby={a: i for i, a in enumerate("ABCDEF")},
                           groupby_labels={i: f"x{i % 2}" for i in range(6)}),
    "periods": dict(periods=(1, 2)),
    "max_loss_0": dict(max_loss=0.0),
    "zscore": dict(filter_zscore=1.0),
    "too_many_quantiles": dict(quantiles=6, max_loss=0.9),
}


def _kwargs(case: dict, groups: dict) -> dict:
    return {k: (groups if v == "groups" else v) for k, v in case.items()}


@pytest.mark.parametrize("case", list(GCF_CASES))
def test_get_clean_factor_and_forward_returns_small(small, case):
    prices, factor, groups = small
    kw = _kwargs(GCF_CASES[case], groups)
    expected, printed = run_al(al.utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
    if isinstance(expected, Exception):
        with pytest.raises(expected_error(expected)):
            run_cl(cl.utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        actual = cl.utils.get_clean_factor_and_forward_returns(factor, prices, **kw)
    assert_same(actual, expected)
    # the printed summary is a DroppedDataWarning with the same numbers
    dropped = [str(w.message) for w in caught if issubclass(w.category, DroppedDataWarning)]
    line = printed.splitlines()[0]
    assert dropped and dropped[0].startswith(line)


def test_quantile_dtype_follows_binning_losses(small):
    """Alphalens' quirk, reproduced: int64 labels when binning kept everything, float64 otherwise."""
    prices, factor, groups = small
    full = run_cl(cl.utils.get_clean_factor_and_forward_returns, factor, prices, quantiles=None, bins=3)
    lossy = run_cl(cl.utils.get_clean_factor_and_forward_returns, factor, prices, groupby=groups,
                   binning_by_group=True, quantiles=2)
    assert full["factor_quantile"].dtype == np.int64 and lossy["factor_quantile"].dtype == np.float64
    assert lossy["factor_quantile"].dtype == run_al(al.utils.get_clean_factor_and_forward_returns, factor, prices,
                                                    groupby=groups, binning_by_group=True,
                                                    quantiles=2)[0]["factor_quantile"].dtype


@pytest.mark.parametrize("kw", [dict(max_loss=0.01), dict(max_loss=0.0, quantiles=None, bins=3)])
def test_max_loss_exceeded_message(small, kw):
    prices, factor, _ = small
    expected, printed = run_al(al.utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
    assert isinstance(expected, al.utils.MaxLossExceededError)
    with pytest.raises(MaxLossExceededError) as info:
        run_cl(cl.utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
    assert str(info.value).startswith(str(expected))
    assert printed.splitlines()[0] in str(info.value)


def test_group_mapping_missing_asset_is_a_key_error(small):
    prices, factor, groups = small
    partial = {k: v for k, v in groups.items() if k != "F"}
    expected, _ = run_al(al.utils.get_clean_factor_and_forward_returns, factor, prices, groupby=partial)
    assert isinstance(expected, KeyError)
    with pytest.raises(KeyError, match=r"\['F'\] not in group mapping"):
        run_cl(cl.utils.get_clean_factor_and_forward_returns, factor, prices, groupby=partial)


@pytest.fixture(scope="module")
def small_frame(small):
    prices, factor, groups = small
    return run_al(al.utils.get_clean_factor_and_forward_returns, factor, prices, groupby=groups, quantiles=2)[0]


QUANTIZE_CASES = {
    "quantiles": dict(quantiles=3),
    "by_group_no_raise": dict(quantiles=3, by_group=True, no_raise=True),
    "zero_aware": dict(quantiles=4, zero_aware=True, no_raise=True),
    "bins": dict(quantiles=None, bins=3),
    "bins_zero_aware_by_group": dict(quantiles=None, bins=2, zero_aware=True, by_group=True, no_raise=True),
    "edges": dict(quantiles=[0, 0.5, 1.0], by_group=True),
}


@pytest.mark.parametrize("case", list(QUANTIZE_CASES))
def test_quantize_factor(small_frame, case):
    check("quantize_factor", "utils", small_frame, **QUANTIZE_CASES[case])


def test_subsets_alphalens_accepts(small, small_frame):
    """Inputs that once raised 'Length of values does not match length of index' in compat:
    a groups dict over more assets than the factor, and by-group binning of a row subset."""
    prices, factor, groups = small
    wider = {**groups, "X": "g9", "Y": "g1"}
    sub = factor[factor.index.get_level_values("asset").isin(list("ABCD"))]
    fwd = run_al(al.utils.compute_forward_returns, sub, prices)[0]
    dated = pd.Series(sub.index.get_level_values("asset").map(groups), index=sub.index)
    for kw in (dict(groupby=wider), dict(groupby=wider, binning_by_group=True, quantiles=2),
               dict(groupby=dated, groupby_labels={g: g.upper() for g in set(wider.values())})):
        check("get_clean_factor_and_forward_returns", "utils", sub, prices, **kw)
        check("get_clean_factor", "utils", sub, fwd, **kw)
    missing_on_a_date = factor.drop(index=[(factor.index[0][0], "E"), (factor.index[0][0], "F")])
    # a group without entries on a date: Alphalens bins it too (an error, or object labels on pandas 3)
    for q in (1, 2, [0, 0.5, 1], [0, 1]):
        for max_loss in (0.9, 0):
            check("get_clean_factor_and_forward_returns", "utils", missing_on_a_date, prices, groupby=groups,
                  binning_by_group=True, quantiles=q, max_loss=max_loss)
    d0 = small_frame.index[0][0]
    for rows in (small_frame[small_frame["group"] != "g3"], small_frame.drop(index=[(d0, "E"), (d0, "F")])):
        for kw in (dict(quantiles=2), dict(quantiles=1), dict(quantiles=[0, 1]), dict(quantiles=None, bins=2),
                   dict(quantiles=None, bins=[-5, 5]), dict(quantiles=4, zero_aware=True)):
            for no_raise in (True, False):
                check("quantize_factor", "utils", rows, by_group=True, no_raise=no_raise, **kw)


def test_quantize_factor_raises_with_alphalens_text(small_frame):
    expected, _ = run_al(al.utils.quantize_factor, small_frame, quantiles=2, by_group=True)
    assert isinstance(expected, ValueError)
    with pytest.raises(BinningError, match="Bin edges must be unique") as info:
        cl.utils.quantize_factor(small_frame, quantiles=2, by_group=True)
    assert "Decrease the number of quantiles" in str(info.value)


def test_forward_returns_clean_and_demean(small, small_frame):
    prices, factor, groups = small
    for kw in (dict(periods=(1, 3)), dict(periods=(1, 3), filter_zscore=1.0)):
        check("compute_forward_returns", "utils", factor, prices, **kw)
    fwd = run_al(al.utils.compute_forward_returns, factor, prices)[0]
    for kw in (dict(), dict(groupby=groups, binning_by_group=True, quantiles=2), dict(quantiles=3, max_loss=0.5),
               dict(quantiles=3, max_loss=0.0), dict(bins=4, quantiles=None, max_loss=0.9)):
        check("get_clean_factor", "utils", factor, fwd, **kw)
    by_group = [small_frame.index.get_level_values("date"), "group"]
    for grouper in (None, by_group):
        assert_same(cl.utils.demean_forward_returns(small_frame, grouper),
                    al.utils.demean_forward_returns(small_frame, grouper))
    assert_same(cl.utils.backshift_returns_series(small_frame["1D"], 2),
                al.utils.backshift_returns_series(small_frame["1D"], 2))


def test_two_assets_three_dates_demeaned():
    """The case that once gave 0.0 for -0.5: a 2-period return demeaned over two assets."""
    dates = pd.date_range("2020-01-01", periods=5, freq="D")
    prices = pd.DataFrame({"A": [1.0, 2.0, 3.0, 4.0, 5.0], "B": [1.0] * 5}, index=dates)
    factor = pd.Series([1.0, 2.0, 2.0, 1.0, 1.0, 2.0],
                       index=pd.MultiIndex.from_product([dates[:3], ["A", "B"]], names=["date", "asset"]))
    kw = dict(periods=(1, 2), quantiles=None, bins=2)
    expected = run_al(al.utils.get_clean_factor_and_forward_returns, factor, prices, **kw)[0]
    actual = run_cl(cl.utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
    assert_same(actual, expected)
    assert_same(cl.utils.demean_forward_returns(actual), al.utils.demean_forward_returns(expected))
    assert_same(cl.performance.factor_returns(actual), al.performance.factor_returns(expected))


def test_calendar_and_label_helpers(small):
    prices, factor, _ = small
    fdates = pd.DatetimeIndex(factor.index.levels[0])
    cal_a = al.utils.infer_trading_calendar(fdates, prices.index[::2])
    assert cl.utils.infer_trading_calendar(fdates, prices.index[::2]) == cal_a
    start, end = prices.index[2], prices.index[9]
    for freq in (cal_a, pd.offsets.BDay(), pd.offsets.Day()):
        assert cl.utils.diff_custom_calendar_timedeltas(start, end, freq) == \
            al.utils.diff_custom_calendar_timedeltas(start, end, freq)
        for td in (pd.Timedelta("3D"), pd.Timedelta("1D4h")):
            assert cl.utils.add_custom_calendar_timedelta(start, td, freq) == \
                al.utils.add_custom_calendar_timedelta(start, td, freq)
    for td in ("5D", "1D1h30m", "45s", "3ms"):
        assert cl.utils.timedelta_to_string(pd.Timedelta(td)) == al.utils.timedelta_to_string(pd.Timedelta(td))
    cols = pd.Index(["1D", "5D", "1D12h", "30m", "factor", "group"])
    for exact in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.testing.assert_index_equal(cl.utils.get_forward_returns_columns(cols, exact),
                                          al.utils.get_forward_returns_columns(cols, exact))
            assert cl.utils.turnover_periods_from_columns(cols) == al.utils.turnover_periods_from_columns(cols)
    assert cl.utils.timedelta_strings_to_integers(["1D", "10D"]) == [1, 10]
    ts = pd.Timestamp("2020-01-02 10:00", tz="US/Eastern")
    assert cl.utils.make_naive_ts(ts) == al.utils.make_naive_ts(ts)
    rets = pd.DataFrame({"1D": [0.01, -0.02], "5D": [0.05, 0.01]})
    assert_same(cl.utils.rate_of_return(rets["5D"], "1D"), al.utils.rate_of_return(rets["5D"], "1D"))
    assert_same(cl.utils.std_conversion(rets["5D"], "1D"), al.utils.std_conversion(rets["5D"], "1D"))


def test_error_helpers_and_print_table(capsys):
    with pytest.raises(ValueError, match="abc: more"):
        cl.utils.rethrow(ValueError("abc"), ": more")

    @cl.utils.non_unique_bin_edges_error
    def fails():
        raise ValueError("Bin edges must be unique")

    with pytest.raises(ValueError, match="Decrease the number of quantiles"):
        fails()
    cl.utils.print_table(pd.Series([0.12345], name="x"), name="Table", fmt="{0:.2f}%")
    assert "0.12%" in capsys.readouterr().out
    assert pd.get_option("display.float_format") is None


# --------------------------------------------------------------------------- the real S&P data
@pytest.fixture(scope="module")
def sp(sp500_prices, sp500_sectors, reversal_factor):
    """60 assets x 150 dates of the S&P panel: Alphalens' frame and compat's, and daily returns."""
    prices = sp500_prices.iloc[200:350, :60]
    idx = reversal_factor.index
    keep = idx.get_level_values(0).isin(prices.index[:-12]) & idx.get_level_values(1).isin(prices.columns)
    factor = reversal_factor[keep]
    kw = dict(groupby=sp500_sectors.to_dict(), quantiles=5, periods=(1, 5, 10))
    expected = run_al(al.utils.get_clean_factor_and_forward_returns, factor, prices, **kw)[0]
    actual = run_cl(cl.utils.get_clean_factor_and_forward_returns, factor, prices, **kw)
    return dict(prices=prices, factor=factor, al=expected, cl=actual, returns=prices.pct_change())


def test_sp500_clean_factor(sp):
    assert sp["cl"]["factor_quantile"].dtype == np.int64
    assert assert_same(sp["cl"], sp["al"]) < 1e-12


PERF_CASES = [
    ("factor_information_coefficient", dict()),
    ("factor_information_coefficient", dict(group_adjust=True, by_group=True)),
    ("mean_information_coefficient", dict(by_time="ME")),
    ("mean_information_coefficient", dict(by_group=True)),
    ("mean_return_by_quantile", dict()),
    ("mean_return_by_quantile", dict(by_date=True, demeaned=False)),
    ("mean_return_by_quantile", dict(by_group=True, group_adjust=True)),
    ("factor_weights", dict(group_adjust=False, equal_weight=True)),
    ("factor_returns", dict()),
    ("factor_returns", dict(by_asset=True)),
    ("factor_alpha_beta", dict()),
    ("factor_rank_autocorrelation", dict(period=5)),
    ("factor_cumulative_returns", dict(period="5D", quantiles=[1, 5])),
    ("factor_cumulative_returns", dict(period="1D", long_short=False, groups=["Financials"])),
    ("factor_positions", dict(period="5D")),
]


@pytest.mark.parametrize("name,kw", PERF_CASES, ids=[f"{n}-{'-'.join(k)}" for n, k in PERF_CASES])
def test_sp500_performance(sp, name, kw):
    frame_al, frame_cl = sp["al"], sp["cl"]
    if kw.get("by_group"):  # Alphalens loops over (date, group): 40 dates keep the test fast
        frame_al, frame_cl = (f[f.index.get_level_values(0) < sp["prices"].index[40]] for f in (frame_al, frame_cl))
    expected = run_al(getattr(al.performance, name), frame_al, **kw)[0]
    actual = run_cl(getattr(cl.performance, name), frame_cl, **kw)
    for a, e in zip(actual, expected) if isinstance(expected, tuple) else [(actual, expected)]:
        assert assert_same(a, e) < 1e-9


def test_sp500_portfolio_functions(sp):
    # Alphalens loops over dates, groups and quantiles here: the first 40 dates keep the test fast
    frame_al, frame_cl = (f[f.index.get_level_values(0) < sp["prices"].index[40]] for f in (sp["al"], sp["cl"]))
    ret = al.performance.factor_returns(frame_al)["1D"]
    assert_same(cl.performance.cumulative_returns(ret), al.performance.cumulative_returns(ret))
    weights = al.performance.factor_weights(frame_al)
    assert_same(cl.performance.positions(weights, "5D", frame_al.index.levels[0].freq),
                al.performance.positions(weights, "5D", frame_al.index.levels[0].freq))
    ours = run_cl(cl.performance.create_pyfolio_input, frame_cl, "5D", capital=1e6)
    theirs = run_al(al.performance.create_pyfolio_input, frame_al, "5D", capital=1e6)[0]
    for a, e in zip(ours, theirs):
        assert_same(a, e)
    mean, std = al.performance.mean_return_by_quantile(frame_al, by_date=True)
    for a, e in zip(cl.performance.compute_mean_returns_spread(mean, 5, 1, std),
                    al.performance.compute_mean_returns_spread(mean, 5, 1, std)):
        assert_same(a, e)
    assert_same(cl.performance.quantile_turnover(frame_cl["factor_quantile"], 5, 5),
                al.performance.quantile_turnover(frame_al["factor_quantile"], 5, 5))
    sub = frame_al.iloc[::50]
    assert_same(cl.performance.common_start_returns(sub, sp["returns"], 2, 3, demean_by=sub),
                run_al(al.performance.common_start_returns, sub, sp["returns"], 2, 3, demean_by=sub)[0])
    first = [f[f.index.get_level_values(0) < sp["prices"].index[15]] for f in (frame_cl, frame_al)]
    for kw, (f_cl, f_al) in ((dict(), (frame_cl, frame_al)), (dict(demeaned=False), (frame_cl, frame_al)),
                             (dict(by_group=True), first)):  # events on the first bars: offsets unsorted
        assert_same(cl.performance.average_cumulative_return_by_quantile(f_cl, sp["returns"], 3, 5, **kw),
                    run_al(al.performance.average_cumulative_return_by_quantile, f_al, sp["returns"], 3, 5,
                           **kw)[0])


# --------------------------------------------------------------------------- plotting
@pytest.fixture(scope="module")
def plot_inputs(sp):
    frame = sp["al"].loc[sp["al"].index.get_level_values(0) < sp["prices"].index[40]]
    ic = al.performance.factor_information_coefficient(frame)
    mean_q, _ = al.performance.mean_return_by_quantile(frame)
    by_date, std_by_date = al.performance.mean_return_by_quantile(frame, by_date=True)
    by_group, _ = al.performance.mean_return_by_quantile(frame, by_group=True)
    spread, spread_std = al.performance.compute_mean_returns_spread(by_date, 5, 1, std_by_date)
    turnover = pd.concat([al.performance.quantile_turnover(frame["factor_quantile"], q, 1) for q in range(1, 6)],
                         axis=1)
    avg = run_al(al.performance.average_cumulative_return_by_quantile, frame, sp["returns"], 3, 5)[0]
    return dict(
        frame=frame, ic=ic, mean_q=mean_q, by_date=by_date, by_group=by_group, spread=spread,
        spread_std=spread_std, turnover=turnover, avg=avg,
        autocorr=al.performance.factor_rank_autocorrelation(frame),
        monthly=al.performance.mean_information_coefficient(frame, by_time="ME"),
        ic_group=al.performance.mean_information_coefficient(frame, by_group=True),
        factor_returns=al.performance.factor_returns(frame)["1D"],
        alpha_beta=al.performance.factor_alpha_beta(frame))


PLOTS = {
    "plot_ic_ts": lambda d: ((d["ic"],), {}),
    "plot_ic_hist": lambda d: ((d["ic"],), {}),
    "plot_ic_qq": lambda d: ((d["ic"],), {}),
    "plot_ic_by_group": lambda d: ((d["ic_group"],), {}),
    "plot_monthly_ic_heatmap": lambda d: ((d["monthly"],), {}),
    "plot_quantile_returns_bar": lambda d: ((d["mean_q"],), {"ylim_percentiles": (1, 99)}),
    "plot_quantile_returns_bar-by_group": lambda d: ((d["by_group"],), {"by_group": True}),
    "plot_quantile_returns_violin": lambda d: ((d["by_date"],), {"ylim_percentiles": (1, 99)}),
    "plot_mean_quantile_returns_spread_time_series": lambda d: ((d["spread"],), {"std_err": d["spread_std"]}),
    "plot_mean_quantile_returns_spread_time_series-series": lambda d: ((d["spread"]["5D"],), {}),
    "plot_cumulative_returns": lambda d: ((d["factor_returns"], "1D"), {}),
    "plot_cumulative_returns_by_quantile": lambda d: ((d["by_date"]["1D"], "1D"), {}),
    "plot_factor_rank_auto_correlation": lambda d: ((d["autocorr"],), {}),
    "plot_top_bottom_quantile_turnover": lambda d: ((d["turnover"],), {}),
    "plot_quantile_average_cumulative_return": lambda d: ((d["avg"],), {"std_bar": True}),
    "plot_quantile_average_cumulative_return-by_quantile": lambda d: ((d["avg"],), {"by_quantile": True}),
    "plot_events_distribution": lambda d: ((d["frame"]["factor"],), {"num_bars": 20}),
}


def _axes_list(result) -> list:
    return list(np.asarray(result, dtype=object).ravel()) if not isinstance(result, Axes) else [result]


def _drawn(ax) -> int:
    return len(ax.lines) + len(ax.patches) + len(ax.collections) + len(ax.images)


@pytest.mark.parametrize("case", list(PLOTS))
def test_plot_returns_what_alphalens_returns_and_draws(plot_inputs, case):
    name = case.split("-")[0]
    args, kw = PLOTS[case](plot_inputs)
    theirs = run_al(getattr(al.plotting, name), *args, **kw)[0]
    assert not isinstance(theirs, Exception), theirs
    their_titles = [a.get_title() for a in _axes_list(theirs) if a.get_visible()]
    their_labels = [a.get_ylabel() for a in _axes_list(theirs) if a.get_visible()]
    plt.close("all")
    ours = run_cl(getattr(cl.plotting, name), *args, **kw)
    assert type(ours) is type(theirs)
    axes = _axes_list(ours)
    assert len(axes) == len(_axes_list(theirs))
    visible = [a for a in axes if a.get_visible()]
    their_drawn = [_drawn(a) > 0 for a in _axes_list(theirs) if a.get_visible()]
    assert [_drawn(a) > 0 for a in visible] == their_drawn and any(their_drawn)
    assert [re.sub(r"\s+", " ", a.get_title()) for a in visible] == \
        [re.sub(r"\s+", " ", t) for t in their_titles]
    assert [a.get_ylabel() for a in visible] == their_labels


def test_plot_draws_on_the_given_axes(plot_inputs):
    fig, axes = plt.subplots(3, 1)
    out = cl.plotting.plot_ic_ts(plot_inputs["ic"], ax=list(axes))
    assert out == list(axes) and all(len(a.lines) >= 2 for a in axes)
    fig, ax = plt.subplots()
    assert cl.plotting.plot_cumulative_returns(plot_inputs["factor_returns"], "1D", ax=ax) is ax
    growth = cl.performance.cumulative_returns(plot_inputs["factor_returns"])
    np.testing.assert_allclose(np.asarray(ax.lines[0].get_ydata(), dtype=float), growth.to_numpy())
    fig, ax = plt.subplots()
    cl.plotting.plot_quantile_returns_bar(plot_inputs["mean_q"], ax=ax)
    heights = sorted(p.get_height() for p in ax.patches if p.get_height() != 0)
    np.testing.assert_allclose(heights, np.sort(plot_inputs["mean_q"].to_numpy().ravel() * 1e4)[
        np.sort(plot_inputs["mean_q"].to_numpy().ravel()) != 0])


TABLES = {
    "plot_returns_table": lambda d: (d["alpha_beta"], d["mean_q"], d["spread"]),
    "plot_turnover_table": lambda d: (d["autocorr"].to_frame(), {1: d["turnover"]}),
    "plot_information_table": lambda d: (d["ic"],),
    "plot_quantile_statistics_table": lambda d: (d["frame"],),
}


@pytest.mark.parametrize("name", list(TABLES))
def test_tables(plot_inputs, name, capsys):
    args = TABLES[name](plot_inputs)
    theirs = run_al(getattr(al.plotting, name), *args, return_df=True)[0]
    ours = getattr(cl.plotting, name)(*args, return_df=True)
    for a, e in zip(ours, theirs) if isinstance(theirs, tuple) else [(ours, theirs)]:
        assert_same(a, e)
    assert getattr(cl.plotting, name)(*args) is None
    assert capsys.readouterr().out.strip()


def test_contexts_change_no_global_state():
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    with cl.plotting.plotting_context(), cl.plotting.axes_style():
        assert mpl.rcParams["axes.grid"] is True
        assert mpl.rcParams["font.size"] == 18
    assert dict(mpl.rcParams) == before

    @cl.plotting.customize
    def draw(x):
        return mpl.rcParams["axes.grid"], x

    assert draw(1) == (True, 1)
    assert draw(1, set_context=False) == (before["axes.grid"], 1)


# --------------------------------------------------------------------------- tear sheets
TEARS = {
    "create_summary_tear_sheet": lambda d: ((d["frame"],), {}),
    "create_returns_tear_sheet": lambda d: ((d["frame"],), {"by_group": True}),
    "create_information_tear_sheet": lambda d: ((d["frame"],), {}),
    "create_information_tear_sheet-by_group": lambda d: ((d["frame"],), {"by_group": True}),
    "create_turnover_tear_sheet": lambda d: ((d["frame"],), {}),
    "create_full_tear_sheet": lambda d: ((d["frame"],), {}),
    "create_event_returns_tear_sheet": lambda d: ((d["frame"], d["returns"]), {"by_group": True}),
    "create_event_study_tear_sheet": lambda d: ((d["frame"], d["returns"]), {}),
}


@pytest.mark.parametrize("case", list(TEARS))
def test_tear_sheet_returns_none_and_draws(sp, case):
    name = case.split("-")[0]
    frame = sp["cl"].loc[sp["cl"].index.get_level_values(0) < sp["prices"].index[120]]
    args, kw = TEARS[case](dict(frame=frame, returns=sp["returns"]))
    plt.close("all")
    assert run_cl(getattr(cl.tears, name), *args, **kw) is None
    figures = [plt.figure(n) for n in plt.get_fignums()]
    assert figures
    for fig in figures:
        drawn = [a for a in fig.axes if _drawn(a)]
        assert drawn and all(a.get_title() or a.get_ylabel() for a in drawn)


# --------------------------------------------------------------------------- an existing notebook
NOTEBOOK = """
import alphalens
factor_data = alphalens.utils.get_clean_factor_and_forward_returns(
    factor, prices, groupby=sectors, quantiles=5, periods=(1, 5))
mean_ret, std_err = alphalens.performance.mean_return_by_quantile(factor_data, by_group=False)
mean_ret = mean_ret.apply(alphalens.utils.rate_of_return, axis=0, base_period=mean_ret.columns[0])
by_date, std_by_date = alphalens.performance.mean_return_by_quantile(factor_data, by_date=True)
spread, spread_err = alphalens.performance.compute_mean_returns_spread(by_date, 5, 1, std_by_date)
ic = alphalens.performance.factor_information_coefficient(factor_data)
monthly_ic = alphalens.performance.mean_information_coefficient(factor_data, by_time="ME")
alpha_beta = alphalens.performance.factor_alpha_beta(factor_data)
turnover = alphalens.performance.quantile_turnover(factor_data["factor_quantile"], 5, 1)
autocorr = alphalens.performance.factor_rank_autocorrelation(factor_data)
cumulative = alphalens.performance.factor_cumulative_returns(factor_data, "1D")
ic_table = alphalens.plotting.plot_information_table(ic, return_df=True)
alphalens.plotting.plot_quantile_returns_bar(mean_ret)
alphalens.tears.create_returns_tear_sheet(factor_data)
"""


def _run_notebook(source: str, namespace: dict) -> dict:
    ns = dict(namespace)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        exec(compile(source, "<notebook>", "exec"), ns)
    plt.close("all")
    return ns


def test_existing_alphalens_notebook_runs_with_one_import_changed(sp500_prices, sp500_sectors,
                                                                   momentum_factor):
    prices = sp500_prices.iloc[300:420, 100:140]
    idx = momentum_factor.index
    keep = idx.get_level_values(0).isin(prices.index[:-6]) & idx.get_level_values(1).isin(prices.columns)
    inputs = dict(factor=momentum_factor[keep], prices=prices, sectors=sp500_sectors.to_dict())
    theirs = _run_notebook(NOTEBOOK, inputs)
    changed = NOTEBOOK.replace("import alphalens\n", "from factorlab.compat import alphalens\n", 1)
    assert changed.count("factorlab") == 1
    ours = _run_notebook(changed, inputs)
    names = ["factor_data", "mean_ret", "std_err", "by_date", "spread", "spread_err", "ic", "monthly_ic",
             "alpha_beta", "turnover", "autocorr", "cumulative", "ic_table"]
    worst = max(assert_same(ours[n], theirs[n]) for n in names)
    assert worst < 1e-9
