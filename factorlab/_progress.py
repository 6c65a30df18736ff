"""Progress bars for long work: widgets in notebooks, text in terminals, off on request.

A thin wrapper over :mod:`tqdm.auto` (which picks the notebook widget when
ipywidgets is available in a Jupyter kernel, and the text bar otherwise).
Bars can be switched off three ways; any one of them turns a bar off:

1. the ``progress=False`` argument of the function doing the work;
2. :func:`set_progress` (``set_progress(False)`` for the session, or as a
   context manager ``with set_progress(False): ...``);
3. the environment variable ``FACTORLAB_PROGRESS=0`` (also ``false``, ``off``, ``no``).

Without tqdm installed the iterable is returned unchanged.

Bars never start tqdm's monitor thread (``monitor_interval = 0``), even when
they are disabled: a background thread would make the process unsafe to
fork, and sweeps fork their local workers (see
:func:`factorlab.sweeps.mp_context`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress", "progress_bar", "progress_enabled", "set_progress"]

T = TypeVar("T")
_OFF = {"0", "false", "off", "no"}
_state: dict[str, bool | None] = {"enabled": None}


def progress_enabled() -> bool:
    """Whether progress bars are shown by default.

    Returns
    -------
    bool
        The value set by :func:`set_progress`, else False when the
        environment variable ``FACTORLAB_PROGRESS`` is ``0``/``false``/``off``/``no``,
        else True.
    """
    if _state["enabled"] is not None:
        return bool(_state["enabled"])
    return os.environ.get("FACTORLAB_PROGRESS", "1").strip().lower() not in _OFF


class set_progress:  # noqa: N801 - used like a function
    """Turn progress bars on or off for the session, or for a ``with`` block.

    Parameters
    ----------
    enabled : bool or None
        True/False forces bars on/off; None returns to the default (the
        ``FACTORLAB_PROGRESS`` environment variable).

    Examples
    --------
    >>> set_progress(False)          # off from now on            # doctest: +SKIP
    >>> with set_progress(False):    # off inside the block only  # doctest: +SKIP
    ...     fl.run_backtest(strategy, prices)
    """

    def __init__(self, enabled: bool | None) -> None:
        if enabled is not None and not isinstance(enabled, bool):
            raise TypeError(f"enabled must be True, False or None, got {enabled!r}")
        self._previous = _state["enabled"]
        _state["enabled"] = enabled

    def __enter__(self) -> set_progress:
        return self

    def __exit__(self, *exc: object) -> None:
        _state["enabled"] = self._previous


def progress(iterable: Iterable[T], *, desc: str, total: int | None = None, unit: str = "it",
             enabled: bool | None = None) -> Iterable[T]:
    """Wrap ``iterable`` in a progress bar (tqdm.auto) unless bars are off.

    Parameters
    ----------
    iterable : iterable
        The work items.
    desc : str
        Label shown before the bar (e.g. ``'backtest'``).
    total : int, optional
        Number of items when ``len(iterable)`` is not available.
    unit : str, default 'it'
        Unit name shown in the rate (e.g. ``'bar'``).
    enabled : bool, optional
        The caller's ``progress=`` argument: False turns the bar off; True or
        None show it unless bars are off globally (:func:`progress_enabled`).

    Returns
    -------
    iterable
        ``iterable`` itself when bars are off or tqdm is missing, else a tqdm
        iterator yielding the same items (closed when exhausted).
    """
    if enabled is False or not progress_enabled():
        return iterable
    bar_class = _bar_class()
    if bar_class is None:
        return iterable
    return _closing(bar_class(iterable, desc=desc, total=total, unit=unit, leave=False))


class _NullBar:
    """Stands in for a tqdm bar that is switched off: ``update`` and ``close`` do nothing."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _NullBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def progress_bar(total: int, *, desc: str, unit: str = "it", enabled: bool | None = None):
    """A progress bar advanced by hand (``bar.update(n)``), for work that completes out of order.

    Parameters
    ----------
    total : int
        Number of work items.
    desc, unit : str
        Label and rate unit.
    enabled : bool, optional
        As for :func:`progress`.

    Returns
    -------
    tqdm bar or a do-nothing stand-in
        A context manager with ``update(n)`` and ``close()``; the stand-in when
        bars are off or tqdm is missing (no thread, no output).
    """
    bar_class = None if enabled is False or not progress_enabled() else _bar_class()
    if bar_class is None:
        return _NullBar()
    return bar_class(total=total, desc=desc, unit=unit)


@functools.cache
def _bar_class():
    """tqdm.auto's class without the monitor thread, or None when tqdm is not installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return type("FactorlabBar", (tqdm,), {"monitor_interval": 0})


def _closing(bar) -> Iterator:
    try:
        yield from bar
    finally:
        bar.close()
