"""The report libraries load in a background thread while `siting run` solves (siting.cli.preload)."""

import subprocess
import sys

from siting.cli.preload import REPORT_LIBRARIES, preload


def test_preload_imports_and_swallows_a_missing_module():
    sys.modules.pop("colorsys", None)
    thread = preload(("no_such_module_for_siting", "colorsys"))
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert "colorsys" in sys.modules


def test_run_module_leaves_the_report_libraries_to_the_thread():
    # Importing the run command must not import them itself, or the thread would have nothing left to overlap.
    code = f"import sys, siting.cli.run; print(sorted(m for m in {REPORT_LIBRARIES!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
