"""``factorlab run``, ``runs`` and the error messages, through the real console script."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _cli_helpers import cli_many, make_workdir, read_registry

import factorlab as fl
from factorlab.cli import main

STRAT = "strategies_for_cli:Reversal"


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return make_workdir(tmp_path_factory.mktemp("cli_run"))


@pytest.fixture(scope="module")
def two_runs(work):
    """Two tracked runs, started at the same time, with reports and saved files; returns (proc1, proc2)."""
    return cli_many(work,
                    ["run", "--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX",
                     "--param", "lookback=10", "--start", "2015-02-02", "--end", "2016-01-29", "--capital", "250000",
                     "--report", "report.html", "--save-equity", "equity.csv", "--save-trades", "trades.csv",
                     "--save-orders", "orders.parquet", "--no-progress"],
                    ["run", "--strategy", STRAT, "--prices", "prices.parquet", "--param", "lookback=20",
                     "--param", "period=1", "--no-progress"])


@pytest.mark.parametrize("command", [[], ["run"], ["tearsheet"], ["runs"], ["runs", "list"], ["runs", "show"],
                                     ["runs", "compare"], ["runs", "delete"], ["sweep"], ["walk-forward"],
                                     ["quickstart"]])
def test_help_on_every_command(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: factorlab")
    if command == ["run"]:
        assert all(f"--{o}" in out for o in ("param", "report", "save-equity", "save-trades", "save-orders",
                                              "no-progress", "no-track", "benchmark", "start", "end", "capital",
                                              "delay", "whole-shares"))
    if command == ["walk-forward"]:
        assert all(f"--{o}" in out for o in ("train", "test", "anchored", "grid", "jobs", "executor"))


def test_run_writes_reports_files_and_registry(work, two_runs):
    p1, p2 = two_runs
    assert p1.returncode == 0, p1.stderr
    assert p2.returncode == 0, p2.stderr
    assert "sharpe" in p1.stdout and "run " in p1.stdout
    html = (work / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "Key statistics" in html
    equity = pd.read_csv(work / "equity.csv", index_col=0, parse_dates=True)
    assert equity.index[0] == pd.Timestamp("2015-02-02") and equity.index[-1] == pd.Timestamp("2016-01-29")
    assert equity["equity"].iloc[0] == pytest.approx(250_000, rel=0.05)
    trades = pd.read_csv(work / "trades.csv")
    orders = pd.read_parquet(work / "orders.parquet")
    assert len(trades) > 100 and {"asset", "shares", "price"} <= set(trades.columns)
    assert "SPX" not in set(trades["asset"])  # the benchmark column is not traded
    assert len(orders) >= len(trades.drop_duplicates("order"))
    table = read_registry(work)  # the two runs ran at the same time: order them by lookback
    table = table.iloc[np.argsort([json.loads(p)["lookback"] for p in table["params"]])]
    assert list(table["status"]) == ["finished", "finished"]
    params = [json.loads(p) for p in table["params"]]
    assert [p["lookback"] for p in params] == [10, 20] and params[1]["period"] == 1
    assert "sweep_grid" not in params[0]
    assert table["data_fingerprint"].iloc[0] != table["data_fingerprint"].iloc[1]  # other window and cash
    stored = pd.read_parquet(work / ".factorlab" / "runs" / table.index[0] / "equity.parquet")
    assert stored["equity"].to_numpy() == pytest.approx(equity["equity"].to_numpy())


def test_runs_list_show_compare(work, two_runs, capsys):
    table = read_registry(work)
    ids = sorted(table.index, key=lambda i: json.loads(table.loc[i, "params"])["lookback"])
    listing, show, cmp = cli_many(work, ["runs", "list"], ["runs", "show", ids[0][:6]], ["runs", "compare", *ids])
    assert listing.returncode == 0 and all(i in listing.stdout for i in ids)
    assert show.returncode == 0 and ids[0] in show.stdout and "metric: sharpe" in show.stdout
    assert cmp.returncode == 0, cmp.stderr
    row = next(line for line in cmp.stdout.splitlines() if line.startswith("param lookback"))
    assert row.split()[2:] == ["10", "20"]
    sharpe = next(line for line in cmp.stdout.splitlines() if line.startswith("sharpe"))
    assert [float(x) for x in sharpe.split()[1:]] == pytest.approx(list(table.loc[ids, "sharpe"]), abs=1e-4)
    assert main(["runs", "--registry", str(work / ".factorlab"), "show", "ffffffffffff"]) == 3
    assert "no run 'ffffffffffff'" in capsys.readouterr().err


def test_run_delay_and_whole_shares(tmp_path, monkeypatch):
    """--delay and --whole-shares reach the backtest; the defaults are the tear sheet's (delay 0, fractional)."""
    import pandas as pd

    work = make_workdir(tmp_path, bars=60, assets=6)
    monkeypatch.chdir(work)
    base = ["run", "--strategy", STRAT, "--prices", "prices.parquet", "--benchmark", "SPX", "--no-track",
            "--no-progress", "--param", "period=1"]
    assert main([*base, "--save-orders", "o0.csv", "--save-trades", "t0.csv"]) == 0
    assert main([*base, "--delay", "2", "--whole-shares", "--save-orders", "o2.csv", "--save-trades", "t2.csv"]) == 0
    for name, delay, whole in (("0", 0, False), ("2", 2, True)):
        orders = pd.read_csv(f"o{name}.csv", parse_dates=["submitted", "closed"])
        trades = pd.read_csv(f"t{name}.csv")
        filled = orders[orders["status"] == "filled"]
        index = pd.read_parquet("prices.parquet").index
        lag = index.get_indexer(filled["closed"]) - index.get_indexer(filled["submitted"])
        assert len(filled) > 100 and (lag == delay).all()
        assert (trades["shares"] == trades["shares"].round()).all() == whole


def test_no_track_and_delete(tmp_path, monkeypatch, capsys):
    work = make_workdir(tmp_path, bars=120, assets=6)
    monkeypatch.chdir(work)
    monkeypatch.delenv("FACTORLAB_REGISTRY", raising=False)
    assert main(["run", "--strategy", STRAT, "--prices", "prices.parquet", "--no-track", "--no-progress"]) == 0
    assert "not tracked" in capsys.readouterr().out
    assert not (work / ".factorlab").exists()
    assert main(["run", "--strategy", STRAT, "--prices", "prices.parquet", "--no-progress"]) == 0
    run_id = read_registry(work).index[0]
    assert main(["runs", "delete", run_id]) == 0
    assert read_registry(work).empty and not (work / ".factorlab" / "runs" / run_id).exists()
    assert main(["runs", "delete", run_id]) == 3


SUBPROCESS_CASES = [
    (["--strategy", "no_such_module:X"], 2, "cannot import module 'no_such_module'"),
    (["--strategy", "strategies_for_cli:Nope"], 2, "has no class 'Nope'"),
    (["--param", "lookbak=3"], 2, "bad parameter 'lookbak=3'"),
    (["--param", "lookback=abc"], 2, "parameter lookback='abc' is not a int"),
    (["--prices", "garbage.parquet"], 2, "--prices garbage.parquet: cannot read the file"),
    (["--start", "2010-01-04"], 2, "start 2010-01-04 is outside the data"),
]
IN_PROCESS_CASES = [
    (["--strategy", "strategies_for_cli"], 2, "must be given as module:Class"),
    (["--prices", "missing.csv"], 2, "--prices missing.csv: file not found"),
    (["--end", "2030-01-01"], 2, "end 2030-01-01 is outside the data"),
    (["--start", "2016-01-04", "--end", "2015-06-01"], 2, "is after end"),
    (["--benchmark", "NOPE"], 2, "neither a file nor a column"),
    (["--strategy", "strategies_for_cli:Broken"], 1, "broken on purpose"),
]


def _argv(args):
    given = dict(zip(args[::2], args[1::2]))
    full = {"--strategy": STRAT, "--prices": "prices.parquet", **given}
    return ["run", *[x for k, v in full.items() for x in (k, v)], "--no-progress"]


@pytest.fixture(scope="module")
def bad_runs(work):
    (work / "garbage.parquet").write_text("not parquet")
    return cli_many(work, *[_argv(args) for args, _, _ in SUBPROCESS_CASES])


@pytest.mark.parametrize("case", range(len(SUBPROCESS_CASES)))
def test_bad_input_console_script(bad_runs, case):
    _, code, message = SUBPROCESS_CASES[case]
    proc = bad_runs[case]
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.startswith("factorlab run: error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, code, message", IN_PROCESS_CASES)
def test_bad_input_in_process(work, args, code, message, monkeypatch, capsys):
    monkeypatch.chdir(work)
    assert main(_argv(args)) == code
    err = capsys.readouterr().err
    assert message in err and err.startswith("factorlab run: ")


def test_tearsheet_from_files_with_groups(tmp_path, monkeypatch, capsys):
    sample = fl.load_sample()
    prices = sample.prices.iloc[:150, :20]
    factor = -(prices / prices.shift(5) - 1)
    prices.to_csv(tmp_path / "p.csv")
    factor.to_parquet(tmp_path / "f.parquet")
    sample.sectors.loc[prices.columns].rename_axis("asset").reset_index().to_csv(tmp_path / "g.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert main(["tearsheet", "--factor", "f.parquet", "--prices", "p.csv", "--groups", "g.csv",
                 "--periods", "1,5", "--quantiles", "4", "--report", "ts.html"]) == 0
    assert "== headline ==" in capsys.readouterr().out
    html = (tmp_path / "ts.html").read_text()
    assert 'id="returns"' in html and "5D" in html
    assert main(["tearsheet", "--prices", "p.csv"]) == 2
    assert "needs --factor FILE and --prices FILE, or --sample" in capsys.readouterr().err
