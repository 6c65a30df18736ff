"""Data layer: reading, validating and the bundled sample."""

from factorlab.data._io import read_factor, read_prices, read_table
from factorlab.data._sample import Sample, load_sample, sample_path
from factorlab.data._validate import (
    check_same_timezone,
    factor_to_wide,
    groups_to_wide,
    validate_prices,
    validate_time_index,
)

__all__ = [
    "Sample",
    "check_same_timezone",
    "factor_to_wide",
    "groups_to_wide",
    "load_sample",
    "read_factor",
    "read_prices",
    "read_table",
    "sample_path",
    "validate_prices",
    "validate_time_index",
]
