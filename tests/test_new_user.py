"""A new user's first minutes: a fresh venv, the README's first quickstart command run verbatim.

The checkout is copied to a temporary directory (the command says ``pip install .``,
so it runs from a copy of the repository root, never touching the working tree),
a virtual environment is created with ``python -m venv``, and the command is
run there by bash with the venv first on PATH: a non-editable install from the
index, then the CLI. Takes a minute or two (pip); set ``FACTORLAB_SKIP_NEW_USER=1``
to skip it in quick local runs. CI runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(".git", ".ci-venv*", "*.egg-info", "__pycache__", "build", "dist",
                                ".pytest_cache", "factorlab_output", ".ipynb_checkpoints")

skip_new_user = pytest.mark.skipif(os.environ.get("FACTORLAB_SKIP_NEW_USER", "") not in ("", "0"),
                                   reason="FACTORLAB_SKIP_NEW_USER is set")


def readme_commands() -> list[str]:
    """The shell commands of the README's Quickstart section, in order (one per ```bash block)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quickstart\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert section, "README.md has no '## Quickstart' section"
    blocks = re.findall(r"```(?:bash|sh|console)\n(.*?)```", section.group(1), flags=re.S)
    return [b.strip() for b in blocks]


def test_readme_has_two_quickstart_commands():
    commands = readme_commands()
    assert len(commands) == 2, commands
    assert commands[0].startswith("pip install .") and "factorlab" in commands[0].split("&&")[-1]


@skip_new_user
def test_readme_first_command_works_in_a_fresh_venv(tmp_path):
    command = readme_commands()[0]
    checkout = tmp_path / "factorlab-checkout"
    shutil.copytree(REPO, checkout, ignore=IGNORE)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PIP_USER")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(env_dir),
               PIP_DISABLE_PIP_VERSION_CHECK="1", MPLBACKEND="Agg", FACTORLAB_PROGRESS="0")
    proc = subprocess.run(["bash", "-c", command], cwd=checkout, env=env, capture_output=True, text=True,
                          timeout=1500)
    log = f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, f"`{command}` failed ({proc.returncode}):\n{log}"
    # the installed copy is the venv's, not the source tree's (non-editable)
    where = subprocess.run([str(bin_dir / "python"), "-c", "import factorlab; print(factorlab.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0 and str(env_dir) in where.stdout, where.stdout + where.stderr
    assert re.search(r"\bIC\b", proc.stdout), proc.stdout[-2000:]  # the information coefficient table
    outputs = list((checkout / "factorlab_output").rglob("*.csv"))
    assert outputs, f"no CSV tables under factorlab_output/ (the README promises them):\n{log}"
