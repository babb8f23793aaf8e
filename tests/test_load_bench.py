"""The load bench, small (10 members, 10 s), as a test: under contested booking through
gunicorn no two active bookings overlap and every acknowledged booking is there, on SQLite and
on PostgreSQL."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import DIALECTS, ROOT


@pytest.mark.parametrize("kind", DIALECTS)
def test_small_load_run_keeps_every_acknowledged_booking_and_never_overlaps(kind,
                                                                            fresh_database):
    result = subprocess.run(
        [sys.executable, "bench/load.py", "--members", "10", "--seconds", "10",
         "--database-url", fresh_database(kind)],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    output = result.stdout
    assert result.returncode == 0, output + result.stderr[-3000:]
    assert "checks: no overlapping active bookings" in output
    booked = re.search(r"^book .*201: (\d+)", output, re.MULTILINE)
    assert booked and int(booked.group(1)) > 0, output  # bookings were really made
    assert re.search(r"^week view .*200: \d+", output, re.MULTILINE), output
    # No row counts a 500 status ("500: n"); a latency of 500.0 ms is no error.
    assert not re.search(r"(?<![\d.])500: \d+", output), output


def test_the_bench_refuses_anything_but_loopback():
    result = subprocess.run([sys.executable, "bench/load.py", "--url", "http://example.org"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "loopback only" in result.stderr
