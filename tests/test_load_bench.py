"""The load bench, small (10 members, 10 s), as a test: under contested booking through
gunicorn no two active bookings overlap and every acknowledged booking is there, on SQLite and
on PostgreSQL."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import uuid

import psycopg
import pytest

from tests.conftest import ROOT

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pg_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def bench_database(tmp_path):
    created = []

    def make(kind):
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / 'load.db'}"
        name = f"ops_load_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_SERVER, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        created.append(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    yield make
    for name in created:
        with psycopg.connect(PG_SERVER, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not _pg_answers(), reason="needs PostgreSQL on 127.0.0.1:5432"))])
def test_small_load_run_keeps_every_acknowledged_booking_and_never_overlaps(kind,
                                                                            bench_database):
    result = subprocess.run(
        [sys.executable, "bench/load.py", "--members", "10", "--seconds", "10",
         "--database-url", bench_database(kind)],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    output = result.stdout
    assert result.returncode == 0, output + result.stderr[-3000:]
    assert "checks: no overlapping active bookings" in output
    booked = re.search(r"^book .*201: (\d+)", output, re.MULTILINE)
    assert booked and int(booked.group(1)) > 0, output  # bookings were really made
    assert re.search(r"^week view .*200: \d+", output, re.MULTILINE), output
    assert " 500" not in output


def test_the_bench_refuses_anything_but_loopback():
    result = subprocess.run([sys.executable, "bench/load.py", "--url", "http://example.org"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "loopback only" in result.stderr
