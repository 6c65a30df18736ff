"""Fingerprints of the inputs of a run (data hash) and of the code that ran it."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["code_version", "data_fingerprint"]


def _update(h, obj) -> None:
    if obj is None:
        h.update(b"<none>")
    elif isinstance(obj, (pd.DataFrame, pd.Series)):
        h.update(repr(obj.shape).encode())
        h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
        if isinstance(obj, pd.DataFrame):
            h.update("\x1f".join(map(str, obj.columns)).encode())
    elif isinstance(obj, Mapping):
        for key in sorted(obj, key=str):
            h.update(str(key).encode())
            _update(h, obj[key])
    elif isinstance(obj, np.ndarray):
        h.update(np.ascontiguousarray(obj).tobytes())
    else:
        h.update(repr(obj).encode())


def data_fingerprint(*inputs) -> str:
    """SHA-256 (first 16 hex digits) of the input data of a run.

    Parameters
    ----------
    *inputs : DataFrame, Series, dict of them, ndarray, None or scalars
        Prices, benchmark, ... in a fixed order. DataFrames and Series are
        hashed with their index and column labels, so the same values on other
        dates or assets give another fingerprint.

    Returns
    -------
    str
        16 hexadecimal characters.
    """
    h = hashlib.sha256()
    for obj in inputs:
        _update(h, obj)
        h.update(b"\x1e")
    return h.hexdigest()[:16]


def code_version(strategy_class: type | None = None) -> str:
    """``factorlab <version>`` plus a hash of the strategy's source file when it has one.

    Examples
    --------
    >>> code_version()  # doctest: +SKIP
    'factorlab 0.1.0'
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        fl_version = version("factorlab")
    except PackageNotFoundError:  # pragma: no cover - source checkout without install
        fl_version = "unknown"
    out = f"factorlab {fl_version}"
    if strategy_class is None:
        return out
    try:
        source = inspect.getsourcefile(strategy_class)
    except TypeError:  # built-in or defined interactively
        source = None
    if source:
        try:
            with open(source, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()[:12]
            out += f"; {strategy_class.__module__} {digest}"
        except OSError:
            pass
    return out
