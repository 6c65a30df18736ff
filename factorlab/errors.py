"""Exceptions and warnings raised by factorlab.

Every problem factorlab detects in user input raises a subclass of
:class:`FactorlabError` whose message says what is wrong, where (asset, date,
column) and, when it is obvious, how to fix it. Data-quality findings that do
not stop the computation are issued as :class:`DataQualityWarning` and are also
kept as data on the result object, so nothing is only printed.
"""

from __future__ import annotations

__all__ = [
    "FactorlabError",
    "DataError",
    "EmptyDataError",
    "NonNumericDataError",
    "InvalidIndexError",
    "DuplicateDatesError",
    "UnsortedDatesError",
    "DuplicateEntriesError",
    "TimezoneMismatchError",
    "InvalidPriceError",
    "AlignmentError",
    "InvalidWeightsError",
    "BinningError",
    "MaxLossExceededError",
    "ParameterError",
    "SampleDataError",
    "FactorlabWarning",
    "DataQualityWarning",
    "DroppedDataWarning",
    "NoFillsWarning",
]


class FactorlabError(Exception):
    """Base class of every error factorlab raises on purpose."""


class DataError(FactorlabError, ValueError):
    """Input data (prices, factor, groups, weights) is malformed."""


class EmptyDataError(DataError):
    """An input has no rows, no columns or no usable values."""


class NonNumericDataError(DataError):
    """Columns or values that must be numbers are not."""


class InvalidIndexError(DataError):
    """An index has the wrong type or layout (e.g. not datetimes)."""


class DuplicateDatesError(InvalidIndexError):
    """A time index contains the same timestamp more than once."""


class UnsortedDatesError(InvalidIndexError):
    """A time index is not sorted in increasing order."""


class DuplicateEntriesError(DataError):
    """A (date, asset) pair appears more than once."""


class TimezoneMismatchError(DataError):
    """Factor and prices disagree on time zones (aware vs naive, or two zones)."""


class InvalidPriceError(DataError):
    """Prices are negative or infinite (0 is allowed: a bankrupt last price)."""


class AlignmentError(DataError):
    """Two inputs that must share dates or assets do not."""


class InvalidWeightsError(DataError):
    """Target weights are NaN/inf where a number is needed, or misaligned."""


class BinningError(DataError):
    """Factor values could not be put into quantiles or bins on some date."""


class MaxLossExceededError(FactorlabError):
    """More factor data would be dropped than ``max_loss`` allows."""


class ParameterError(FactorlabError, ValueError):
    """A function argument has an invalid value or combination."""


class SampleDataError(FactorlabError, FileNotFoundError):
    """The bundled sample data could not be found."""


class FactorlabWarning(UserWarning):
    """Base class of factorlab warnings."""


class DataQualityWarning(FactorlabWarning):
    """Suspicious input that was kept: stale price runs, zero prices, gaps."""


class DroppedDataWarning(FactorlabWarning):
    """Factor entries were dropped (counted, within ``max_loss``)."""


class NoFillsWarning(FactorlabWarning):
    """A backtest placed orders and none of them filled; the message counts why (open, cancelled, ...)."""
