"""factorlab: factor research from tear sheet to backtest.

The public names live here::

    import factorlab as fl
    sample = fl.load_sample()
    fd = fl.prepare_factor_data(factor, sample.prices, periods=(1, 5, 10))
"""

from factorlab import errors
from factorlab.data import load_sample, read_factor, read_prices
from factorlab.factor import (
    DataQualityReport,
    FactorData,
    ForwardReturns,
    forward_returns,
    prepare_factor_data,
)

__version__ = "0.1.0"

__all__ = [
    "DataQualityReport",
    "FactorData",
    "ForwardReturns",
    "errors",
    "forward_returns",
    "load_sample",
    "prepare_factor_data",
    "read_factor",
    "read_prices",
]
