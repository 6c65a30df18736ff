"""fl.screen: every number equals the single-factor functions', multiplicity, correlations, display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from statsmodels.stats.multitest import multipletests

import factorlab as fl
from factorlab.errors import DroppedDataWarning, EmptyDataError, MaxLossExceededError, ParameterError
from factorlab.screening import adjust_pvalues, screen

PERIODS = (1, 5)


@pytest.fixture(scope="module")
def sample():
    s = fl.load_sample()
    return s.prices.iloc[:320, :40], s.sectors


def _momentum(k):
    return lambda p: p.pct_change(k, fill_method=None)


@pytest.fixture(scope="module")
def factors(sample):
    prices, _ = sample
    rng = np.random.default_rng(7)
    noise = pd.DataFrame(rng.standard_normal(prices.shape), index=prices.index, columns=prices.columns)
    long = (-prices.pct_change(5, fill_method=None)).stack().dropna()
    long.index.names = ["date", "asset"]
    return {"mom20": _momentum(20), "reversal (long)": long, "noise": noise.where(prices.notna())}


@pytest.fixture(scope="module")
def result(sample, factors):
    prices, _ = sample
    return screen(factors, prices, periods=PERIODS, quantiles=5, cost_bps=10, progress=False)


def _single(factor, prices, **kw):
    f = factor(prices) if callable(factor) else factor
    return f, fl.prepare_factor_data(f, prices, periods=PERIODS, quantiles=5, **kw)


@pytest.mark.filterwarnings("ignore::factorlab.errors.DroppedDataWarning")
@pytest.mark.parametrize("name", ["mom20", "reversal (long)", "noise"])
def test_every_number_equals_the_single_factor_functions(result, sample, factors, name):
    prices, _ = sample
    f, fd = _single(factors[name], prices)  # its own forward returns, not the screen's shared ones
    verdict = fl.factor_verdict(fd, cost_bps=10).table
    row = result.table.xs(name, level="factor")
    assert list(row.index) == list(fd.labels)
    for col in ("IC mean", "IC HAC t-stat", "IC HAC p-value", "HAC lags", "spread per bar", "Sharpe gross",
                "Sharpe net", "turnover per bar"):
        np.testing.assert_allclose(row[col].to_numpy(dtype=float), verdict[col].to_numpy(dtype=float),
                                   rtol=1e-12, atol=0, err_msg=col)
    ics = fl.ic_summary(fl.information_coefficient(fd), periods=fd.periods)
    np.testing.assert_allclose(row["IC mean"], ics["IC Mean"], rtol=1e-12)
    for n, label in zip(fd.periods, fd.labels):
        assert row.loc[label, "rank autocorrelation"] == pytest.approx(
            fl.factor_rank_autocorrelation(fd, n).mean(), rel=1e-12)
        assert row.loc[label, "top quantile turnover"] == pytest.approx(
            fl.quantile_turnover(fd, 5, n).mean(), rel=1e-12)
        w = fl.factor_weights(fd)
        net = fl.interleaved_returns(w, prices, n, cost_bps=10).returns
        assert row.loc[label, "Sharpe net"] == pytest.approx(net.mean() / net.std() * np.sqrt(252), rel=1e-12)
    # coverage by hand: members over names with a positive price, on the factor's dates
    span = prices.loc[fd.dates[0]:fd.dates[-1]]
    assert row["coverage"].iloc[0] == pytest.approx(fd.mask.sum() / (span > 0).to_numpy().sum(), rel=1e-12)


def test_spread_is_the_top_minus_bottom_per_bar_rate_by_hand(result, sample, factors):
    prices, _ = sample
    _, fd = _single(factors["mom20"], prices)
    fr = fd.frame
    for label, n in zip(fd.labels, fd.periods):
        demeaned = fr[label] - fr.groupby(level="date")[label].transform("mean")
        by_q = demeaned.groupby([fr["factor_quantile"], fr.index.get_level_values("date")]).mean()
        top, bottom = by_q.loc[5].mean(), by_q.loc[1].mean()
        expected = (1 + top) ** (1 / n) - (1 + bottom) ** (1 / n)
        assert result.table.loc[("mom20", label), "spread per bar"] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("method, sm", [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjusted_p_values_match_statsmodels(method, sm):
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.2, 40)
    p[5] = np.nan
    got = adjust_pvalues(p, method)
    ok = np.isfinite(p)
    np.testing.assert_allclose(got[ok], multipletests(p[ok], method=sm)[1], rtol=1e-12)
    assert np.isnan(got[5])


def test_screen_adjusts_across_every_row(result):
    t = result.table
    np.testing.assert_allclose(t["IC HAC p-value adjusted"], multipletests(t["IC HAC p-value"], method="holm")[1],
                               rtol=1e-12)
    assert (t["IC HAC p-value adjusted"] >= t["IC HAC p-value"]).all()


def test_bh_is_never_more_conservative_than_holm(sample, factors):
    prices, _ = sample
    bh = screen(factors, prices, periods=PERIODS, adjust="bh", correlation=False, progress=False)
    holm = screen(factors, prices, periods=PERIODS, adjust="holm", correlation=False, progress=False)
    assert (bh.table["IC HAC p-value adjusted"] <= holm.table["IC HAC p-value adjusted"] + 1e-15).all()
    assert bh.correlation.factors is None


def test_rank_correlation_between_factors_by_hand(result, sample, factors):
    prices, _ = sample
    a = factors["mom20"](prices)
    b = factors["noise"]
    # both factors rank the same names on the dates where mom20 exists: mean of the daily Spearman rho
    rhos = []
    for d in a.index:
        x, y = a.loc[d], b.loc[d]
        ok = x.notna() & y.notna() & (prices.loc[d] > 0)
        if ok.sum() > 1:
            rhos.append(spearmanr(x[ok], y[ok]).statistic)
    assert result.correlation.factors.loc["mom20", "noise"] == pytest.approx(np.mean(rhos), abs=1e-6)
    c = result.correlation.factors.to_numpy()
    np.testing.assert_allclose(c, c.T)
    np.testing.assert_allclose(np.diag(c), 1.0)


def test_reversal_is_perfectly_anti_correlated_with_five_bar_momentum(sample):
    prices, _ = sample
    res = screen({"mom5": _momentum(5), "rev5": lambda p: -p.pct_change(5, fill_method=None)}, prices,
                 periods=(1,), progress=False)
    assert res.correlation.factors.loc["mom5", "rev5"] == pytest.approx(-1.0, abs=1e-6)
    t = res.table
    assert t.loc[("mom5", "1D"), "IC mean"] == pytest.approx(-t.loc[("rev5", "1D"), "IC mean"], rel=1e-12)


def test_factor_returns_correlation_is_that_of_the_sleeves(result, sample, factors):
    prices, _ = sample
    rets = {}
    for name in ("mom20", "noise"):
        _, fd = _single(factors[name], prices)
        rets[name] = fl.interleaved_returns(fl.factor_weights(fd), prices, 5).returns
    expected = pd.concat(rets, axis=1, sort=True).corr().loc["mom20", "noise"]
    assert result.correlation.returns["5D"].loc["mom20", "noise"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.filterwarnings("ignore::factorlab.errors.DroppedDataWarning")
def test_groups_and_delay_are_the_single_factor_ones(sample, factors):
    prices, sectors = sample
    res = screen({"mom20": factors["mom20"]}, prices, periods=(5,), groupby=sectors, group_neutral=True,
                 delay=1, correlation=False, progress=False)
    fd = fl.prepare_factor_data(factors["mom20"](prices), prices, periods=(5,), groupby=sectors, delay=1)
    v = fl.factor_verdict(fd, group_neutral=True).table
    for col in ("IC mean", "IC HAC p-value", "spread per bar", "Sharpe gross", "turnover per bar"):
        assert res.table.loc[("mom20", "5D"), col] == pytest.approx(v.loc["5D", col], rel=1e-12), col


def test_asking_for_more_periods_leaves_a_horizon_unchanged(sample, factors):
    prices, _ = sample
    one = screen(factors, prices, periods=(5,), correlation=False, progress=False).table
    two = screen(factors, prices, periods=(1, 5), correlation=False, progress=False).table
    cols = one.columns.drop("IC HAC p-value adjusted")  # the family grows with the periods
    pd.testing.assert_frame_equal(one[cols], two.xs("5D", level="period", drop_level=False)[cols])


def test_truncation_leaves_earlier_statistics_of_short_horizons_alone(sample, factors):
    """Point in time: the rank correlation with the factor's own lag at t uses nothing after t."""
    prices, _ = sample
    full = screen({"m": factors["mom20"]}, prices, periods=(1,), correlation=False, progress=False)
    cut = screen({"m": factors["mom20"]}, prices.iloc[:200], periods=(1,), correlation=False, progress=False)
    ic_full = fl.information_coefficient(fl.prepare_factor_data(factors["mom20"](prices), prices, periods=(1,)))
    ic_cut = fl.information_coefficient(fl.prepare_factor_data(factors["mom20"](prices.iloc[:200]),
                                                               prices.iloc[:200], periods=(1,)))
    pd.testing.assert_series_equal(ic_cut["1D"].dropna(), ic_full["1D"].loc[ic_cut["1D"].dropna().index])
    assert cut.table.loc[("m", "1D"), "IC mean"] == pytest.approx(ic_cut["1D"].mean(), rel=1e-12)
    assert full.table.loc[("m", "1D"), "IC mean"] == pytest.approx(ic_full["1D"].mean(), rel=1e-12)


def test_precomputed_forward_returns_give_the_same_screen(result, sample, factors):
    prices, _ = sample
    fwd = fl.forward_returns(prices, (1, 5, 10))
    again = screen(factors, fwd, periods=PERIODS, cost_bps=10, progress=False)
    pd.testing.assert_frame_equal(again.table, result.table)


def test_inputs_are_not_mutated(sample, factors):
    prices, _ = sample
    before = prices.copy()
    noise = factors["noise"].copy()
    screen({"noise": factors["noise"]}, prices, periods=(1,), progress=False)
    pd.testing.assert_frame_equal(prices, before)
    pd.testing.assert_frame_equal(factors["noise"], noise)


@pytest.mark.parametrize("kwargs, match", [
    (dict(factors={}), "non-empty mapping"),
    (dict(factors=[1, 2]), "non-empty mapping"),
    (dict(factors={"a": 3}), "factor 'a' must be"),
    (dict(factors={1: lambda p: p}), "names must be"),
    (dict(cost_bps=-1), "cost_bps"),
    (dict(delay=-1), "delay"),
    (dict(adjust="bonferroni"), "adjust must be one of"),
    (dict(executor="spark"), "executor must be one of"),
    (dict(executor="dask"), "needs scheduler="),
    ({"errors": "ignore"}, "errors must be one of"),
])
def test_bad_arguments_raise(sample, kwargs, match):
    prices, _ = sample
    args = dict(factors={"m": _momentum(5)})
    args.update(kwargs)
    with pytest.raises(ParameterError, match=match):
        screen(args.pop("factors"), prices, progress=False, **args)


def test_a_factor_losing_too_much_is_named(sample):
    prices, _ = sample
    sparse = prices.pct_change(5, fill_method=None)
    sparse.iloc[:, 5:] = np.inf
    with pytest.raises(MaxLossExceededError, match="factor 'sparse'"):
        screen({"ok": _momentum(5), "sparse": sparse}, prices, periods=(1,), progress=False)


@pytest.mark.filterwarnings("ignore:price data quality:factorlab.errors.DataQualityWarning")
def test_errors_report_screens_the_others_and_lists_the_failures(sample, result, factors, tmp_path):
    """errors='report': a factor that cannot be screened is left out, listed with its error and warned
    about; every other row is the one a screen without it gives (Holm over the rows tested)."""
    prices, _ = sample
    sparse = prices.pct_change(5, fill_method=None)
    sparse.iloc[:, 5:] = np.inf  # 88% of its entries non-finite: more than max_loss
    empty = prices * np.nan
    mixed = {"mom20": factors["mom20"], "sparse": sparse, "noise": factors["noise"], "empty": empty}
    with pytest.warns(DroppedDataWarning, match=r"2 of 4 factors could not be screened.*'sparse'.*'empty'"):
        res = screen(mixed, prices, periods=PERIODS, quantiles=5, cost_bps=10, errors="report", progress=False)
    assert list(res.failed.index) == ["sparse", "empty"]
    assert list(res.failed["error"]) == ["MaxLossExceededError", "EmptyDataError"]
    assert res.failed.loc["sparse", "message"].startswith("factor 'sparse': max_loss")
    assert res.names == ["mom20", "noise"]
    assert list(res.table.index.get_level_values("factor").unique()) == ["mom20", "noise"]
    assert list(res.correlation.factors.index) == ["mom20", "noise"]
    assert list(res.dropped.index) == ["mom20", "noise"]
    alone = screen({k: mixed[k] for k in ("mom20", "noise")}, prices, periods=PERIODS, quantiles=5, cost_bps=10,
                   progress=False)
    pd.testing.assert_frame_equal(res.table, alone.table, check_exact=True)
    assert "2 factors (2 more not screened: 'sparse', 'empty')" in res._note()
    page = res.to_html(tmp_path / "s.html")
    assert "Not screened" in page and "MaxLossExceededError" in page
    assert "2 not screened" in repr(res)
    assert result.failed.empty and "not screened" not in result.to_html()


def test_errors_report_raises_when_no_factor_can_be_screened(sample):
    prices, _ = sample
    with pytest.raises(EmptyDataError, match=r"no factor could be screened \(2 of 2 failed\).*'a'.*'b'"):
        screen({"a": prices * np.nan, "b": prices * np.nan}, prices, periods=(1,), errors="report", progress=False)


def test_errors_report_names_the_factor_of_an_error_raised_in_its_callable(sample):
    prices, _ = sample

    def bad_winsorize(p):
        return fl.winsorize(p.pct_change(fill_method=None), method="nope")  # raises ParameterError

    with pytest.warns(DroppedDataWarning, match="1 of 2 factors"):
        res = screen({"ok": _momentum(5), "bad": bad_winsorize}, prices, periods=(1,), errors="report",
                     progress=False)
    assert res.failed.loc["bad", "error"] == "ParameterError"
    assert res.failed.loc["bad", "message"].startswith("factor 'bad': ")


def test_errors_report_still_raises_a_bug_in_a_callable(sample):
    prices, _ = sample

    def broken(p):
        raise KeyError("no such column")

    with pytest.raises(KeyError, match="no such column"):
        screen({"ok": _momentum(5), "broken": broken}, prices, periods=(1,), errors="report", progress=False)


def test_display_html_and_sorting(result, tmp_path):
    html = result._repr_html_()
    assert "Factor screen" in html and "p adjusted (holm)" in html and "bps/bar, 2x gross" in html
    page = result.to_html(tmp_path / "out" / "screen.html")
    assert (tmp_path / "out" / "screen.html").read_text() == page
    assert "Rank correlation between factors" in page and "Correlation of factor returns (5D" in page
    s = result.summary(sort_by="IC HAC p-value")
    p = result.table.loc[s.index, "IC HAC p-value"].to_numpy()
    assert (np.diff(p) >= 0).all()
    with pytest.raises(ParameterError, match="sort_by"):
        result.summary(sort_by="nope")
    assert set(result.significant(0.999).index) <= set(result.table.index)


@pytest.mark.filterwarnings("ignore::factorlab.errors.DroppedDataWarning")
def test_tear_sheet_of_one_screened_factor(result, sample):
    prices, _ = sample
    ts = result.tear_sheet("mom20")
    assert isinstance(ts, fl.TearSheet)
    with pytest.raises(ParameterError, match="no factor named"):
        result.tear_sheet("missing")


def test_progress_bar_over_factors(sample, factors, capsys):
    prices, _ = sample
    with fl.set_progress(True):
        screen(factors, prices, periods=(1,), correlation=False, progress=True)
    err = capsys.readouterr().err
    assert "screen" in err and "3/3" in err and "factor" in err
    with fl.set_progress(True):
        screen(factors, prices, periods=(1,), correlation=False, progress=False)
    assert "screen" not in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::factorlab.errors.DroppedDataWarning")
@pytest.mark.parametrize("subset", ["every asset", "some assets, a gap of dates"])
def test_normalised_ranks_by_hand(sample, subset):
    """Each date's factor ranks, centred and of unit norm, on the prices' grid (0 elsewhere): the whole
    grid (written as a slice) and a factor on some assets with a gap of dates (written cell by cell)."""
    from factorlab.screening._evaluate import normalised_ranks

    prices, _ = sample
    f = prices.pct_change(3, fill_method=None)
    if subset != "every asset":
        f = f.iloc[:, ::3].drop(f.index[100:110])
    fd = fl.prepare_factor_data(f, prices, periods=(1,), quantiles=5)
    got = normalised_ranks(fd, prices.index, prices.columns)
    want = np.zeros(prices.shape)
    for d in fd.dates:
        x = fd.factor.loc[d]  # the members' factor values, NaN elsewhere
        r = x.rank().dropna()
        c = r - r.mean()
        if (c != 0).any():
            want[prices.index.get_loc(d), prices.columns.get_indexer(c.index)] = c / np.sqrt((c * c).sum())
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-6)
    if subset != "every asset":
        assert not got[100:110].any() and not got[:, 1::3].any()


def test_a_failure_travels_between_processes():
    """What a Dask worker returns for a factor that cannot be screened pickles whole (every error class)."""
    import inspect
    import pickle

    from factorlab import errors
    from factorlab.screening._evaluate import FactorFailure

    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.FactorlabError)]
    assert len(classes) > 10
    for cls in classes:
        back = pickle.loads(pickle.dumps(FactorFailure("x", cls("factor 'x': what went wrong"))))
        assert type(back.error) is cls and str(back.error) == "factor 'x': what went wrong" and back.name == "x"
