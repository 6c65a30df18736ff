"""HTML rendering of a :class:`ReturnsTearSheet` with Jinja2.

The default template (``templates/report.html.j2``, which includes
``templates/body.html.j2``) and stylesheet (``templates/report.css``) ship
with the package. ``to_html(path, template=..., css=...)`` replaces either:
a path to a file, or the template / CSS text itself. A template file may
``{% include %}`` files next to it and the default ``body.html.j2``.

Template keys
-------------
Rendering is strict: a key that does not exist raises
:class:`factorlab.errors.ParameterError` naming it. Keys whose chart or data
does not apply are present and empty (None / empty list), so test them with
``{% if plots.exposure %}``. Every key is listed in :data:`TEMPLATE_KEYS`:

==========================  ==================================================
``title``                   report title (``create_returns_tear_sheet(title=)``)
``subtitle``                period, bar count, benchmark and the bars per year
                            used to annualise (how found), one line
``generated``               creation time, 'YYYY-MM-DD HH:MM'
``version``                 factorlab version
``css``                     the stylesheet text (default or ``css=``)
``kpi.<key>``               formatted statistic (text), keys in :data:`KPI_KEYS`,
                            e.g. ``{{ kpi.sharpe }}``, ``{{ kpi.cagr }}``,
                            ``{{ kpi.drawdown }}``; '–' when undefined
``kpi_raw.<key>``           the same statistics as floats (NaN when undefined)
``kpis``                    list of the key-statistics strip: ``item.key``,
                            ``item.label``, ``item.value`` (text) and
                            ``item.benchmark`` (the benchmark's figure as
                            '<name> <value>', or None)
``plots.<name>``            image data URI (SVG or PNG) for ``<img src=...>``, or None; names
                            in :data:`PLOT_NAMES` (``plots.cumulative``,
                            ``plots.drawdown``, ``plots.monthly_heatmap`` ...)
``crisis``                  list of covered crisis events, each with ``name``,
                            ``title`` (name + ' (partial)'), ``start``, ``end``
                            (event dates), ``first``, ``last`` (bars shown),
                            ``partial``, ``strategy_return``,
                            ``benchmark_return`` (text) and ``plot`` (data URI)
``parameters``              list of strategy parameters: ``p.key``, ``p.value``
``tables.stats``            HTML table of all statistics, strategy vs benchmark
``tables.drawdowns``        HTML table of the top-5 drawdown periods
``tables.annual``           HTML table of annual returns
``sections``                ids of the sections the default template shows
``has_benchmark``           bool; also ``has_positions``, ``has_trades``
==========================  ==================================================
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from factorlab.errors import ParameterError
from factorlab.report._names import PLOT_NAMES

__all__ = [
    "KPI_KEYS",
    "TEMPLATE_KEYS",
    "build_context",
    "default_css_path",
    "default_template_path",
    "render_fragment",
    "render_html",
]

_PCT = "pct"
_RATIO = "ratio"
#: key -> (label, kind) of every ``kpi.<key>``; kinds: pct, ratio, days, count, money, float.
_KPI_SPEC: dict[str, tuple[str, str]] = {
    "runtime_days": ("Runtime days", "days"), "turnover": ("Turnover (annual, two-sided)", _PCT),
    "cagr": ("CAGR", _PCT),
    "drawdown": ("Drawdown", _PCT), "psr": ("Probabilistic SR", _PCT), "sharpe": ("Sharpe ratio", _RATIO),
    "information_ratio": ("Information ratio (annualised)", _RATIO), "capacity": ("Strategy capacity", "money"),
    "trades_per_day": ("Trades per day", "float"), "total_return": ("Total return", _PCT),
    "annual_volatility": ("Volatility", _PCT), "volatility": ("Volatility", _PCT),
    "sortino": ("Sortino ratio", _RATIO), "calmar": ("Calmar ratio", _RATIO),
    "omega": ("Omega ratio", _RATIO),
    "max_drawdown": ("Max drawdown", _PCT), "alpha": ("Alpha (annualised, vs benchmark)", _PCT),
    "beta": ("Beta (vs benchmark)", _RATIO),
    "up_capture": ("Up capture (× benchmark's CAGR, its up bars)", _RATIO),
    "down_capture": ("Down capture (× benchmark's CAGR, its down bars)", _RATIO),
    "batting_average": ("Batting average (% of bars beating the benchmark)", _PCT),
    "stability": ("Stability", _RATIO), "tail_ratio": ("Tail ratio", _RATIO), "var_95": ("VaR 95%", _PCT),
    "cvar_95": ("CVaR 95%", _PCT), "skew": ("Skew", _RATIO), "kurtosis": ("Kurtosis", _RATIO),
    "win_rate": ("Win rate", _PCT), "best_day": ("Best day", _PCT), "worst_day": ("Worst day", _PCT),
    "best_month": ("Best month", _PCT), "worst_month": ("Worst month", _PCT),
    "best_year": ("Best year", _PCT), "worst_year": ("Worst year", _PCT),
    "periods_per_year": ("Bars per year", "float"), "bars": ("Bars", "count"),
    "trades": ("Trades (round trips)", "count"), "trade_win_rate": ("Win rate (per trade)", _PCT),
    "profit_factor": ("Profit factor", _RATIO), "expectancy": ("Expectancy per trade", "money"),
    "average_win": ("Average win", "money"), "average_loss": ("Average loss", "money"),
    "net_pnl": ("Net P&L of trades", "money"), "fees": ("Fees", "money"),
    "average_duration_days": ("Average trade (days)", "float"), "markets": ("Markets", "text"),
}
#: Trade statistics (:func:`factorlab.metrics.trade_statistics`) shown under another KPI key.
_TRADE_KPIS = {"trade_win_rate": "win_rate", "fees": "total_commission"}
_TRADE_KEYS = ("trades", "trade_win_rate", "profit_factor", "expectancy", "average_win", "average_loss",
               "net_pnl", "fees", "average_duration_days")
#: Keys of ``kpi`` / ``kpi_raw`` in templates.
KPI_KEYS: tuple[str, ...] = tuple(_KPI_SPEC)
_ALIASES = {"drawdown": "max_drawdown", "volatility": "annual_volatility"}
_STRIP = ("runtime_days", "cagr", "total_return", "sharpe", "sortino", "psr", "information_ratio",
          "drawdown", "volatility", "beta", "turnover", "trades_per_day", "capacity")
_TRADING = ("turnover", "trades_per_day", "capacity")

#: Every key of the template context, with what it holds (see the module docstring).
TEMPLATE_KEYS: dict[str, str] = {
    "title": "report title",
    "subtitle": "period, bar count, benchmark name and the bars per year used, one line of text",
    "generated": "creation time 'YYYY-MM-DD HH:MM'",
    "version": "factorlab version",
    "css": "stylesheet text (the default report.css or the css= argument)",
    **{f"kpi.{k}": f"{label}, formatted text ('–' when undefined)" for k, (label, _) in _KPI_SPEC.items()},
    "kpi_raw.<key>": "the kpi statistics as floats (NaN when undefined), same keys as kpi",
    "kpi.markets": "what the strategy trades, in words (from the data)",
    "notes": "list of remarks on the key statistics (e.g. capacity without volumes)",
    "tables.trades": "HTML table of the per-trade statistics (empty without round trips)",
    "kpis": "list of the key-statistics strip: item.key, item.label, item.value, item.benchmark "
            "('<benchmark name> <value>' or None)",
    **{f"plots.{name}": "SVG/PNG data URI of the chart, or None when it does not apply"
       for name in PLOT_NAMES},
    "crisis": ("list of covered crisis events: name, title, start, end, first, last, partial, "
               "strategy_return, benchmark_return, plot (data URI)"),
    "parameters": "list of strategy parameters: key, value",
    "warnings": "list of the run's warnings (text): held names whose prices stop or go stale, data gaps, "
                "orders never filled, ruins",
    "warning_lines": "the warnings aggregated: one line per kind with its count and the worst examples",
    "log": "list of the strategy's log messages: time, strategy, level, message",
    "tables.stats": "HTML table of every statistic, strategy vs benchmark",
    "tables.drawdowns": "HTML table of the top-5 drawdown periods",
    "tables.annual": "HTML table of annual returns, strategy vs benchmark",
    "sections": "ids of the sections the default template renders",
    "has_benchmark": "True when a benchmark was given",
    "has_positions": "True when positions were given",
    "has_trades": "True when trades were given",
}


def _fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == _PCT:
        return f"{value:.2%}"
    if kind == "days":
        return f"{value:,.0f}"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "money":
        return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"
    return f"{value:,.2f}"


def _kpis(sheet) -> tuple[dict[str, str], dict[str, float], list[dict[str, str]]]:
    raw = dict(sheet.kpi)
    for alias, key in _ALIASES.items():
        raw[alias] = raw[key]
    stats = sheet.trade_stats
    if stats is not None:
        raw.update({key: float(stats[_TRADE_KPIS.get(key, key)]) for key in _TRADE_KEYS})
    text = {key: _fmt(raw.get(key, math.nan), kind) for key, (_, kind) in _KPI_SPEC.items()}
    if sheet.trades is not None and sheet.volumes is None:
        text["capacity"] = "no volumes given"
    text["markets"] = sheet.markets or "–"
    strip = [{"key": key, "label": _KPI_SPEC[key][0], "value": text[key]}
             for key in (*_STRIP, *(("markets",) if sheet.markets else ()),
                         *(("trades", "trade_win_rate", "profit_factor", "expectancy")
                           if stats is not None and stats["trades"] > 0 else ()))
             if not (key in _TRADING and sheet.trades is None)
             and not (key == "information_ratio" and sheet.benchmark is None)
             and not (key == "beta" and sheet.benchmark is None)]
    bench = _benchmark_kpis(sheet)
    for item in strip:
        item["benchmark"] = bench.get(item["key"])
    return text, {k: raw.get(k, math.nan) for k in _KPI_SPEC}, strip


#: Strip keys that have a benchmark value worth showing under the strategy's (beta and the
#: information ratio are relative to the benchmark itself; runtime and trading are the strategy's).
_BENCHMARK_STRIP = ("cagr", "total_return", "sharpe", "sortino", "psr", "drawdown", "volatility")


def _benchmark_kpis(sheet) -> dict[str, str]:
    """'<benchmark name> <value>' per strip key with a benchmark figure (empty without a benchmark)."""
    if sheet.benchmark is None or "benchmark" not in sheet.stats.columns:
        return {}
    name = str(sheet.benchmark.name) if sheet.benchmark.name is not None else "benchmark"
    column = sheet.stats["benchmark"]
    out = {}
    for key in _BENCHMARK_STRIP:
        stat = _ALIASES.get(key, key)
        if stat in column.index:
            out[key] = f"{name} {_fmt(float(column[stat]), _KPI_SPEC[key][1])}"
    return out


def _named_columns(sheet, frame: pd.DataFrame) -> pd.DataFrame:
    """The 'benchmark' column headed with the benchmark's name ('SPX (benchmark)')."""
    name = None if sheet.benchmark is None else sheet.benchmark.name
    if name in (None, "", "benchmark") or "benchmark" not in frame.columns:
        return frame
    return frame.rename(columns={"benchmark": f"{name} (benchmark)"})


def _table(frame: pd.DataFrame, caption: str, formatters: dict | Callable | None = None) -> Markup:
    body = frame.to_html(classes="fl-table", border=0, na_rep="–", formatters=formatters, escape=True)
    return Markup(body.replace(">\n", f">\n<caption>{escape(caption)}</caption>\n", 1))


def _stats_table(sheet) -> Markup:
    summary = sheet.summary()
    kinds = {key: kind for key, (_, kind) in _KPI_SPEC.items()}
    cells = pd.DataFrame({col: [_fmt(float(v), kinds.get(k, _RATIO)) for k, v in summary[col].items()]
                          for col in summary.columns},
                         index=[_KPI_SPEC.get(k, (k, ""))[0] for k in summary.index])
    return _table(_named_columns(sheet, cells), "Key statistics")


def _drawdown_table(sheet) -> Markup:
    table = sheet.drawdowns
    day = lambda ts: "not recovered" if pd.isna(ts) else f"{ts:%Y-%m-%d}"
    cells = pd.DataFrame({
        "Peak": table["peak"].map(day), "Valley": table["valley"].map(day),
        "Recovery": table["recovery"].map(day), "Depth": table["depth"].map(lambda v: _fmt(v, _PCT)),
        "Bars": table["duration"].map(lambda v: f"{v:,}"),
    })
    cells.index = range(1, len(cells) + 1)
    return _table(cells, f"Top {len(cells)} drawdown periods")


def _trades_table(sheet) -> Markup:
    stats = sheet.trade_stats
    if stats is None:
        return Markup("")
    from factorlab.metrics import TRADE_STATS

    money = {"expectancy", "average_win", "average_loss", "largest_win", "largest_loss", "gross_profit",
             "gross_loss", "net_pnl", "total_commission", "total_slippage"}
    kinds = {k: (_PCT if k in ("win_rate", "loss_rate", "expectancy_return") else "money" if k in money
                 else "count" if k == "trades" else "float") for k in TRADE_STATS}
    cells = pd.DataFrame({"value": [_fmt(float(v), kinds[k]) for k, v in stats.items()],
                          "meaning": [TRADE_STATS[k] for k in stats.index]}, index=list(stats.index))
    return _table(cells, "Trades (closed round trips)")


def _notes(sheet) -> list[str]:
    out = []
    if sheet.trades is not None and sheet.volumes is None:
        out.append("Strategy capacity needs traded volumes (volumes=, CLI --volumes FILE); none were given.")
    return out


def _annual_table(sheet) -> Markup:
    cells = sheet.annual_returns.map(lambda v: _fmt(float(v), _PCT))
    return _table(_named_columns(sheet, cells), "Annual returns")


def _crisis(sheet) -> list[dict[str, object]]:
    out = []
    for window, uri in zip(sheet.crisis, sheet.crisis_images):
        event = window.event
        out.append({
            "name": event.name, "title": window.title, "start": f"{event.start:%Y-%m-%d}",
            "end": "present" if event.end is None else f"{event.end:%Y-%m-%d}",
            "first": f"{window.first:%Y-%m-%d}", "last": f"{window.last:%Y-%m-%d}", "partial": window.partial,
            "strategy_return": _fmt(window.strategy_return, _PCT),
            "benchmark_return": _fmt(window.benchmark_return, _PCT), "plot": uri,
        })
    return out


def _log(sheet) -> list[dict[str, str]]:
    if sheet.log is None:
        return []
    return [{"time": f"{row.time:%Y-%m-%d %H:%M}" if isinstance(row.time, pd.Timestamp) else str(row.time),
             "strategy": str(getattr(row, "strategy", "")), "level": str(getattr(row, "level", "info")),
             "message": str(row.message)} for row in sheet.log.itertuples(index=False)]


def _subtitle(sheet) -> str:
    index = sheet.returns.index
    bench = f"benchmark: {sheet.benchmark.name}" if sheet.benchmark is not None else "no benchmark"
    return (f"{index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d} · {len(index):,} bars · {bench} · "
            f"{sheet.bar_frequency.note}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("factorlab")
    except PackageNotFoundError:
        return "dev"


def build_context(sheet, css: str) -> dict[str, object]:
    """The template context of ``sheet`` (documented in :data:`TEMPLATE_KEYS`)."""
    kpi, kpi_raw, strip = _kpis(sheet)
    plots = dict(sheet.images)
    crisis = _crisis(sheet)
    parameters = [{"key": str(k), "value": str(v)} for k, v in sheet.parameters.items()]
    sections = ["kpi", *(["warnings"] if sheet.warnings else []), "returns",
                *(["trades"] if plots["returns_per_trade"] or sheet.trade_stats is not None else []),
                "drawdowns", "rolling",
                *(["exposure"] if plots["exposure"] else []), *(["crisis"] if crisis else []), "statistics",
                *(["parameters"] if parameters else []), *(["log"] if sheet.log is not None and len(sheet.log)
                                                           else [])]
    return {
        "title": sheet.title, "subtitle": _subtitle(sheet),
        "generated": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "version": _version(), "css": Markup(css),
        "kpi": kpi, "kpi_raw": kpi_raw, "kpis": strip, "plots": plots, "crisis": crisis,
        "parameters": parameters, "warnings": list(sheet.warnings),
        "warning_lines": list(getattr(sheet, "warning_lines", sheet.warnings)), "log": _log(sheet),
        "tables": {"stats": _stats_table(sheet), "drawdowns": _drawdown_table(sheet),
                   "annual": _annual_table(sheet), "trades": _trades_table(sheet)},
        "notes": _notes(sheet),
        "sections": sections, "has_benchmark": sheet.benchmark is not None,
        "has_positions": sheet.positions is not None, "has_trades": sheet.trades is not None,
    }


def _templates_dir() -> Path:
    return Path(str(resources.files("factorlab.report") / "templates"))


def default_template_path() -> Path:
    """Path of the default report template (a starting point for your own)."""
    return _templates_dir() / "report.html.j2"


def default_css_path() -> Path:
    """Path of the default report stylesheet."""
    return _templates_dir() / "report.css"


def _looks_like_text(value: str, markers: tuple[str, ...]) -> bool:
    return "\n" in value or any(m in value for m in markers)


def _read_css(css: str | Path | None) -> str:
    if css is None:
        return default_css_path().read_text(encoding="utf-8")
    if isinstance(css, Path) or (isinstance(css, str) and not _looks_like_text(css, ("{", "}"))):
        path = Path(css)
        if not path.is_file():
            raise ParameterError(f"css file not found: {path}")
        return path.read_text(encoding="utf-8")
    if isinstance(css, str):
        return css
    raise ParameterError(f"css must be a path or the CSS text, got {type(css).__name__}")


def _environment(search: list[Path]) -> jinja2.Environment:
    """The Jinja2 environment over these template folders; one per folder list, reused, so each
    template file is compiled once (Jinja reloads a file that changed on disk)."""
    return _cached_environment(tuple(str(p) for p in search))


@functools.lru_cache(maxsize=16)
def _cached_environment(search: tuple[str, ...]) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(list(search)),
                              autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _load_template(template: str | Path | None) -> jinja2.Template:
    defaults = _templates_dir()
    try:
        if template is None:
            return _environment([defaults]).get_template("report.html.j2")
        if isinstance(template, Path) or (isinstance(template, str)
                                           and not _looks_like_text(template, ("{{", "{%", "<"))):
            path = Path(template)
            if not path.is_file():
                raise ParameterError(f"template file not found: {path}")
            return _environment([path.resolve().parent, defaults]).get_template(path.name)
        if isinstance(template, str):
            return _environment([defaults]).from_string(template)
    except jinja2.TemplateSyntaxError as exc:
        raise ParameterError(f"template syntax error at {exc.filename or 'template'} line {exc.lineno}: "
                             f"{exc.message}") from exc
    raise ParameterError(f"template must be a path or the template text, got {type(template).__name__}")


def _reference_text(template: str | Path | None) -> str | None:
    """The template's text when it uses the reference keys (``{{$...}}``), else None."""
    from factorlab.report._reference import is_reference_template

    if template is None:
        return None
    text = template
    if isinstance(template, Path) or (isinstance(template, str)
                                       and not _looks_like_text(template, ("{{", "{%", "<"))):
        path = Path(template)
        if not path.is_file():
            return None  # _load_template says the file is missing
        text = path.read_text(encoding="utf-8")
    return text if isinstance(text, str) and is_reference_template(text) else None


def _render(template: jinja2.Template, context: dict[str, object]) -> str:
    try:
        return template.render(context)
    except jinja2.UndefinedError as exc:
        raise ParameterError(f"the report template uses an unknown key: {exc.message}; available keys are "
                             f"listed in factorlab.report.TEMPLATE_KEYS") from exc


def render_html(sheet, path: str | Path | None = None, *, template: str | Path | None = None,
                css: str | Path | None = None) -> str:
    """Render ``sheet`` as a self-contained HTML page (charts embedded as SVG or PNG data URIs).

    Parameters
    ----------
    sheet : ReturnsTearSheet
    path : str or Path, optional
        File to write (UTF-8); its folder must exist.
    template : str or Path, optional
        A Jinja2 template file, or the template text itself (recognised by
        ``{{``, ``{%`` or ``<``); the default template when None. A file may
        include files next to it and the default ``body.html.j2``. A template
        written with the reference keys (``{{$KPI-SHARPE}}``,
        ``{{$HTML-CRISIS-PLOTS}}`` with a ``<!--crisis ... crisis-->`` block,
        ``{{$PARAMETERS}}`` with a ``<!--parameters ... parameters-->`` block)
        is rendered through the same context (:mod:`factorlab.report._reference`).
    css : str or Path, optional
        A stylesheet file, or the CSS text; replaces the default
        ``report.css`` (available to templates as ``{{ css }}``).

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    ParameterError
        Missing template/CSS file, template syntax error, or a template key
        that does not exist (see :data:`TEMPLATE_KEYS`).
    """
    context = build_context(sheet, _read_css(css))
    reference = _reference_text(template)
    if reference is not None:  # the reference syntax ({{$KPI-SHARPE}}), through the same context
        from factorlab.report._reference import translate

        compiled = _load_template(translate(reference, context))
    else:
        compiled = _load_template(template)
    html = _render(compiled, context)
    from factorlab.report._model import write_html

    return write_html(html, path)  # missing folders are made, as for every report


def render_fragment(sheet) -> str:
    """The report body with its scoped stylesheet, for a notebook cell (``_repr_html_``)."""
    compiled = _environment([_templates_dir()]).from_string(
        "<style>{{ css }}</style>\n{% include 'body.html.j2' %}")
    return _render(compiled, build_context(sheet, _read_css(None)))
