"""Data layer: reading CSV/Parquet in wide and long layouts, validation, the sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import factorlab as fl
from factorlab import errors
from factorlab.data import sample_path


@pytest.fixture
def small_prices(sp500_prices) -> pd.DataFrame:
    return sp500_prices.iloc[:30, :6]


def test_load_sample_is_real_subset(sp500_prices, spx):
    s = fl.load_sample()
    assert s.prices.shape == (1440, 100)
    pd.testing.assert_frame_equal(s.prices, sp500_prices[s.prices.columns], check_names=False,
                                  check_freq=False, check_column_type=False, check_index_type=False)
    np.testing.assert_array_equal(s.benchmark.to_numpy(), spx.to_numpy())
    assert set(s.sectors.index) == set(s.prices.columns)
    assert s.sectors.notna().all()


def test_sample_files_are_small():
    total = sum(p.stat().st_size for p in sample_path().iterdir() if p.is_file())
    assert total < 5 * 2**20


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_read_prices_wide_roundtrip(tmp_path, small_prices, suffix):
    path = tmp_path / f"prices{suffix}"
    frame = small_prices.reset_index()
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path, index=False)
    got = fl.read_prices(path)
    np.testing.assert_allclose(got.to_numpy(), small_prices.to_numpy(), rtol=1e-12)
    assert list(got.columns) == list(small_prices.columns)
    assert (got.index == small_prices.index).all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_read_prices_long_layout(tmp_path, small_prices, suffix):
    long = small_prices.stack().rename("close").reset_index()
    path = tmp_path / f"long{suffix}"
    long.to_csv(path, index=False) if suffix == ".csv" else long.to_parquet(path, index=False)
    got = fl.read_prices(path)
    np.testing.assert_allclose(got[small_prices.columns].to_numpy(), small_prices.to_numpy(), rtol=1e-12)


def test_read_factor_wide_and_long_agree(tmp_path, small_prices):
    wide = small_prices.pct_change(3)
    wide.reset_index().to_parquet(tmp_path / "f.parquet", index=False)
    long = wide.stack().rename("value").reset_index()
    long.to_csv(tmp_path / "f.csv", index=False)
    a = fl.read_factor(tmp_path / "f.parquet")
    b = fl.read_factor(tmp_path / "f.csv")
    assert a.index.names == ["date", "asset"]
    np.testing.assert_allclose(a.sort_index().to_numpy(), b.sort_index().to_numpy(), rtol=1e-12)


def test_wide_factor_frame_accepted_by_prepare(small_prices):
    wide = -small_prices.pct_change(3)
    a = fl.prepare_factor_data(wide, small_prices, periods=(1,), quantiles=2)
    s = wide.stack().dropna()
    s.index.names = ["date", "asset"]
    b = fl.prepare_factor_data(s, small_prices, periods=(1,), quantiles=2)
    pd.testing.assert_frame_equal(a.frame, b.frame)


def test_read_missing_file(tmp_path):
    with pytest.raises(errors.DataError, match="not found"):
        fl.read_prices(tmp_path / "nope.csv")


def test_read_unknown_extension(tmp_path):
    p = tmp_path / "prices.xlsx"
    p.write_text("x")
    with pytest.raises(errors.DataError, match="csv or .parquet"):
        fl.read_prices(p)


def test_long_layout_with_two_value_columns_needs_value_col(tmp_path, small_prices):
    long = small_prices.stack().rename("close").reset_index()
    long["volume"] = 1.0
    with pytest.raises(errors.DataError, match="value_col"):
        fl.read_prices(long)
    got = fl.read_prices(long, value_col="close")
    assert got.shape == small_prices.shape


def test_unparseable_dates(tmp_path):
    frame = pd.DataFrame({"date": ["x", "y"], "A": [1.0, 2.0]})
    with pytest.raises(errors.InvalidIndexError, match="dates"):
        fl.read_prices(frame)


def test_prices_index_must_be_datetime(small_prices):
    bad = small_prices.reset_index(drop=True)
    with pytest.raises(errors.InvalidIndexError, match="DatetimeIndex"):
        fl.forward_returns(bad, periods=(1,))


def test_all_nan_prices(small_prices):
    with pytest.raises(errors.EmptyDataError, match="NaN"):
        fl.forward_returns(small_prices * np.nan, periods=(1,))


def test_duplicate_asset_columns(small_prices):
    bad = pd.concat([small_prices, small_prices.iloc[:, :1]], axis=1)
    with pytest.raises(errors.DuplicateEntriesError, match=small_prices.columns[0]):
        fl.forward_returns(bad, periods=(1,))


def test_period_longer_than_data(small_prices):
    with pytest.raises(errors.ParameterError, match="shorter"):
        fl.forward_returns(small_prices, periods=(30,))


def test_forward_returns_hand_values():
    prices = pd.DataFrame({"A": [1.0, 2.0, 4.0, np.nan, 4.0]}, index=pd.bdate_range("2021-01-04", periods=5))
    fwd = fl.forward_returns(prices, periods=(1, 2))
    # the end of a horizon is marked to the last actual price (bar 3 has none: the mark is bar 2's 4.0);
    # no start price (bar 3) or a horizon past the data (bar 4, and bar 3 for 2D) gives NaN
    np.testing.assert_array_equal(fwd["1D"]["A"].to_numpy(), [1.0, 1.0, 0.0, np.nan, np.nan])
    np.testing.assert_array_equal(fwd["2D"]["A"].to_numpy(), [3.0, 1.0, 0.0, np.nan, np.nan])


def test_last_price_fill_carries_the_last_price_forward_point_in_time():
    """The one forward fill of prices (forward returns, IC decay, the sleeves' marks): a hand case, pandas'
    ffill on a panel with listings and gaps, the value before a column's first price, and truncation."""
    from factorlab.data._fill import last_price_fill

    nan = np.nan
    v = np.array([[nan, 1.0, 2.0],
                  [nan, nan, 0.0],
                  [3.0, nan, nan],
                  [nan, 4.0, nan]])
    np.testing.assert_array_equal(last_price_fill(v), [[nan, 1.0, 2.0], [nan, 1.0, 0.0], [3.0, 1.0, 0.0],
                                                       [3.0, 4.0, 0.0]])
    np.testing.assert_array_equal(last_price_fill(v, before_first=0.0)[:2, 0], [0.0, 0.0])
    assert np.isnan(v[1, 1])  # the input is not changed
    rng = np.random.default_rng(3)
    panel = rng.lognormal(size=(400, 60))
    panel[rng.random(panel.shape) < 0.3] = np.nan
    panel[:50, :10] = np.nan  # listed later
    filled = last_price_fill(panel)
    np.testing.assert_array_equal(filled, pd.DataFrame(panel).ffill().to_numpy())
    for t in (1, 37, 250):  # rows up to t from the prices up to t
        np.testing.assert_array_equal(last_price_fill(panel[:t]), filled[:t])
    with pytest.raises(ValueError, match="bars, assets"):
        last_price_fill(panel[0])
