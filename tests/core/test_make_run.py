"""`make run` serves the links in its letters on the port it serves on."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_links_letters_to_the_port_it_serves():
    # -n prints the commands without running them; the stamp keeps it from reinstalling.
    printed = subprocess.run(
        ["make", "-n", "-o", "seed", "run", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    serve = next(line for line in printed.splitlines() if "SITE_URL=" in line)
    assert "SITE_URL=${SITE_URL:-http://127.0.0.1:8123}" in serve
    assert "runserver 127.0.0.1:8123" in printed
