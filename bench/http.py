"""The app against its floor over HTTP, in one run: create, refused create, one-day listing,
a member's calendar feed and the balances, at 1,000 and at 100,000 existing bookings.

Two floors (bench/floor.py): the floor, with a connection per request as Flask's sqlite3 pattern
has it and as the issue measured it, and the pooled floor, one connection per thread, as the
app keeps a pool (stricter: no connect, no reading of SQLite's schema per request). All three
are served the same way (gunicorn, one sync worker each, on 127.0.0.1 ports of their own) on the
same migrated database (bench/dataset.py), and called in alternating batches (app, floor, pooled
floor, then the other way round) so that the machine's noise hits them alike. Prints median and
p95 in milliseconds per operation and the ratios of the medians to each floor; the ratios are
what counts.

    .venv/bin/python bench/http.py                      # SQLite file in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/http.py
    BENCH_SIZES=1000 BENCH_RUNS=100 .venv/bin/python bench/http.py
    BENCH_SERVING=1 .venv/bin/python bench/http.py      # gunicorn: sync against gthread
    BENCH_PROFILE=1 .venv/bin/python bench/http.py      # pyinstrument, each operation

BENCH_SERVING=1 measures the app alone under concurrent callers (BENCH_CLIENTS threads, a mix
of listings, refused and accepted creates) with each gunicorn setting in SERVING, for
gunicorn.conf.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `http`: look in bench/ last, not first.
BENCH = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != BENCH] + [BENCH]

import hashlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time as clock  # noqa: E402
from datetime import UTC, datetime, time, timedelta  # noqa: E402

from dataset import NOW, TZ, build, db, migrated_app  # noqa: E402
from sqlalchemy import insert, update  # noqa: E402

from booking.models import ApiToken, LedgerEntry, Member  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "200"))  # requests per operation and side
BATCH = int(os.environ.get("BENCH_BATCH", "20"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,100000").split(",")]
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
# Served as in production, notifications queued on Redis (a database of the bench's own, emptied
# after the run) rather than mailed by a thread inside the worker being measured.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
MEMBER_SECRET, MANAGER_SECRET = "mut_bench-member-token", "mut_bench-manager-token"
FEED_TOKEN = "bench-feed-" + "f" * 32
MEMBER_ID, MANAGER_ID = 2, 1


def prepare(size: int) -> str:
    """A migrated database with `size` bookings, two API tokens, a feed token and ledger lines."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app, url = migrated_app()
    build(app, size)
    with app.app_context():
        db.session.execute(insert(ApiToken), [
            {"member_id": member_id, "name": "bench", "prefix": secret[:10], "created_at": NOW,
             "token_hash": hashlib.sha256(secret.encode()).hexdigest()}
            for member_id, secret in ((MEMBER_ID, MEMBER_SECRET), (MANAGER_ID, MANAGER_SECRET))])
        db.session.execute(update(Member).where(Member.id == MEMBER_ID)
                           .values(feed_token=hashlib.sha256(FEED_TOKEN.encode()).hexdigest()))
        db.session.execute(insert(LedgerEntry), [
            {"member_id": member_id, "amount_cents": -1250 - i, "kind": "fee",
             "entry_date": NOW.date() - timedelta(days=30 * i), "description": "Bench fee",
             "basis": ""}
            for member_id in range(1, 301) for i in range(10)])
        db.session.commit()
    return url


def empty_queue() -> None:
    """Drop the delivery jobs the app queued (no worker runs during the bench)."""
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    keys = list(redis.scan_iter("rq:*"))
    if keys:
        redis.delete(*keys)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving_env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "FLOOR_DATABASE_URL": url, "SECRET_KEY": "bench-secret",
            "API_RATE_LIMIT": "1000000 per minute", "BASE_URL": "http://127.0.0.1:5000",
            "REDIS_URL": REDIS_URL}


def serve(target: str, port: int, url: str, workers: int = 1, worker_class: str = "sync",
          threads: int = 1, **extra_env: str) -> subprocess.Popen:
    env = {**os.environ, **serving_env(url), **extra_env}
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers),
               "-k", worker_class, "--threads", str(threads), "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", target]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            clock.sleep(0.1)
    process.kill()
    raise SystemExit(f"{target} did not start on port {port}")


def stop(server: subprocess.Popen) -> None:
    """gunicorn's graceful stop (a gthread worker waits on kept-alive connections), then kill."""
    server.terminate()
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def call(port: int, method: str, path: str, body=None, token: str | None = None
         ) -> tuple[float, int, bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = clock.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return (clock.perf_counter() - started) * 1000, response.status, data


def local(day, hour: int) -> str:
    return datetime.combine(day, time(hour), TZ).isoformat()


def operations(rng: random.Random):
    """Each operation: (label, expected status, a function giving the next call's arguments)."""
    today = NOW.astimezone(TZ).date()
    slots = [(space, today + timedelta(days=d), hour) for space in range(1, 11)
             for d in range(20, 380) for hour in (22, 23)]
    rng.shuffle(slots)
    creates = iter(slots)

    def create():
        space, day, hour = next(creates)
        end = (datetime.combine(day, time(hour), TZ) + timedelta(hours=1)).isoformat()
        return "POST", "/api/v1/bookings", {"space_id": space, "start": local(day, hour),
                                            "end": end, "title": "Bench"}, MEMBER_SECRET

    def refused():
        day, hour = today + timedelta(days=rng.randint(1, 2)), rng.randint(8, 20)
        return "POST", "/api/v1/bookings", {"space_id": rng.randint(1, 10),
                                            "start": local(day, hour),
                                            "end": local(day, hour + 1), "title": "Bench"}, \
            MEMBER_SECRET

    def listing():
        day = today + timedelta(days=rng.randint(0, 2))
        query = f"start={local(day, 0)}&end={local(day + timedelta(days=1), 0)}"
        return "GET", "/api/v1/bookings?" + query.replace("+", "%2B"), None, MEMBER_SECRET

    return [("create", 201, create), ("refused create", 409, refused),
            ("one-day listing", 200, listing),
            ("member feed", 200, lambda: ("GET", f"/feeds/{FEED_TOKEN}/member.ics", None, None)),
            ("balances", 200, lambda: ("GET", "/api/v1/ledger/balances", None, MANAGER_SECRET))]


def same_shape(label: str, app_body: bytes, floor_body: bytes) -> None:
    """The floor answers what the app answers (keys of the JSON, or a calendar)."""
    if label == "member feed":
        ok = app_body.count(b"BEGIN:VEVENT") == floor_body.count(b"BEGIN:VEVENT")
    else:
        a, f = json.loads(app_body), json.loads(floor_body)
        a, f = (a[0] if a else {}, f[0] if f else {}) if isinstance(a, list) else (a, f)
        ok = set(a) == set(f) and len(json.loads(app_body)) == len(json.loads(floor_body))
    if not ok:
        raise SystemExit(f"{label}: the floor's answer differs from the app's:\n"
                         f"{app_body[:400]!r}\n{floor_body[:400]!r}")


def measure(ports: dict[str, int]) -> list[tuple]:
    rng = random.Random(11)
    ops = operations(rng)
    times = {(label, side): [] for label, _, _ in ops for side in ports}
    for label, expected, next_call in ops:  # warm up, and compare the answers once
        answers = {}
        for side, port in ports.items():
            for _ in range(3):
                _ms, status, data = call(port, *next_call())
                if status != expected:
                    raise SystemExit(f"{side} {label}: {status} {data[:300]!r}")
            answers[side] = data
        for side in ports:
            if side != "app":
                same_shape(label, answers["app"], answers[side])
    for round_ in range(-(-RUNS // BATCH)):
        sides = list(ports) if round_ % 2 == 0 else list(reversed(ports))
        for label, expected, next_call in ops:
            for side in sides:
                for _ in range(BATCH):
                    ms, status, data = call(ports[side], *next_call())
                    if status != expected:
                        raise SystemExit(f"{side} {label}: {status} {data[:300]!r}")
                    times[label, side].append(ms)
    rows = []
    p95 = lambda t: t[min(len(t) - 1, int(len(t) * 0.95))]  # noqa: E731
    for label, _, _ in ops:
        app, floor, pooled = (sorted(times[label, side]) for side in ports)
        rows.append((label, len(app), statistics.median(app), p95(app),
                     statistics.median(floor), p95(floor),
                     statistics.median(app) / statistics.median(floor),
                     statistics.median(pooled),
                     statistics.median(app) / statistics.median(pooled)))
    return rows


SERVING = [("sync", 4, 1), ("gthread", 2, 4), ("gthread", 4, 2)]
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))


def serving(size: int) -> None:
    """Requests per second and latency of the app under each gunicorn setting, same load."""
    import threading

    url = prepare(size)
    print(f"\n{size:,} bookings, {CLIENTS} concurrent callers, {RUNS} requests each "
          f"(listing, refused create, create in turn)")
    print("| gunicorn | requests/s | median ms | p95 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: |")
    rng = random.Random(5)
    ops = operations(rng)
    mix = [ops[2], ops[2], ops[1], ops[0]]
    lock = threading.Lock()
    for worker_class, workers, threads in SERVING:
        port = free_port()
        server = serve("wsgi:app", port, url, workers, worker_class, threads)
        times, errors = [], []

        def client(port=port, times=times, errors=errors):
            for i in range(RUNS):
                with lock:
                    label, expected, next_call = mix[i % len(mix)]
                    arguments = next_call()
                ms, status, _data = call(port, *arguments)
                with lock:
                    (times if status == expected else errors).append(ms)

        try:
            for _ in range(4):
                call(port, *ops[2][2]())
            started = clock.perf_counter()
            callers = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for caller in callers:
                caller.start()
            for caller in callers:
                caller.join()
            elapsed = clock.perf_counter() - started
        finally:
            stop(server)
        times.sort()
        print(f"| -w {workers} -k {worker_class} --threads {threads} | "
              f"{(len(times) + len(errors)) / elapsed:.0f} | {statistics.median(times):.1f} | "
              f"{times[int(len(times) * 0.95)]:.1f} | {len(errors)} |")


def main() -> None:
    try:
        run()
    finally:
        empty_queue()


PROFILE_RUNS = int(os.environ.get("BENCH_PROFILE_RUNS", "200"))


def profile(size: int) -> None:
    """Each operation PROFILE_RUNS times under pyinstrument, in this process (the app built as
    wsgi.py builds it, called through its WSGI test client: no HTTP server in the profile)."""
    from pyinstrument import Profiler

    from booking import create_app

    url = prepare(size)
    client = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret",
                         "API_RATE_LIMIT": "1000000 per minute", "REDIS_URL": REDIS_URL,
                         "SESSION_COOKIE_SECURE": False}).test_client()
    for label, expected, next_call in operations(random.Random(7)):
        calls = [next_call() for _ in range(PROFILE_RUNS + 5)]
        for method, path, body, token in calls[:5]:
            test_call(client, method, path, body, token, expected)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for method, path, body, token in calls[5:]:
            test_call(client, method, path, body, token, expected)
        profiler.stop()
        print(f"\n## {label}, {size:,} bookings, {PROFILE_RUNS} requests")
        print(profiler.output_text(unicode=True, color=False, show_all=False))


def test_call(client, method, path, body, token, expected) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.open(path, method=method, json=body, headers=headers)
    if response.status_code != expected:
        raise SystemExit(f"{path}: {response.status_code} {response.data[:300]!r}")


def run() -> None:
    if os.environ.get("BENCH_PROFILE"):
        for size in SIZES:
            profile(size)
        return
    if os.environ.get("BENCH_SERVING"):
        for size in SIZES:
            serving(size)
        return
    kind = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {kind}, gunicorn 1 {WORKER_CLASS} worker "
          f"each, {RUNS} requests per operation and side in batches of {BATCH}")
    for size in SIZES:
        started = clock.perf_counter()
        url = prepare(size)
        ports = {"app": free_port(), "floor": free_port(), "pooled floor": free_port()}
        servers = [serve("wsgi:app", ports["app"], url, worker_class=WORKER_CLASS),
                   serve("bench.floor:app", ports["floor"], url, worker_class=WORKER_CLASS),
                   serve("bench.floor:app", ports["pooled floor"], url,
                         worker_class=WORKER_CLASS, FLOOR_CONNECTIONS="thread")]
        try:
            rows = measure(ports)
        finally:
            for server in servers:
                stop(server)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\n{size:,} bookings (built and measured in {clock.perf_counter() - started:.0f} s; "
              f"load average {load})")
        print("| operation | runs | app median | app p95 | floor median | floor p95 | app/floor "
              "| pooled floor median | app/pooled floor |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, runs, am, ap, fm, fp, ratio, pm, pooled_ratio in rows:
            print(f"| {label} | {runs} | {am:.1f} | {ap:.1f} | {fm:.1f} | {fp:.1f} | "
                  f"{ratio:.2f}x | {pm:.1f} | {pooled_ratio:.2f}x |")


if __name__ == "__main__":
    main()
