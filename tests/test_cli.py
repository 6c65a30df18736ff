"""The command line: quickstart writes the full tear sheet and tables."""

from __future__ import annotations

import pytest

from factorlab.cli import main


def test_quickstart_writes_tear_sheet(tmp_path, capsys):
    assert main(["quickstart", "--out", str(tmp_path), "--cost-bps", "5"]) == 0
    out = capsys.readouterr().out
    assert "headline" in out and "IC Mean" in out
    # the verdict first, in words and as a table; the headline in its units (percent, ratios)
    assert out.index("== verdict ==") < out.index("== headline ==")
    assert "10D:" in out and "HAC p =" in out and "break-even cost (bps)" in out
    assert "%" in out.split("== headline ==")[1].split("==")[0]
    # every table in the HTML's formats: lags are counts, turnover in percent (not 7.0000 and 0.3500)
    ic_summary = out.split("== ic_summary ==")[1].split("==")[0].splitlines()
    (lags,) = [line for line in ic_summary if line.startswith("HAC lags")]
    assert all(v.isdigit() for v in lags.split()[2:]), lags
    turnover = out.split("== turnover ==")[1].split("full tear sheet")[0]
    assert "Quantile 1 Mean Turnover" in turnover and turnover.count("%") >= 15
    html = (tmp_path / "tearsheet.html").read_text()
    for section in ("summary", "returns", "information", "turnover", "events", "by_group"):
        assert f'id="{section}"' in html
    assert (tmp_path / "headline.csv").exists()
    assert "net annual return @ 5 bps" in (tmp_path / "headline.csv").read_text()


def test_unknown_command_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["nope"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
