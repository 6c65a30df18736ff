"""The interactive explorer: ipywidgets controls that redraw the tear sheet's key panels in place.

Layout::

    [period] [quantiles] [long-short | long-only] [group-neutral] [by group]
    [delay] [cost bps] [date range ...............................]
    status line (seconds per update, data dropped)
    image: 2 x 2 figure   quantile returns | interleaved portfolio growth
                          IC per date      | top/bottom turnover (or IC by group)
    tables: headline [, IC by group]

The figure is a plain matplotlib ``Figure`` (not pyplot) rendered to PNG into
an ``ipywidgets.Image``, so it redraws in place in any front end and can be
inspected in tests without a browser.
"""

from __future__ import annotations

import html
import io
import time

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from factorlab import plotting
from factorlab.errors import FactorlabError
from factorlab.explore._compute import ExplorerSettings, PanelComputer, PanelData, explorer_inputs
from factorlab.metrics._verdict import SPREAD_LABEL

__all__ = ["Explorer", "explore"]

_PERIODS = (1, 2, 3, 5, 10, 21)
_QUANTILES = (2, 3, 4, 5, 10)
_TABLE_FMT = "{:.4f}"


def _table_format(name: str, s: ExplorerSettings):
    """Display formats: the headline by row (percent for returns, integers for counts)."""
    if name != "headline":
        return _TABLE_FMT
    kind = "long-short" if s.long_short else "long top quantile"
    return plotting.RowFormats({
        "IC mean": "{:+.4f}", "IC t-stat (HAC)": "{:+.2f}", SPREAD_LABEL: "{:+.2f}",
        f"{kind} annual return @ {s.cost_bps:g} bps": "{:+.2%}", f"{kind} Sharpe": "{:+.2f}",
        f"{kind} max drawdown": "{:.1%}", "turnover per bar": "{:.1%}",
        "costs paid (share of capital)": "{:.2%}", "factor dates": "{:,.0f}"}, default="{:.4f}")


def _month_options(dates: pd.DatetimeIndex) -> list[tuple[str, pd.Timestamp]]:
    """Date-range slider stops: the first factor date of every month and the last date."""
    first = pd.Series(dates, index=dates).groupby(dates.to_period("M")).first()
    stops = list(first) + ([dates[-1]] if dates[-1] != first.iloc[-1] else [])
    return [(f"{d:%Y-%m-%d}", d) for d in stops]


class Explorer:
    """An interactive factor explorer; build it with :func:`explore`.

    Attributes
    ----------
    controls : dict of str -> ipywidgets.Widget
        'period', 'quantiles', 'mode', 'group_neutral', 'by_group', 'delay',
        'cost_bps', 'date_range'. Setting a control's ``value`` recomputes and
        redraws at once.
    settings : ExplorerSettings
        The settings currently shown.
    panels : PanelData
        The statistics currently drawn.
    figure : matplotlib.figure.Figure
        The 2 x 2 panel figure (redrawn in place).
    image : ipywidgets.Image
        The figure as PNG.
    table_html, status : ipywidgets.HTML
        The tables and the status line (update time, errors).
    timings, cpu_timings : list of float
        Wall-clock and CPU seconds taken by each update (compute + draw + render).
    widget : ipywidgets.VBox
        The whole explorer; displaying the Explorer displays it.
    """

    def __init__(self, factor, prices=None, *, groupby=None, benchmark=None,
                 settings: ExplorerSettings | None = None, dpi: int = 72, stale: str = "report",
                 stale_bars: int = 10) -> None:
        inputs = explorer_inputs(factor, prices, groupby=groupby, benchmark=benchmark, stale=stale,
                                 stale_bars=stale_bars)
        self._computer = PanelComputer(inputs)
        self._dates = inputs.dates
        self._has_groups = inputs.groups is not None
        self.dpi = dpi
        self.settings = settings or inputs.default
        self.figure = Figure(figsize=(11, 6.6))
        self.image = widgets.Image(format="png")
        self.table_html = widgets.HTML()
        self.status = widgets.HTML()
        self.timings: list[float] = []
        self.cpu_timings: list[float] = []
        self.controls = self._build_controls()
        self.settings = self._settings_from_controls()  # explicit date range: one cache key per setting
        self.panels: PanelData | None = None
        self.update()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        rows = [widgets.HBox([self.controls[k] for k in ("period", "quantiles", "mode", "group_neutral",
                                                         "by_group")]),
                widgets.HBox([self.controls[k] for k in ("delay", "cost_bps", "date_range")])]
        self.widget = widgets.VBox([*rows, self.status, self.image, self.table_html])

    def _build_controls(self) -> dict[str, widgets.Widget]:
        s, style = self.settings, {"description_width": "initial"}
        periods = sorted({*_PERIODS, s.period})
        quantiles = sorted({*_QUANTILES, s.quantiles})
        months = _month_options(self._dates)
        first, last = months[0][1], months[-1][1]
        start = s.start if s.start is not None else first
        end = s.end if s.end is not None else last
        options = sorted({*(d for _, d in months), start, end})
        return {
            "period": widgets.Dropdown(options=periods, value=s.period, description="period (bars)",
                                       style=style, layout={"width": "170px"}),
            "quantiles": widgets.Dropdown(options=quantiles, value=s.quantiles, description="quantiles",
                                          style=style, layout={"width": "150px"}),
            "mode": widgets.ToggleButtons(options=[("long-short", True), ("long-only", False)],
                                          value=s.long_short, style={"button_width": "90px"}),
            "group_neutral": widgets.Checkbox(value=s.group_neutral, description="group-neutral",
                                              disabled=not self._has_groups, indent=False),
            "by_group": widgets.Checkbox(value=s.by_group, description="by group",
                                         disabled=not self._has_groups, indent=False),
            "delay": widgets.BoundedIntText(value=s.delay, min=0, max=20, description="delay (bars)",
                                            style=style, layout={"width": "150px"}),
            "cost_bps": widgets.BoundedFloatText(value=s.cost_bps, min=0.0, max=1000.0, step=1.0,
                                                 description="cost (bps)", style=style,
                                                 layout={"width": "150px"}),
            "date_range": widgets.SelectionRangeSlider(
                options=[(f"{d:%Y-%m-%d}", d) for d in options], index=(options.index(start),
                                                                         options.index(end)),
                description="dates", continuous_update=False, layout={"width": "520px"}),
        }

    def _settings_from_controls(self) -> ExplorerSettings:
        c = self.controls
        start, end = c["date_range"].value
        return ExplorerSettings(period=int(c["period"].value), quantiles=int(c["quantiles"].value),
                                long_short=bool(c["mode"].value),
                                group_neutral=bool(c["group_neutral"].value),
                                by_group=bool(c["by_group"].value), delay=int(c["delay"].value),
                                cost_bps=float(c["cost_bps"].value), start=pd.Timestamp(start),
                                end=pd.Timestamp(end))

    def _on_change(self, change: dict) -> None:
        self.settings = self._settings_from_controls()
        self.update()

    def update(self) -> None:
        """Recompute the panels for :attr:`settings` and redraw the figure and tables in place.

        Settings the data cannot support (e.g. a date range shorter than the
        period) leave the previous panels on screen and show the error in
        :attr:`status`.
        """
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            panels = self._computer.compute(self.settings)
            draw_panels(self.figure, panels)
        except FactorlabError as err:  # bad input for these settings: keep showing the last good panels
            if self.panels is not None:
                draw_panels(self.figure, self.panels)
            message = html.escape(str(err))
            self.status.value = f"<span style='color:#b00'>cannot show these settings: {message}</span>"
            return
        self.panels = panels
        self.image.value = _png(self.figure, self.dpi)
        self.table_html.value = "".join(plotting.table_to_html(t, title=name.replace("_", " "),
                                                               fmt=_table_format(name, self.settings))
                                        for name, t in panels.tables.items())
        seconds = time.perf_counter() - t0
        self.timings.append(seconds)
        self.cpu_timings.append(time.process_time() - c0)
        quality = panels.analysis.fd.quality
        lost = 0 if quality is None else quality.n_entries - quality.n_kept
        dropped = "" if not lost else (f"; {lost:,} of {quality.n_entries:,} factor entries dropped "
                                       f"({quality.loss:.1%}): "
                                       + ", ".join(f"{int(v):,} {k}" for k, v in quality.dropped.items() if v))
        self.status.value = f"updated in {seconds:.2f} s{dropped}"

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables currently shown, by name ('headline'[, 'ic_by_group'])."""
        return {} if self.panels is None else self.panels.tables

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _png(fig: Figure, dpi: int) -> bytes:
    """PNG of the whole figure; fixed margins, no tight bounding box (half the render time)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def draw_panels(fig: Figure, p: PanelData) -> Figure:
    """Draw the explorer's four panels for ``p`` on ``fig`` (cleared first).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    p : PanelData

    Returns
    -------
    Figure
        ``fig``, with axes in the order: quantile returns, portfolio growth, IC, turnover or IC by group.
    """
    s = p.settings
    fig.clear()
    fig.subplots_adjust(left=0.07, right=0.98, top=0.91, bottom=0.14, wspace=0.22, hspace=0.5)
    ax = fig.subplots(2, 2).ravel()
    plotting.plot_quantile_returns_bar(p.mean_return_rate, ax=ax[0],
                                       title=f"Mean {'demeaned ' if s.long_short else ''}return by "
                                             f"quantile ({p.label}), bps per bar")
    kind = "long-short" if s.long_short else "long-only top quantile"
    plotting.plot_cumulative_returns(p.growth, benchmark=p.benchmark, ax=ax[1],
                                     title=f"{kind}, {s.period} interleaved sleeves, delay {s.delay}, "
                                           f"{s.cost_bps:g} bps")
    ic = p.ic.dropna()
    plotting.plot_ic_ts(p.ic, moving_average=p.ic_ma, ax=ax[2], title=f"{p.label} information coefficient",
                        mean=float(ic.mean()) if len(ic) else None, std=float(ic.std()) if len(ic) > 1 else None)
    if p.ic_by_group is not None:
        plotting.plot_ic_by_group(p.ic_by_group, ax=ax[3])
    else:
        plotting.plot_top_bottom_quantile_turnover(p.turnover, period=p.label, ax=ax[3])
    return fig


def explore(factor, prices=None, *, groupby=None, benchmark=None, period: int | None = None,
            quantiles: int | None = None, long_short: bool = True, group_neutral: bool = False,
            by_group: bool = False, delay: int | None = None, cost_bps: float = 0.0,
            dpi: int = 72, stale: str = "report", stale_bars: int = 10) -> Explorer:
    """Explore a factor interactively: the tear sheet's key panels, redrawn as the controls change.

    Parameters
    ----------
    factor : FactorData, (date, asset) Series or wide DataFrame (dates x assets)
        The factor, or factor data from :func:`prepare_factor_data` (which
        then supplies prices, groups and the initial period, quantiles and delay).
    prices : pd.DataFrame, shape (bars, assets), optional
        Adjusted prices; required unless ``factor`` is a FactorData.
    groupby : dict or pd.Series, optional
        asset -> group (sector); enables the group-neutral and by-group controls.
    benchmark : pd.Series, optional
        Benchmark price level, drawn with the portfolio growth.
    period, quantiles, long_short, group_neutral, by_group, delay, cost_bps
        Initial control values (see :class:`ExplorerSettings`); period
        defaults to 5 bars, quantiles to 5, delay to 0 (or the FactorData's).
    dpi : int, default 72
        Resolution of the rendered figure.
    stale : {'report', 'drop'}, default 'report'
        'drop' treats prices unchanged for ``stale_bars`` bars up to t as no
        price (see :func:`drop_stale_prices`), as ``prepare_factor_data`` does.
    stale_bars : int, default 10

    Returns
    -------
    Explorer
        Shows as widgets when it is the last expression of a notebook cell;
        ``explorer.controls[name].value = ...`` drives it from code.

    Raises
    ------
    ParameterError
        No prices, or group options without groups.

    Examples
    --------
    >>> sample = fl.load_sample()                                          # doctest: +SKIP
    >>> factor = -sample.prices.pct_change(5)                              # doctest: +SKIP
    >>> fl.open_explorer(factor, sample.prices, groupby=sample.sectors)          # doctest: +SKIP
    """
    base = explorer_inputs(factor, prices, groupby=groupby, benchmark=benchmark, stale=stale,
                           stale_bars=stale_bars).default
    settings = base.updated(long_short=long_short, group_neutral=group_neutral, by_group=by_group,
                            cost_bps=float(cost_bps),
                            **{k: int(v) for k, v in (("period", period), ("quantiles", quantiles),
                                                      ("delay", delay)) if v is not None})
    return Explorer(factor, prices, groupby=groupby, benchmark=benchmark, settings=settings, dpi=dpi,
                    stale=stale, stale_bars=stale_bars)
