"""Shared fixtures: the real S&P 500 data in ../shared/data and seeded generators.

Tests may read ../shared/data (the package itself never does).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FACTORLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


def _need_shared() -> Path:
    if not (SHARED_DATA / "sp500_close_2015_2020.parquet").exists():
        pytest.fail(f"real test data not found in {SHARED_DATA}; set FACTORLAB_SHARED_DATA")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sp500_prices() -> pd.DataFrame:
    """471 S&P 500 stocks x 1,440 daily closes (2015-01-05 .. 2020-09-22).

    The index is put in nanoseconds (Parquet gives milliseconds), the unit Alphalens
    produces on pandas 2.2, so that index comparisons with the oracle hold on both pandas.
    """
    prices = pd.read_parquet(_need_shared() / "sp500_close_2015_2020.parquet")
    prices.index = prices.index.as_unit("ns")
    return prices


@pytest.fixture(scope="session")
def sp500_sectors() -> pd.Series:
    """GICS sector per asset."""
    return pd.read_csv(_need_shared() / "sp500_sectors_2020.csv").set_index("asset")["sector"]


@pytest.fixture(scope="session")
def spx() -> pd.Series:
    """S&P 500 index level."""
    spx = pd.read_parquet(_need_shared() / "spx_index_2015_2020.parquet")["SPX"]
    spx.index = spx.index.as_unit("ns")
    return spx


def reversal(prices: pd.DataFrame, n: int = 5) -> pd.Series:
    """Short-term reversal: minus the trailing n-bar return, as a (date, asset) Series."""
    f = -(prices / prices.shift(n) - 1)
    s = f.stack().dropna()
    s.index.names = ["date", "asset"]
    return s.rename("factor")


def momentum_12_1(prices: pd.DataFrame) -> pd.Series:
    """12-1 momentum: return from t-252 to t-21."""
    f = prices.shift(21) / prices.shift(252) - 1
    s = f.stack().dropna()
    s.index.names = ["date", "asset"]
    return s.rename("factor")


@pytest.fixture(scope="session")
def reversal_factor(sp500_prices) -> pd.Series:
    return reversal(sp500_prices)


@pytest.fixture(scope="session")
def momentum_factor(sp500_prices) -> pd.Series:
    return momentum_12_1(sp500_prices)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260101)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def quiet():
    """Silence the warnings of the reference library inside a block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
