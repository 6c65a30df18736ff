"""Interactive factor explorer for notebooks: ``fl.open_explorer(factor, prices)``.

:mod:`factorlab.explore._compute` recomputes the statistics for a set of
control values (no plotting, no widgets); :mod:`factorlab.explore._widgets`
holds the ipywidgets controls and draws the panels. ipywidgets is imported
only when :func:`explore` is first called, so ``import factorlab`` works
without it.
"""

from __future__ import annotations

from factorlab.explore._compute import ExplorerSettings, PanelComputer, PanelData

__all__ = ["Explorer", "ExplorerSettings", "PanelComputer", "PanelData", "explore"]


def explore(factor, prices=None, **kwargs):
    """Explore a factor interactively: the tear sheet's key panels, redrawn as the controls change.

    Controls: period, quantiles, long-short / long-only, group-neutral, by
    group, delay, cost in bps, date range. Each change recomputes the
    statistics (prepared data are cached per period, quantiles, delay and
    date range) and redraws the figure and tables in place.

    Parameters
    ----------
    factor : FactorData, (date, asset) Series or wide DataFrame (dates x assets)
        The factor, or factor data from :func:`prepare_factor_data` (which
        then supplies prices, groups and the initial period, quantiles and delay).
    prices : pd.DataFrame, shape (bars, assets), optional
        Adjusted prices; required unless ``factor`` is a FactorData.
    **kwargs
        ``groupby`` (asset -> sector), ``benchmark`` (price level),
        initial ``period``, ``quantiles``, ``long_short``, ``group_neutral``,
        ``by_group``, ``delay``, ``cost_bps``, and ``dpi`` of the figure;
        see :func:`factorlab.explore._widgets.explore`.

    Returns
    -------
    Explorer
        Shows as widgets when it is the last expression of a notebook cell;
        ``explorer.controls[name].value = ...`` drives it from code.
    """
    from factorlab.explore._widgets import explore as _explore

    return _explore(factor, prices, **kwargs)



def __getattr__(name: str):
    if name == "Explorer":
        from factorlab.explore._widgets import Explorer

        return Explorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
