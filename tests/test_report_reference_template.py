"""Report templates in the reference syntax ({{$KPI-SHARPE}}, crisis and parameter blocks) give the same
values as the equivalent Jinja2 template; unknown keys are reported."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from factorlab.errors import ParameterError
from factorlab.report import create_returns_tear_sheet
from factorlab.report._reference import REFERENCE_KEYS, ReportKeyWarning

REFERENCE = """<html><head><style>{{$REPORT-STYLESHEET}}</style></head><body>
<h1>{{$TEXT-STRATEGY-NAME}}</h1>
<p>Sharpe {{$KPI-SHARPE}} | CAGR {{$KPI-CAGR}} | DD {{$KPI-DRAWDOWN}} | PSR {{$KPI-PSR}} | Sortino {{$KPI-SORTINO}}</p>
<p>Days {{$KPI-BACKTEST-DAYS}} | Markets {{$KPI-MARKETS}} | IR {{$KPI-INFORMATION-RATIO}}</p>
<img src="{{$PLOT-CUMULATIVE-RETURNS}}"><img src="{{$PLOT-MONTHLY-RETURNS}}"><img src="{{$PLOT-UNDERWATER}}">
<div class="crisis">{{$HTML-CRISIS-PLOTS}}</div>
<!--crisis
<div class="col-xs-4"><table class="crisis-chart"><thead><tr><th>{{$TEXT-CRISIS-TITLE}}</th></tr></thead>
<tbody><tr><td><img src="{{$PLOT-CRISIS-CONTENT}}"></td></tr></tbody></table></div>
crisis-->
<table class="parameters">{{$PARAMETERS}}</table>
<!--parameters
<tr><td class="title">{{$KEY0}}</td><td>{{$VALUE0}}</td><td class="title">{{$KEY1}}</td><td>{{$VALUE1}}</td></tr>
parameters-->
</body></html>
"""

JINJA = """<html><head><style>{{ css }}</style></head><body>
<h1>{{ title }}</h1>
<p>Sharpe {{ kpi.sharpe }} | CAGR {{ kpi.cagr }} | DD {{ kpi.drawdown }} | PSR {{ kpi.psr }} | Sortino {{ kpi.sortino }}</p>
<p>Days {{ kpi.runtime_days }} | Markets {{ kpi.markets }} | IR {{ kpi.information_ratio }}</p>
<img src="{{ plots.cumulative }}"><img src="{{ plots.monthly_heatmap }}"><img src="{{ plots.underwater }}">
<div class="crisis">{% for e in crisis %}
<div class="col-xs-4"><table class="crisis-chart"><thead><tr><th>{{ e.title }}</th></tr></thead>
<tbody><tr><td><img src="{{ e.plot }}"></td></tr></tbody></table></div>
{% endfor %}</div>

<table class="parameters">{% for row in parameters|batch(2, {'key': '', 'value': ''}) %}
<tr><td class="title">{{ row[0].key }}</td><td>{{ row[0].value }}</td><td class="title">{{ row[1].key }}</td><td>{{ row[1].value }}</td></tr>
{% endfor %}</table>

</body></html>
"""


@pytest.fixture(scope="module")
def sheet():
    rng = np.random.default_rng(11)
    index = pd.bdate_range("2015-06-01", "2016-03-31")
    returns = pd.Series(rng.normal(4e-4, 0.01, len(index)), index=index, name="strategy")
    bench = pd.Series(rng.normal(2e-4, 0.01, len(index)), index=index, name="SPY")
    return create_returns_tear_sheet(returns, bench, benchmark_kind="returns", title="Momentum <test>",
                                     parameters={"lookback": 20, "top": 5, "leverage": 1.5},
                                     markets="US equities", dpi=40)


def test_reference_and_jinja_templates_give_the_same_page(sheet, tmp_path):
    assert len(sheet.crisis) >= 1  # the Market Sell-Off 2015 (and New Normal 2014-2019) windows
    path = tmp_path / "report.html"
    path.write_text(REFERENCE)
    ref = sheet.to_html(template=path, css="body { margin: 0 }")
    jinja = sheet.to_html(template=JINJA, css="body { margin: 0 }")
    assert ref == jinja
    assert f"Sharpe {sheet.kpi['sharpe']:,.2f}" in ref and "Markets US equities" in ref
    assert "Momentum &lt;test&gt;" in ref
    assert ref.count('class="crisis-chart"') == len(sheet.crisis)
    assert "Market Sell-Off 2015" in ref
    assert '<td class="title">lookback</td><td>20</td><td class="title">top</td><td>5</td>' in ref
    assert '<td class="title">leverage</td><td>1.5</td><td class="title"></td><td></td>' in ref
    assert "{{$" not in ref and "crisis-->" not in ref


def test_reference_template_as_text_and_literal_braces(sheet):
    html = sheet.to_html(template="<p>{{$KPI-SHARPE}} {% raw %} {#x#}</p>")
    assert html == f"<p>{sheet.kpi['sharpe']:,.2f} {{% raw %}} {{#x#}}</p>"


def test_unknown_key_is_reported(sheet):
    with pytest.raises(ParameterError, match=r"unknown key \{\{\$KPI-SHARP\}\}"):
        sheet.to_html(template="<p>{{$KPI-SHARP}}</p>")
    with pytest.raises(ParameterError, match="needs a <!--crisis"):
        sheet.to_html(template="<p>{{$HTML-CRISIS-PLOTS}}</p>")
    with pytest.raises(ParameterError, match="inside its"):
        sheet.to_html(template="<p>{{$KEY0}}</p>")


def test_keys_without_value_are_reported_not_silently_blank():
    rng = np.random.default_rng(2)
    index = pd.bdate_range("2019-01-01", periods=300)
    plain = create_returns_tear_sheet(pd.Series(rng.normal(0, 0.01, 300), index=index), dpi=40)
    with pytest.warns(ReportKeyWarning, match=r"PLOT-BETA.*LIVE-MARKER|LIVE-MARKER.*PLOT-BETA"):
        html = plain.to_html(template="<p>[{{$PLOT-BETA}}][{{$LIVE-MARKER}}][{{$KPI-SHARPE}}]</p>")
    assert html.startswith("<p>[][][")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.to_html(template="<p>{{$KPI-SHARPE}}</p>")  # every key has a value: no warning


def test_every_mapped_key_names_a_context_entry(sheet):
    from factorlab.report._html import build_context

    context = build_context(sheet, "")
    for key, expr in REFERENCE_KEYS.items():
        if expr is None or expr == "plots.allocation":
            continue
        head, _, name = expr.partition(".")
        assert head in context and (not name or name in context[head]), key
