"""Report templates written with the reference report keys (``{{$KPI-SHARPE}}``), rendered through the
same context as the Jinja2 templates.

A reference template is translated once into a Jinja2 template over the
report context (:func:`factorlab.report.build_context`), so both syntaxes give
the same values. The one mapping from the reference keys to that context is
:data:`REFERENCE_KEYS`; besides it, every ``{{$KPI-<NAME>}}`` reads
``kpi.<name>`` and every ``{{$PLOT-<NAME>}}`` reads ``plots.<name>`` (dashes
become underscores), so ``{{$KPI-SORTINO}}`` and ``{{$PLOT-UNDERWATER}}`` work.

Blocks
------
``{{$HTML-CRISIS-PLOTS}}``
    is replaced by the ``<!--crisis ... crisis-->`` block repeated for each
    crisis event the returns cover, with ``{{$TEXT-CRISIS-TITLE}}`` and
    ``{{$PLOT-CRISIS-CONTENT}}`` (the chart's data URI) inside.
``{{$PARAMETERS}}``
    is replaced by the ``<!--parameters ... parameters-->`` block repeated for
    each group of parameters: a block using ``{{$KEY0}}``/``{{$VALUE0}}`` and
    ``{{$KEY1}}``/``{{$VALUE1}}`` shows two parameters per repetition (blank
    cells pad the last one).

A key that is not known raises :class:`~factorlab.errors.ParameterError`
naming it; a known key that has no value in this report (a benchmark chart
without a benchmark, a live-trading key in a backtest) is reported with a
:class:`ReportKeyWarning` and renders empty.
"""

from __future__ import annotations

import re
import warnings

from factorlab.errors import FactorlabWarning, ParameterError

__all__ = ["REFERENCE_KEYS", "ReportKeyWarning", "is_reference_template", "translate"]

#: Reference key -> the report context's expression (Jinja2). ``None``: known, never has a value here.
REFERENCE_KEYS: dict[str, str | None] = {
    "REPORT-STYLESHEET": "css", "TEXT-STRATEGY-NAME": "title", "TEXT-STRATEGY-DESCRIPTION": "subtitle",
    "TEXT-STRATEGY-VERSION": "version", "LIVE-MARKER": None, "KPI-DAYS-LIVE": None, "KPI-KELLY-ESTIMATE": None,
    "CSS-CRISIS-PAGE-STYLE": None,
    "KPI-CAGR": "kpi.cagr", "KPI-TURNOVER": "kpi.turnover", "KPI-DRAWDOWN": "kpi.drawdown",
    "KPI-SHARPE": "kpi.sharpe", "KPI-BACKTEST-DAYS": "kpi.runtime_days",
    "KPI-INFORMATION-RATIO": "kpi.information_ratio", "KPI-TRADES-PER-DAY": "kpi.trades_per_day",
    "KPI-MARKETS": "kpi.markets", "KPI-PSR": "kpi.psr", "KPI-STRATEGY-CAPACITY": "kpi.capacity",
    "PLOT-MONTHLY-RETURNS": "plots.monthly_heatmap", "PLOT-CUMULATIVE-RETURNS": "plots.cumulative",
    "PLOT-ANNUAL-RETURNS": "plots.annual_returns", "PLOT-RETURNS-PER-TRADE": "plots.returns_per_trade",
    "PLOT-ASSET-ALLOCATION": "plots.allocation", "PLOT-DRAWDOWN": "plots.drawdown",
    "PLOT-DAILY-RETURNS": "plots.daily_returns", "PLOT-BETA": "plots.rolling_beta",
    "PLOT-SHARPE": "plots.rolling_sharpe", "PLOT-LEVERAGE": "plots.leverage", "PLOT-EXPOSURE": "plots.exposure",
}
_BLOCK_KEYS = {"HTML-CRISIS-PLOTS", "TEXT-CRISIS-TITLE", "PLOT-CRISIS-CONTENT", "PARAMETERS"}
_KEY = re.compile(r"\{\{\$([A-Z0-9][A-Z0-9-]*)\}\}")
_MARK = re.compile("\x01([A-Z0-9-]+)\x02")  # a key, once the rest of the text is escaped for Jinja2
_CRISIS = re.compile(r"<!--crisis(.*?)crisis-->", re.DOTALL)
_PARAMS = re.compile(r"<!--parameters(.*?)parameters-->", re.DOTALL)
_PARAM_KEY = re.compile(r"^(KEY|VALUE)(\d+)$")


class ReportKeyWarning(FactorlabWarning):
    """A reference template key is known but has no value in this report (rendered empty)."""


def is_reference_template(text: str) -> bool:
    """True when ``text`` uses the reference keys (``{{$...}}``)."""
    return "{{$" in text


def _expression(key: str, context: dict) -> str | None:
    """The context expression of a plain key; raises for unknown keys."""
    if key in REFERENCE_KEYS:
        return REFERENCE_KEYS[key]
    kind, _, rest = key.partition("-")
    name = rest.lower().replace("-", "_")
    if kind == "KPI" and name in context["kpi"]:
        return f"kpi.{name}"
    if kind == "PLOT" and name in context["plots"]:
        return f"plots.{name}"
    raise ParameterError(f"the report template uses an unknown key {{{{${key}}}}}; known keys: "
                         f"{sorted(REFERENCE_KEYS) + sorted(_BLOCK_KEYS)}, {{{{$KPI-<name>}}}} for the "
                         f"names of factorlab.report.KPI_KEYS and {{{{$PLOT-<name>}}}} for PLOT_NAMES")


def _value(expr: str, context: dict) -> object:
    obj: object = context
    for part in expr.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
    return obj


def _guarded(expr: str) -> str:
    return f"{{{{ {expr} if {expr} is not none else '' }}}}"


def _plain(text: str, context: dict, empty: set[str], inner: dict[str, str] | None = None) -> str:
    """Replace the plain keys of ``text`` by Jinja2 expressions (``inner`` maps block-local keys)."""
    def sub(match: re.Match) -> str:
        key = match.group(1)
        if inner is not None and key in inner:
            return inner[key]
        if key in _BLOCK_KEYS or _PARAM_KEY.match(key):
            raise ParameterError(f"{{{{${key}}}}} belongs inside its <!--crisis ... crisis--> or "
                                 "<!--parameters ... parameters--> block")
        expr = _expression(key, context)
        if expr is None or _value(expr, context) is None:
            empty.add(key)
            return ""
        return _guarded(expr)
    return _MARK.sub(sub, text)


def _crisis_loop(block: str, context: dict, empty: set[str]) -> str:
    inner = {"TEXT-CRISIS-TITLE": "{{ event.title }}", "PLOT-CRISIS-CONTENT": "{{ event.plot }}"}
    return "{% for event in crisis %}" + _plain(block, context, empty, inner) + "{% endfor %}"


def _parameter_loop(block: str, context: dict, empty: set[str]) -> str:
    slots = sorted({int(m.group(2)) for m in map(_PARAM_KEY.match, _MARK.findall(block)) if m})
    width = max(slots, default=0) + 1
    inner = {f"{kind}{i}": f"{{{{ row[{i}].{'key' if kind == 'KEY' else 'value'}}}}}"
             for i in range(width) for kind in ("KEY", "VALUE")}
    return (f"{{% for row in parameters|batch({width}, {{'key': '', 'value': ''}}) %}}"
            + _plain(block, context, empty, inner) + "{% endfor %}")


def translate(text: str, context: dict) -> str:
    """A Jinja2 template equal to the reference template ``text`` over ``context``.

    Raises
    ------
    ParameterError
        An unknown key, a block key outside its block, or a block key
        (``{{$HTML-CRISIS-PLOTS}}``, ``{{$PARAMETERS}}``) without its block.

    Warns
    -----
    ReportKeyWarning
        Known keys without a value in this report (rendered empty).
    """
    empty: set[str] = set()
    text = _KEY.sub(lambda m: "\x01" + m.group(1) + "\x02", text)
    for opener in ("{{", "{%", "{#"):  # the rest of the text stays literal under Jinja2
        text = text.replace(opener, "\x03" + opener[1])
    text = text.replace("\x03", "{{ '{' }}")
    crisis_blocks, param_blocks = _CRISIS.findall(text), _PARAMS.findall(text)
    body = _PARAMS.sub("", _CRISIS.sub("", text))
    loops = {}
    for key, blocks, make in (("HTML-CRISIS-PLOTS", crisis_blocks, _crisis_loop),
                              ("PARAMETERS", param_blocks, _parameter_loop)):
        if "\x01" + key + "\x02" in body:
            if not blocks:
                tag = "crisis" if key.startswith("HTML") else "parameters"
                raise ParameterError(f"{{{{${key}}}}} needs a <!--{tag} ... {tag}--> block defining one item")
            loops[key] = make(blocks[0], context, empty)
    for key, loop in loops.items():
        body = body.replace("\x01" + key + "\x02", "\x00" + key + "\x00")
    body = _plain(body, context, empty)
    for key, loop in loops.items():
        body = body.replace("\x00" + key + "\x00", loop)
    if empty:
        warnings.warn(f"report template key(s) without a value in this report, rendered empty: "
                      f"{sorted('{{$' + k + '}}' for k in empty)}", ReportKeyWarning, stacklevel=4)
    return body
