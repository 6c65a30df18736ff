"""Heatmap of a sweep's metric over a two-parameter grid (takes the precomputed pivot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from factorlab.errors import ParameterError
from factorlab.plotting._style import get_axes

__all__ = ["plot_sweep_heatmap"]


def plot_sweep_heatmap(data: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                       cmap: str = "RdYlGn", annotate: bool = True, fmt: str = "{:.2f}", **style) -> Axes:
    """One cell per grid point, coloured by the metric.

    Parameters
    ----------
    data : pd.DataFrame, shape (values of parameter 1, values of parameter 2)
        The metric per point (``SweepResult.pivot()``); index and columns are
        the parameter values and their names label the axes. NaN cells
        (failed points) stay blank.
    ax : Axes, optional
    title : str, optional
    cmap : str
    annotate : bool
        Write each value in its cell.
    fmt : str
        Format of the annotations.

    Returns
    -------
    Axes
    """
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise ParameterError("data must be a non-empty DataFrame (parameter 1 values x parameter 2 values)")
    ax = get_axes(ax)
    values = data.to_numpy(dtype="float64")
    mesh = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, aspect="auto", origin="lower", **style)
    ax.set_xticks(range(data.shape[1]), [str(c) for c in data.columns])
    ax.set_yticks(range(data.shape[0]), [str(i) for i in data.index])
    ax.set_xlabel(str(data.columns.name or ""))
    ax.set_ylabel(str(data.index.name or ""))
    if annotate:
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if np.isfinite(values[i, j]):
                    ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center", fontsize=8)
    ax.figure.colorbar(mesh, ax=ax)
    if title:
        ax.set_title(title)
    return ax
