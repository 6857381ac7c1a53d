"""The few things only a real process shows: signals (while importing, while writing), a closed pipe, exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import DEMO, REPO, run_cli

TINY = REPO / "scenarios" / "tiny" / "scenario.yaml"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def start(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, **kwargs
    )


def test_ctrl_c_while_modules_are_still_importing(tmp_path):
    # -X importtime reports each module as it finishes loading: interrupt once numpy has started to load
    proc = start("-X", "importtime", "-m", "siting", "validate", str(DEMO), cwd=tmp_path)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "numpy" in line:
            proc.send_signal(signal.SIGINT)
            break
    stdout, rest = proc.communicate(timeout=60)
    stderr = "".join(seen) + rest
    assert proc.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr and "siting: interrupted" in stderr
    assert "valid scenario" not in stdout


def test_sigterm_while_writing_leaves_nothing_behind(tmp_path):
    """SIGTERM is treated as Ctrl-C: the temporary folder beside --out is removed and the exit code is 143."""
    script = (
        "import os, signal, sys\n"
        "import siting.report.folder as folder\n"
        "real = folder.render_markdown\n"
        "def render(result, *args):\n"
        "    text = real(result, *args)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return text\n"
        "folder.render_markdown = render\n"
        "from siting.cli.main import main\n"
        f"sys.exit(main(['run', {str(TINY)!r}, '--out', 'out']))\n"
    )
    proc = start("-c", script, cwd=tmp_path)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_sigterm_at_any_moment_leaves_a_whole_result_or_none(tmp_path):
    proc = start("-m", "siting", "run", str(TINY), "--out", "out", cwd=tmp_path)
    time.sleep(0.7)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=300)
    assert "Traceback" not in stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert proc.returncode in (0, 143), stderr  # never a solver "failure" (a signal inside HiGHS's callback)
    if names:  # finished before the signal, or the signal came just after the folder was put in place: whole
        assert names == ["out"]
        checked = run_cli("verify", tmp_path / "out")
        assert checked.returncode == 0, checked.stderr
    else:
        assert proc.returncode == 143


def test_a_closed_pipe_ends_quietly():
    """`siting schema | head -1`: the reader goes away; no traceback, no 'Exception ignored', exit 141."""
    proc = start("-m", "siting", "schema", cwd=REPO)
    proc.stdout.close()  # before anything is written: every write fails with EPIPE
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 141, stderr
    assert stderr == ""


def test_bad_input_through_the_real_process(tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("name: [unclosed\n", encoding="utf-8")
    result = run_cli("run", scenario, "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"siting: error: {scenario}, line 2: not valid YAML: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
