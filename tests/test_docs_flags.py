"""README and docs/api.md list every friction, report and overfitting flag of run, sweep and walk-forward,
each with an example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from factorlab.cli import main

ROOT = Path(__file__).resolve().parent.parent
NEW = {
    "run": ["--commission-bps", "--slippage-bps", "--execution-delay", "--delay", "--whole-shares", "--fractional",
            "--volume-limit", "--volumes", "--warmup", "--periods-per-year", "--template", "--css"],
    "sweep": ["--n-trials", "--seed", "--report"],
    "walk-forward": ["--start", "--end", "--report"],
}


@pytest.mark.parametrize("command", list(NEW))
def test_every_new_flag_is_in_help_readme_and_docs(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    shown = set(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out))
    flags = NEW[command] + (NEW["run"] if command != "run" else [])
    assert set(flags) <= shown, sorted(set(flags) - shown)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    examples = re.findall(r"```bash\n(.*?)```", docs, re.DOTALL) + re.findall(r"```bash\n(.*?)```", readme, re.DOTALL)
    for flag in flags:
        assert flag in readme, f"{flag} missing from README.md"
        assert re.search(rf"`{re.escape(flag)}[ `/]", docs), f"{flag} missing from docs/api.md's flag table"
        in_example = any(re.search(rf"{re.escape(flag)}\b", block) for block in examples)
        assert in_example or f"`{flag} " in docs, f"{flag} has no example"
