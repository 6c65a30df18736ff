"""Counting the factors and parameter sets a researcher tried: the registry's factor evaluations.

A researcher who tries 50 factors and shows the best one has run 50 tests.
Every factor evaluation recorded here (``kind='factor'``; a tear sheet with
``track=True`` records itself) counts as one trial, and the verdict deflates
for them (Bonferroni-adjusted p-values, the deflated Sharpe ratio).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from factorlab.errors import ParameterError
from factorlab.factor import FactorData
from factorlab.registry._fingerprint import code_version, data_fingerprint
from factorlab.registry._runs import open_registry

__all__ = ["FACTOR_KIND", "count_trials", "record_factor_evaluation"]

#: The registry ``kind`` of a factor evaluation.
FACTOR_KIND = "factor"


def _number(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def record_factor_evaluation(name: str, fd: FactorData, verdict=None, *, params: Mapping | None = None,
                             registry=None) -> str:
    """Record one factor evaluation in the run registry; returns its run id.

    Parameters
    ----------
    name : str
        The factor's name (e.g. 'reversal_5d'); evaluations of other
        parameters of one factor share the name and differ by ``params``.
    fd : FactorData
        The prepared factor (its prices and factor values are fingerprinted).
    verdict : FactorVerdict, optional
        Its per-horizon numbers are stored as the run's metrics
        ('<label> IC mean', '<label> IC HAC p-value', '<label> Sharpe net', ...).
    params : mapping, optional
        The settings that define this trial (periods, quantiles, lookback, ...).
    registry : RunRegistry, path or None
        Where to record (default: ``$FACTORLAB_REGISTRY`` or ``./.factorlab``).
    """
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"a factor evaluation needs a name (a non-empty string), got {name!r}")
    reg = open_registry(registry)
    settings = {"periods": list(fd.periods), "quantiles": int(fd.n_quantiles), "delay": int(fd.delay)}
    run_id = reg.start(name, params, kind=FACTOR_KIND,
                       data_fingerprint=data_fingerprint(fd.prices, fd.factor), code_version=code_version(),
                       settings=settings)
    metrics = {}
    if verdict is not None:
        for label, row in verdict.table.iterrows():
            for key in ("IC mean", "IC HAC p-value", "Sharpe gross", "Sharpe net", "break-even cost (bps)"):
                metrics[f"{label} {key}"] = _number(row[key])
    reg.finish(run_id, metrics)
    return run_id


def count_trials(registry=None, *, name: str | None = None) -> int:
    """How many factor evaluations the registry holds (finished ones; of one ``name`` if given)."""
    reg = open_registry(registry)
    table = reg.table(metrics=())
    rows = table[(table["kind"] == FACTOR_KIND) & (table["status"] == "finished")]
    if name is not None:
        rows = rows[rows["strategy"] == name]
    return int(len(rows))
