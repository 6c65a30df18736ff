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
    "InvalidReturnsError",
    "BinningError",
    "MaxLossExceededError",
    "ParameterError",
    "SampleDataError",
    "FactorlabWarning",
    "DataQualityWarning",
    "DroppedDataWarning",
    "NoFillsWarning",
    "LookAheadWarning",
    "ConcentrationWarning",
    "StatisticUnavailableWarning",
    "RegistryWarning",
    "SweepInterrupted",
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


class InvalidPriceError(DataError):
    """Prices are negative or infinite (0 is allowed: a bankrupt last price)."""


class AlignmentError(DataError):
    """Two inputs that must share dates or assets do not."""


class TimezoneMismatchError(AlignmentError):
    """Two dated inputs (factor and prices, returns and benchmark) disagree on time zones (aware vs
    naive, or two zones)."""


class InvalidWeightsError(DataError):
    """Target weights are NaN/inf where a number is needed, or misaligned."""


class InvalidReturnsError(DataError):
    """A series given as per-bar simple returns is not: price levels, percent units, or values below -1."""


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


class LookAheadWarning(FactorlabWarning):
    """A factor predicts the next bar too well to be true: its mean 1-bar IC exceeds
    :data:`factorlab.factor.LOOK_AHEAD_IC` (0.5). It may be computed from future prices."""


class ConcentrationWarning(FactorlabWarning):
    """One name holds more than the stated share of a book's gross weight on some date."""


class StatisticUnavailableWarning(FactorlabWarning):
    """A statistic or a section of a report could not be computed on this data; the rest was built and
    the reason is in the report's ``unavailable`` table."""


class RegistryWarning(FactorlabWarning):
    """A finished run could not be recorded in the run registry; the result is still returned
    and the message says where its files are."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a sweep or walk-forward: queued points were cancelled, running ones recorded
    ``interrupted``.

    A ``KeyboardInterrupt`` (so a plain ``except KeyboardInterrupt`` still stops), carrying what
    had finished.

    Attributes
    ----------
    result : SweepResult or None
        The partial sweep: finished points ranked, the others with status 'interrupted' or
        'cancelled'.
    """

    def __init__(self, message: str, result=None) -> None:
        super().__init__(message)
        self.result = result
