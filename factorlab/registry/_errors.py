"""Exceptions of the run registry and of loading strategies by name."""

from __future__ import annotations

from factorlab.errors import DataError, FactorlabError, ParameterError

__all__ = ["CorruptRunError", "DateRangeError", "RegistryError", "RunNotFoundError", "StrategyLoadError"]


class RegistryError(FactorlabError):
    """The run registry could not be read or written."""


class RunNotFoundError(RegistryError, KeyError):
    """No run with the requested id is in the registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CorruptRunError(RegistryError):
    """A stored file of one run (Parquet artifact) is missing or unreadable."""


class StrategyLoadError(ParameterError):
    """A ``module:Class`` strategy spec names a module or class that cannot be imported."""


class DateRangeError(ParameterError, DataError):
    """A requested start/end date lies outside the dates of the price data."""
