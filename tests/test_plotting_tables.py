"""HTML tables and figure embedding helpers."""

from __future__ import annotations

import base64
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import factorlab.plotting as flp
from factorlab.errors import ParameterError


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({"IC Mean": [0.01234, -0.005], "t-stat(IC)": [2.5, np.nan], "n": [250, 248]},
                        index=pd.Index(["1D", "5D"], name="period"))


def _cells(html: str) -> list[str]:
    return re.findall(r"<td>(.*?)</td>", html)


def test_table_html_default_format_and_structure(table):
    before = table.copy()
    html = flp.table_to_html(table, title="Information Analysis")
    assert html.startswith("<style>") and "<table" in html and "</table>" in html
    assert "<caption>Information Analysis</caption>" in html
    assert _cells(html) == ["0.012", "2.500", "250", "-0.005", "", "248"]
    assert "<link" not in html and "http" not in html  # no external CSS
    pd.testing.assert_frame_equal(table, before)


def test_table_html_is_deterministic_and_scoped(table):
    first = flp.table_to_html(table, title="A")
    assert first == flp.table_to_html(table, title="A")
    cls = re.search(r"fl-table-[0-9a-f]{10}", first).group(0)
    assert f'class="dataframe fl-table {cls}"' in first
    assert all(rule.strip().startswith(f".{cls}") for rule in re.findall(r"\n(\.[^{]+)\{", first))
    assert cls not in flp.table_to_html(table, title="B")


@pytest.mark.parametrize(("fmt", "expected"), [
    (".2%", ["1.23%", "250.00%", "25000.00%", "-0.50%", "", "24800.00%"]),
    ("{:.1f} bps", ["0.0 bps", "2.5 bps", "250.0 bps", "-0.0 bps", "", "248.0 bps"]),
    ({"IC Mean": ".4f"}, ["0.0123", "2.5", "250", "-0.0050", "nan", "248"]),
    (lambda v: f"<{v}>", ["&lt;0.01234&gt;", "&lt;2.5&gt;", "&lt;250&gt;", "&lt;-0.005&gt;",
                          "", "&lt;248&gt;"]),
])
def test_table_html_formats(table, fmt, expected):
    html = flp.table_to_html(table, fmt=fmt)
    cells = _cells(html)
    if isinstance(fmt, dict):
        # only the named column is formatted; pandas renders the others itself
        assert cells[0] == "0.0123" and cells[3] == "-0.0050"
    elif callable(fmt):
        assert cells[0] == expected[0] and cells[2] == expected[2]
    else:
        assert cells == expected


def test_table_html_escapes_text_and_title():
    frame = pd.DataFrame({"name": ["<b>x</b>"]})
    html = flp.table_to_html(frame, title="a < b")
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<caption>a &lt; b</caption>" in html


def test_table_html_series_and_bad_input(table):
    html = flp.table_to_html(table["IC Mean"])
    assert "IC Mean" in html
    with pytest.raises(ParameterError, match="DataFrame or Series"):
        flp.table_to_html([1, 2])
    with pytest.raises(ParameterError, match="not in the table"):
        flp.table_to_html(table, fmt={"missing": ".2f"})
    with pytest.raises(ParameterError, match="not a valid number format"):
        flp.table_to_html(table, fmt=".2q")
    with pytest.raises(ParameterError, match="title"):
        flp.table_to_html(table, title=3)


def _figure():
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    return fig, ax


def test_png_bytes_dpi_and_axes_input():
    fig, ax = _figure()
    small = flp.figure_to_png_bytes(fig, dpi=50)
    large = flp.figure_to_png_bytes(ax, dpi=100)
    assert small.startswith(b"\x89PNG\r\n\x1a\n") and large.startswith(b"\x89PNG")
    width_small = int.from_bytes(small[16:20], "big")
    width_large = int.from_bytes(large[16:20], "big")
    assert 1.9 < width_large / width_small < 2.1
    assert plt.fignum_exists(fig.number)  # not closed
    with pytest.raises(ParameterError, match="dpi"):
        flp.figure_to_png_bytes(fig, dpi=0)
    with pytest.raises(ParameterError, match="Figure"):
        flp.figure_to_png_bytes("figure")


def test_svg_and_data_uri():
    fig, _ax = _figure()
    svg = flp.figure_to_svg(fig)
    assert "<svg" in svg and svg == flp.figure_to_svg(fig)  # deterministic (no date stamp)
    uri = flp.figure_to_data_uri(fig)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG")
    svg_uri = flp.figure_to_data_uri(fig, "svg")
    assert base64.b64decode(svg_uri.split(",", 1)[1]).decode() == svg
    with pytest.raises(ParameterError, match="format must be one of 'png', 'svg'"):
        flp.figure_to_data_uri(fig, "gif")


def test_png_untight_keeps_the_figure_size():
    fig, _ax = _figure()  # 2 x 1.5 inches
    png = flp.figure_to_png_bytes(fig, dpi=100, tight=False)
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (200, 150)
    tight = flp.figure_to_png_bytes(fig, dpi=100)
    assert int.from_bytes(tight[16:20], "big") != 200  # cropped to the content
    assert flp.figure_to_data_uri(fig, tight=False).startswith("data:image/png;base64,")


def test_row_formats_give_each_row_its_unit():
    from factorlab.plotting import RowFormats, table_to_html

    table = pd.DataFrame({"1D": [0.0123, 0.0187, 1430.0], "5D": [-0.004, -0.0437, 1425.0]},
                         index=["IC mean", "annual return", "dates"])
    html = table_to_html(table, fmt=RowFormats({"annual return": "{:+.2%}", "dates": "{:,.0f}"},
                                               default="{:+.4f}"))
    for text in ("+0.0123", "-0.0040", "+1.87%", "-4.37%", "1,430", "1,425"):
        assert f">{text}<" in html
    assert "1430.0" not in html
    with pytest.raises(ParameterError, match="row 'dates'"):
        RowFormats({"dates": 3})


def test_format_table_gives_the_cells_the_html_shows():
    from factorlab.plotting import RowFormats, format_table

    table = pd.DataFrame({"1D": [0.01234, 7.0, np.nan], "5D": [0.5, 11.0, 0.25]},
                         index=["IC mean", "lags", "share"])
    rows = RowFormats({"lags": "{:,.0f}", "share": "{:.1%}"}, default="{:+.3f}")
    cells = format_table(table, rows)
    assert cells.loc["lags"].tolist() == ["7", "11"] and cells.loc["share", "5D"] == "25.0%"
    assert cells.loc["IC mean", "1D"] == "+0.012" and cells.loc["share", "1D"] == ""  # missing: empty
    html = flp.table_to_html(table, fmt=rows)
    for value in ("+0.012", "7", "11", "25.0%"):
        assert f">{value}<" in html
    plain = format_table(table, "{:.2f}")
    assert plain.loc["lags", "5D"] == "11.00" and plain.loc["share", "1D"] == ""


def _cell_css(page: str) -> dict[tuple[int, int], dict[str, str]]:
    """(row, column) -> CSS properties of each cell, read from a Styler table's <style> rules."""
    out = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", page):
        props = dict(p.split(":", 1) for p in body.replace("\n", "").split(";") if ":" in p)
        props = {k.strip(): v.strip() for k, v in props.items()}
        for row, col in re.findall(r"_row(\d+)_col(\d+)\b", selectors):
            out[(int(row), int(col))] = props
    return out


def test_heat_cells_colour_each_value_on_the_shared_scale():
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    frame = pd.DataFrame({"Jan": [0.3, -0.004, np.nan], "Feb": [-0.3, 0.9, 0.05]},
                         index=pd.Index([2019, 2020, 2021], name="year"))
    page = flp.table_to_html(frame, title="monthly <ic>",
                             fmt=flp.HeatCells(-0.3, 0.3, cmap="coolwarm_r", fmt=".2f", legend="red -0.3, blue +0.3"))
    cells = _cell_css(page)
    cmap = colormaps["coolwarm_r"]
    # the colour each value has on [-0.3, 0.3] (0.9 takes the end colour), by hand from the colormap
    for (i, j), value in np.ndenumerate(frame.to_numpy()):
        if np.isnan(value):
            assert (i, j) not in cells  # a missing month: no colour, no text
            continue
        position = min(max((value + 0.3) / 0.6, 0.0), 1.0)
        assert cells[(i, j)]["background-color"] == to_hex(cmap(position)), (i, j)
    # text colour follows the drawn colour: white on the dark ends, black on the pale middle
    assert cells[(0, 0)]["color"] == "white" and cells[(0, 1)]["color"] == "white"
    assert cells[(1, 0)]["color"] == "black" and cells[(2, 1)]["color"] == "black"
    text = re.sub(r"<style.*?</style>", "", page, flags=re.DOTALL)
    assert ">0.30<" in text and ">-0.30<" in text and ">0.90<" in text
    assert ">0.00<" in text and "-0.00" not in text  # a value that rounds to zero reads 0.00
    assert "monthly &lt;ic&gt;" in text and "red -0.3, blue +0.3" in text  # caption escaped, legend shown
    assert page == flp.table_to_html(frame, title="monthly <ic>",  # deterministic
                                     fmt=flp.HeatCells(-0.3, 0.3, fmt=".2f", legend="red -0.3, blue +0.3"))
    shown = flp.format_table(frame, flp.HeatCells(-0.3, 0.3))
    assert shown.loc[2020, "Jan"] == "0.00" and shown.loc[2021, "Jan"] == "" and shown.loc[2019, "Feb"] == "-0.30"


@pytest.mark.parametrize("args, kwargs, message", [
    ((0.3, -0.3), {}, "vmin < vmax"),
    ((np.nan, 0.3), {}, "vmin must be a finite number"),
    ((-0.3, "1"), {}, "vmax must be a finite number"),
    ((-0.3, 0.3), {"cmap": "no-such-map"}, "not a matplotlib colormap"),
    ((-0.3, 0.3), {"fmt": "q"}, "not a number format"),
])
def test_heat_cells_refuse_bad_settings(args, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        flp.HeatCells(*args, **kwargs)


def test_heat_cells_need_numbers():
    frame = pd.DataFrame({"a": [0.1], "b": ["x"], "c": [True]})
    with pytest.raises(ParameterError, match=r"numeric columns only, got \['b', 'c'\]"):
        flp.table_to_html(frame, fmt=flp.HeatCells(-1, 1))
    with pytest.raises(ParameterError, match="numeric columns only"):
        flp.format_table(frame, flp.HeatCells(-1, 1))
    # nullable integers: a missing value is an empty, uncoloured cell
    ints = pd.DataFrame({"a": pd.array([1, None], dtype="Int64")})
    assert flp.format_table(ints, flp.HeatCells(-2, 2))["a"].tolist() == ["1.00", ""]
    assert "background-color" in flp.table_to_html(ints, fmt=flp.HeatCells(-2, 2))
