"""Load and faults over HTTP: N simulated members (default 50) for T seconds (default 60)
browse week views, search free slots, book the popular evening slots (2 h at 18:00, 19:00 or
20:00 in the next three evenings of three studios: heavy contention) and cancel some of their
bookings. Prints requests/s, p50/p95/p99 per endpoint, the status counts and the server's CPU
time per request; then checks in SQL that no two active bookings of a space overlap and that
every booking acknowledged with 201 exists (cancelled if we cancelled it, active otherwise).
Exit status 1 when a check fails.

Loopback only; bounded in time (--seconds) and in requests (--max-requests).

    .venv/bin/python bench/load.py                           # serves a temporary SQLite itself
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --database-url ... # a running
        # server (its LOGIN_RATE_LIMIT, LOGIN_ACCOUNT_RATE_LIMIT and API_RATE_LIMIT set high)
    ... --kill-worker-at 20            # SIGKILL one gunicorn worker 20 s in (--gunicorn-pid)
    ... --restart-postgres-at 30       # runs --restart-command (pg_ctlcluster 15 main restart)
"""
from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py is named like the standard library's `http`: look in bench/ last, not first.
BENCH = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != BENCH] + [BENCH]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from datetime import time as wall_time  # noqa: E402
from http.cookies import SimpleCookie  # noqa: E402
from urllib.parse import quote, urlsplit  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TZ = ZoneInfo("Europe/Brussels")
PASSWORD = "load bench password"
EVENING_HOURS = (18, 19, 20)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SECRET_KEY = "load-bench-secret-key"
# Weights of what a member does next.
ACTIONS = (("week", 30), ("search", 25), ("book", 30), ("cancel", 15))


@dataclass
class Setup:
    members: list[tuple[str, str]]  # (email, API token)
    space_ids: list[int]
    evenings: list[date]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    acknowledged: set[int] = field(default_factory=set)
    cancelled: set[int] = field(default_factory=set)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, status: int | str, elapsed: float) -> None:
        with self.lock:
            self.latencies[name].append(elapsed * 1000)
            self.statuses[name][status] += 1
            self.requests += 1


# --- the data: members with tokens, three studios --------------------------------------------

def _app(database_url: str):
    from booking import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY,
                       "TESTING": False})


def prepare(database_url: str, count: int) -> Setup:
    """Migrate if needed, then the members (cheap password hashes), a token each, 3 studios."""
    import logging

    from flask_migrate import upgrade
    from sqlalchemy import select

    from booking.domain import accounts, api_tokens
    from booking.extensions import db
    from booking.models import Space

    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = _app(database_url)
    now = datetime.now(UTC)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        spaces = list(db.session.execute(select(Space).where(
            Space.name.like("Load studio %")).order_by(Space.id)).scalars())
        every_day = {d: [["08:00", "24:00"]]
                     for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        for letter in "ABC"[len(spaces):]:
            space = Space(name=f"Load studio {letter}", kind="rehearsal_room", capacity=6,
                          opening_hours=every_day, slot_minutes=30, min_minutes=30,
                          max_minutes=480, horizon_days=90, notice_minutes=0, buffer_minutes=0,
                          cancel_notice_hours=0, needs_approval=False, show_titles=False,
                          hourly_weight_pct=100, hourly_rate_cents=0, active=True)
            db.session.add(space)
            spaces.append(space)
        members = []
        for index in range(count):
            email = f"load-{index}@example.org"
            member = accounts.find_member_by_email(db.session, email)
            if member is None:
                member = accounts.create_member(db.session, email=email, name=f"Load {index}",
                                                role="member", password=PASSWORD,
                                                hash_method="pbkdf2:sha256:1000")
            _token, secret = api_tokens.create_token(db.session, member, "load bench", now)
            members.append((email, secret))
        db.session.commit()
        space_ids = [s.id for s in spaces]
        db.session.remove()
        db.engine.dispose()
    today = now.astimezone(TZ).date()
    return Setup(members, space_ids, [today + timedelta(days=d) for d in (1, 2, 3)])


# --- serving ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(database_url: str, port: int, workers: int, threads: int, log_path: Path,
          worker_class: str = "gthread") -> subprocess.Popen:
    """gunicorn with the repository's gunicorn.conf.py, limits raised for one loopback address."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers),
           "GUNICORN_THREADS": str(threads), "GUNICORN_WORKER_CLASS": worker_class,
           "GUNICORN_MAX_REQUESTS": "0", "LOGIN_RATE_LIMIT": "100000 per minute",
           "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute", "API_RATE_LIMIT": "100000 per minute",
           "LOG_LEVEL": "WARNING"}
    output = log_path.open("w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=output,
                              stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn did not start:\n{log_path.read_text()}")


def process_tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid] + [p for child in children for p in process_tree(int(child))]


def cpu_seconds(pids: list[int]) -> float:
    """User + system time of these processes, and of their children that have ended."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / ticks


# --- one simulated member --------------------------------------------------------------------

class Member:
    def __init__(self, host: str, port: int, email: str, token: str, setup: Setup,
                 results: Results, rng: random.Random):
        self.host, self.port, self.email, self.token = host, port, email, token
        self.setup, self.results, self.rng = setup, results, rng
        self.connection: http.client.HTTPConnection | None = None
        self.cookies = SimpleCookie()
        self.mine: list[int] = []

    def call(self, name: str, method: str, path: str, body=None, headers=None,
             form: bool = False) -> tuple[int | str, bytes, http.client.HTTPResponse | None]:
        headers = dict(headers or {})
        if body is not None and not form:
            body, headers["Content-Type"] = json.dumps(body), "application/json"
        elif body is not None:
            body = "&".join(f"{k}={quote(str(v))}" for k, v in body.items())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.results.record(name, "connection error", time.perf_counter() - started)
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            time.sleep(0.05)
            return "connection error", b"", None
        self.results.record(name, response.status, time.perf_counter() - started)
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, data, response

    def log_in(self) -> bool:
        status, page, _ = self.call("login", "GET", "/login")
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page or b"")
        form = {"email": self.email, "password": PASSWORD}
        if found:
            form["csrf_token"] = found.group(1).decode()
        status, _, _ = self.call("login", "POST", "/login", form, form=True)
        return status == 302

    @property
    def api(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def week(self):
        day = self.rng.choice(self.setup.evenings)
        space = self.rng.choice(self.setup.space_ids)
        self.call("week view", "GET", f"/calendar/week?space={space}&date={day.isoformat()}")

    def search(self):
        day = self.rng.choice(self.setup.evenings)
        start = datetime.combine(day, wall_time(17), tzinfo=TZ)
        end = start + timedelta(hours=7)
        space = self.rng.choice(self.setup.space_ids)
        self.call("slot search", "GET",
                  f"/api/v1/spaces/{space}/availability?start={quote(start.isoformat())}"
                  f"&end={quote(end.isoformat())}&duration=PT2H", headers=self.api)

    def book(self):
        day = self.rng.choice(self.setup.evenings)
        start = datetime.combine(day, wall_time(self.rng.choice(EVENING_HOURS)), tzinfo=TZ)
        status, data, _ = self.call("book", "POST", "/api/v1/bookings", {
            "space_id": self.rng.choice(self.setup.space_ids), "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(), "title": "Répétition"},
            headers=self.api)
        if status == 201:
            booking_id = json.loads(data)["id"]
            with self.results.lock:
                self.results.acknowledged.add(booking_id)
            self.mine.append(booking_id)

    def cancel(self):
        if not self.mine:
            return self.search()
        booking_id = self.mine.pop(self.rng.randrange(len(self.mine)))
        status, _, _ = self.call("cancel", "POST", f"/api/v1/bookings/{booking_id}/cancel",
                                 {"reason": "load bench"}, headers=self.api)
        if status == 200:
            with self.results.lock:
                self.results.cancelled.add(booking_id)
        elif status != 409:
            self.mine.append(booking_id)  # not cancelled (a 503): maybe later

    def run(self, stop_at: float, max_requests: int) -> None:
        logged_in = self.log_in()
        names = [name for name, weight in ACTIONS for _ in range(weight)
                 if logged_in or name != "week"]
        while time.monotonic() < stop_at and self.results.requests < max_requests:
            getattr(self, self.rng.choice(names))()


# --- the run ---------------------------------------------------------------------------------

def run_load(url: str, setup: Setup, seconds: float, max_requests: int, faults: list,
             seed: int = 7) -> tuple[Results, float]:
    parts = urlsplit(url)
    results = Results()
    started = time.monotonic()
    stop_at = started + seconds
    members = [Member(parts.hostname, parts.port or 80, email, token, setup, results,
                      random.Random(seed + i)) for i, (email, token) in enumerate(setup.members)]
    threads = [threading.Thread(target=m.run, args=(stop_at, max_requests), daemon=True)
               for m in members]
    for thread in threads:
        thread.start()
    for at, action in sorted(faults, key=lambda f: f[0]):
        time.sleep(max(0.0, started + at - time.monotonic()))
        action()
    for thread in threads:
        thread.join(timeout=max(1.0, stop_at - time.monotonic() + 35))
    return results, time.monotonic() - started


def check(database_url: str, setup: Setup, results: Results) -> list[str]:
    """What must hold whatever happened during the run."""
    from sqlalchemy import bindparam, text

    from booking.extensions import db
    from booking.models import ACTIVE_STATUSES

    problems = []
    app = _app(database_url)
    with app.app_context():
        engine = db.engine
    with engine.connect() as connection:
        overlaps = connection.execute(text(
            "SELECT count(*) FROM bookings a JOIN bookings b ON a.space_id = b.space_id "
            "AND a.id < b.id AND a.start_at < b.blocked_until AND b.start_at < a.blocked_until "
            "WHERE a.status IN :active AND b.status IN :active AND a.space_id IN :spaces")
            .bindparams(bindparam("active", expanding=True),
                        bindparam("spaces", expanding=True)),
            {"active": list(ACTIVE_STATUSES), "spaces": setup.space_ids}).scalar_one()
        if overlaps:
            problems.append(f"{overlaps} pairs of active bookings overlap")
        found = {}
        acknowledged = sorted(results.acknowledged)
        for start in range(0, len(acknowledged), 500):
            found.update(connection.execute(
                text("SELECT id, status FROM bookings WHERE id IN :ids")
                .bindparams(bindparam("ids", expanding=True)),
                {"ids": acknowledged[start:start + 500]}).all())
        missing = [i for i in acknowledged if i not in found]
        if missing:
            problems.append(f"{len(missing)} acknowledged bookings are missing: {missing[:10]}")
        wrong = [i for i in acknowledged if i in found and
                 (found[i] == "cancelled") != (i in results.cancelled)]
        if wrong:
            problems.append(f"{len(wrong)} bookings in the wrong state: {wrong[:10]}")
    engine.dispose()
    return problems


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(results: Results, elapsed: float, cpu: float | None) -> str:
    lines = [f"{results.requests} requests in {elapsed:.1f} s: "
             f"{results.requests / elapsed:.1f} requests/s"]
    if cpu is not None and results.requests:
        lines.append(f"server CPU: {cpu:.1f} s, {cpu * 1000 / results.requests:.2f} ms per "
                     "request")
    lines.append(f"{'endpoint':<12} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  "
                 "statuses")
    for name in sorted(results.latencies):
        values = results.latencies[name]
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(results.statuses[name].items(),
                                                             key=lambda kv: str(kv[0])))
        lines.append(f"{name:<12} {len(values):>7} {statistics.median(values):>8.1f} "
                     f"{percentile(values, .95):>8.1f} {percentile(values, .99):>8.1f}  "
                     f"{statuses}")
    lines.append(f"acknowledged bookings: {len(results.acknowledged)}, "
                 f"cancelled: {len(results.cancelled)}")
    return "\n".join(lines)


def kill_one_worker(master_pid: int) -> None:
    workers = process_tree(master_pid)[1:]
    if workers:
        os.kill(workers[0], signal.SIGKILL)
        print(f"SIGKILL sent to worker {workers[0]}", flush=True)


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def freeze_postgres(seconds: float) -> None:
    """SIGSTOP every PostgreSQL process (a hung server: connections accepted, nothing
    answered), and SIGCONT them `seconds` later."""
    pids = postgres_pids()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    print(f"PostgreSQL frozen ({len(pids)} processes) for {seconds:.0f} s", flush=True)

    def thaw():
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        print("PostgreSQL thawed", flush=True)

    timer = threading.Timer(seconds, thaw)
    timer.daemon = False
    timer.start()


def probe_health(url: str, results: Results, stop_at: float) -> None:
    """/healthz twice a second for the whole run: it needs no database, so it must answer
    even while the database hangs."""
    parts = urlsplit(url)
    while time.monotonic() < stop_at:
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=5)
            connection.request("GET", "/healthz")
            status = connection.getresponse().status
        except OSError as error:
            status = type(error).__name__
        results.record("healthz", status, time.monotonic() - started)
        time.sleep(max(0.0, 0.5 - (time.monotonic() - started)))


def restart_postgres(command: str) -> None:
    print(f"restarting PostgreSQL: {command}", flush=True)
    subprocess.run(command, shell=True, check=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (loopback); default: serve one")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="the server's database (default: a temporary SQLite file)")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2, help="when serving")
    parser.add_argument("--threads", type=int, default=4, help="when serving")
    parser.add_argument("--worker-class", default="gthread", help="when serving")
    parser.add_argument("--gunicorn-pid", type=int, help="master of a running server")
    parser.add_argument("--kill-worker-at", type=float, help="seconds into the run")
    parser.add_argument("--restart-postgres-at", type=float, help="seconds into the run")
    parser.add_argument("--restart-command", default="pg_ctlcluster 15 main restart")
    parser.add_argument("--freeze-postgres-at", type=float,
                        help="seconds into the run: SIGSTOP PostgreSQL (needs root)")
    parser.add_argument("--freeze-seconds", type=float, default=40)
    args = parser.parse_args(argv)

    if args.url and urlsplit(args.url).hostname not in LOOPBACK:
        parser.error("loopback only: --url must be on 127.0.0.1, localhost or ::1")
    work = Path(tempfile.mkdtemp(prefix="mutualise-load-"))
    database_url = args.database_url or f"sqlite:///{work / 'load.db'}"
    if not args.url and not args.database_url:
        print(f"database: {database_url}")
    setup = prepare(database_url, args.members)
    server = None
    master = args.gunicorn_pid
    url = args.url
    if url is None:
        port = free_port()
        server = serve(database_url, port, args.workers, args.threads, work / "gunicorn.log",
                       args.worker_class)
        master, url = server.pid, f"http://127.0.0.1:{port}"
    faults = []
    if args.kill_worker_at is not None:
        if master is None:
            parser.error("--kill-worker-at needs --gunicorn-pid with --url")
        faults.append((args.kill_worker_at, lambda: kill_one_worker(master)))
    if args.restart_postgres_at is not None:
        faults.append((args.restart_postgres_at,
                       lambda: restart_postgres(args.restart_command)))
    if args.freeze_postgres_at is not None:
        faults.append((args.freeze_postgres_at, lambda: freeze_postgres(args.freeze_seconds)))
    results_probe = Results()
    health = threading.Thread(target=probe_health, daemon=True,
                              args=(url, results_probe, time.monotonic() + args.seconds))
    health.start()
    workers_before = set(process_tree(master)[1:]) if master else set()
    try:
        cpu_before = cpu_seconds(process_tree(master)) if master else None
        results, elapsed = run_load(url, setup, args.seconds, args.max_requests, faults)
        cpu = cpu_seconds(process_tree(master)) - cpu_before if master else None
        replaced = len(workers_before - set(process_tree(master)[1:])) if master else 0
        health.join(timeout=10)
        results.latencies["healthz"] = results_probe.latencies["healthz"]
        results.statuses["healthz"] = results_probe.statuses["healthz"]
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    print(report(results, elapsed, cpu))
    print(f"workers replaced during the run: {replaced}")
    problems = check(database_url, setup, results)
    slow_health = [ms for ms in results.latencies["healthz"] if ms > 2000]
    if set(results.statuses["healthz"]) - {200} or slow_health:
        problems.append(f"/healthz failed or took over 2 s: {dict(results.statuses['healthz'])}"
                        f", {len(slow_health)} slow")
    if args.freeze_postgres_at is not None and replaced:
        problems.append(f"{replaced} workers were killed while the database hung")
    for problem in problems:
        print("FAILED:", problem)
    if not problems:
        print("checks: no overlapping active bookings; every acknowledged booking is there")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
