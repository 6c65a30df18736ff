"""The bundled sample: 100 real S&P 500 stocks, 2015-01-05 .. 2020-09-22."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from factorlab.errors import SampleDataError

__all__ = ["Sample", "load_sample", "sample_path"]

_FILES = ("prices.parquet", "benchmark.parquet", "sectors.csv")


@dataclass(frozen=True)
class Sample:
    """Real daily data shipped with factorlab.

    Attributes
    ----------
    prices : pd.DataFrame, shape (1440, 100)
        Split- and dividend-adjusted daily closes of 100 S&P 500 members.
    benchmark : pd.Series, shape (1440,)
        S&P 500 index level on the same dates (name ``'SPX'``).
    sectors : pd.Series
        GICS sector of each asset (index: asset, values: sector name).
    names : pd.Series
        Company name of each asset.
    """

    prices: pd.DataFrame
    benchmark: pd.Series
    sectors: pd.Series
    names: pd.Series


def sample_path() -> Path:
    """Directory holding the sample files of the installed package.

    The files live in the repository's ``data/sample/`` folder, installed as
    the ``factorlab.sample_data`` package. From an uninstalled source checkout
    the repository folder itself is used.
    """
    try:
        path = Path(str(resources.files("factorlab.sample_data")))
    except ModuleNotFoundError:
        path = Path(__file__).resolve().parents[2] / "data" / "sample"
    if not all((path / name).exists() for name in _FILES):
        raise SampleDataError(
            f"the factorlab sample data is missing from {path} (expected {', '.join(_FILES)}); "
            "reinstall factorlab with 'pip install .' from the repository"
        )
    return path


def load_sample() -> Sample:
    """Load the bundled sample (prices, benchmark, sectors).

    Returns
    -------
    Sample
        ``prices`` (1440 x 100 daily closes), ``benchmark`` (S&P 500 index
        level), ``sectors`` and ``names`` (per asset). Read from the installed
        package data, never from the repository's ``../shared``.

    Raises
    ------
    SampleDataError
        The sample files are missing from the installation.

    Examples
    --------
    >>> import factorlab as fl
    >>> sample = fl.load_sample()
    >>> sample.prices.shape
    (1440, 100)
    """
    path = sample_path()
    prices = pd.read_parquet(path / "prices.parquet").astype("float64")
    prices.index = pd.DatetimeIndex(prices.index, name="date")
    prices.columns.name = "asset"
    bench = pd.read_parquet(path / "benchmark.parquet").iloc[:, 0].astype("float64")
    bench.index = pd.DatetimeIndex(bench.index, name="date")
    meta = pd.read_csv(path / "sectors.csv").set_index("asset")
    return Sample(prices=prices, benchmark=bench, sectors=meta["sector"], names=meta["name"])
