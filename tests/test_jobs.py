"""The job queue: the worker sends each notification once, retrying against an SMTP server
that fails twice; two workers never send the same row; a commit wakes the worker; RQ on a real
Redis when the machine has one; and `make run`'s setup (no Redis, no SMTP) still delivers."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import select

from booking import jobs
from booking.domain import bookings as rules
from booking.domain import notifications as outbox
from booking.domain.notifications.delivery import _claim
from booking.extensions import db
from booking.models import Notification
from booking.models.types import utcnow
from tests.conftest import ROOT, local

NOW = local(2026, 10, 1, 9)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def book(space, member, day=5):
    booking = rules.create_booking(db.session, space=space, member=member,
                                   start=local(2026, 10, day, 10), end=local(2026, 10, day, 12),
                                   title="Répétition", now=NOW, tz="Europe/Brussels")
    db.session.commit()
    return booking


def the_row() -> Notification:
    db.session.expire_all()
    return db.session.execute(select(Notification)).scalar_one()


class FlakySMTP:
    """Refuses the first two messages (451, try later), accepts the next ones."""

    def __init__(self, failures: int = 2):
        self.failures, self.calls, self.received = failures, 0, []

    async def handle_DATA(self, server, session, envelope):
        self.calls += 1
        if self.calls <= self.failures:
            return "451 4.3.0 Try again later"
        self.received.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    from aiosmtpd.controller import Controller

    handler = FlakySMTP()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False,
                      MAIL_TIMEOUT_SECONDS=5)
    yield handler
    controller.stop()


def test_sent_once_after_two_smtp_failures_with_backoff(app, member, make_space, smtp_server):
    book(make_space(), member)
    first = jobs.run_delivery(app, NOW)
    row = the_row()
    assert (first.failed, row.email_state, row.attempts) == (1, "failed", 1)
    assert row.next_attempt_at == NOW + timedelta(seconds=60)
    assert "451" in row.last_error
    assert jobs.run_delivery(app, NOW + timedelta(seconds=30)).failed == 0  # not due yet
    jobs.run_delivery(app, NOW + timedelta(seconds=60))
    assert the_row().next_attempt_at == NOW + timedelta(seconds=60 + 120)  # doubled
    third = jobs.run_delivery(app, NOW + timedelta(seconds=180))
    row = the_row()
    assert (third.sent, row.email_state, row.attempts, row.sent_at) == (
        1, "sent", 3, NOW + timedelta(seconds=180))
    jobs.run_delivery(app, NOW + timedelta(days=1))
    assert smtp_server.calls == 3 and len(smtp_server.received) == 1
    mail = message_from_bytes(smtp_server.received[0])
    assert mail["To"].endswith(f"<{member.email}>")
    parts = [part.get_content_type() for part in mail.walk()]
    assert {"text/plain", "text/html", "text/calendar"} <= set(parts)


def test_dead_after_the_configured_attempts(app, member, make_space):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    book(make_space(), member)

    def refuse(message):
        raise ConnectionRefusedError("no SMTP server")

    for hour in range(6):
        jobs.run_delivery(app, NOW + timedelta(hours=hour), send=refuse)
    row = the_row()
    assert (row.email_state, row.attempts) == ("dead", 3)
    assert [r.id for r in outbox.dead_notifications(db.session)] == [row.id]


def test_two_workers_cannot_claim_the_same_row(app, member, make_space):
    book(make_space(), member)
    row = the_row()
    assert _claim(db.session, row.id, 0, NOW) is True
    assert _claim(db.session, row.id, 0, NOW) is False  # the other worker read attempts=0 too
    sent = []
    jobs.run_delivery(app, NOW, send=sent.append)  # leased to the first worker: not due
    assert sent == []


def test_a_worker_that_lost_the_claim_sends_nothing(app, member, make_space, monkeypatch):
    """Simulate the race: between reading the due rows and claiming, another worker won."""
    book(make_space(), member)
    from booking.domain.notifications import delivery

    real_claim = delivery._claim

    def other_worker_first(session, row_id, attempts, now):
        real_claim(session, row_id, attempts, now)
        return real_claim(session, row_id, attempts, now)

    monkeypatch.setattr(delivery, "_claim", other_worker_first)
    sent = []
    report = jobs.run_delivery(app, NOW, send=sent.append)
    assert (report.lost, report.sent, sent) == (1, 0, [])


def test_inline_delivery_after_commit_only(app, client, login, member, make_space):
    app.extensions["jobs"] = jobs.InlineBackend()
    space = make_space()
    day = date.today() + timedelta(days=7)
    rules.create_booking(db.session, space=space, member=member,
                         start=local(day.year, day.month, day.day, 10),
                         end=local(day.year, day.month, day.day, 11), title="x",
                         now=utcnow(), tz="Europe/Brussels")
    db.session.rollback()
    assert app.extensions.get("outbox", []) == []
    assert db.session.info.get(outbox.ADDED_FLAG) is None
    login(member)
    response = client.post("/bookings/new", data={
        "space_id": space.id, "start": f"{day}T10:00", "end": f"{day}T12:00",
        "title": "Répétition", "repeat": "none"})
    assert response.status_code == 302
    [(to, subject, _body)] = app.extensions["outbox"]
    assert (to, subject) == (member.email, f"Réservation confirmée : {space.name}")
    assert the_row().email_state == "sent"


def test_flask_worker_burst_without_redis(app, runner, member, make_space):
    book(make_space(), member)
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert the_row().email_state == "sent"


@pytest.fixture
def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from redis import Redis

    client = Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            break
        except Exception:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_rq_delivers_after_commit(app, member, make_space, redis_url):
    app.config["REDIS_URL"] = redis_url
    app.extensions["jobs"] = jobs.RqBackend(redis_url)
    book(make_space(), member)
    assert the_row().email_state == "pending"
    assert app.extensions["jobs"].wait_queued()
    assert app.extensions["jobs"].queue().count == 1
    jobs.run_worker(app, burst=True)
    assert the_row().email_state == "sent"
    assert app.extensions["outbox"][0][0] == member.email


def test_commits_while_a_delivery_waits_share_it(app, member, make_space, redis_url):
    """A job still waiting in the queue sends every row committed before it starts: a second
    booking queues nothing more; once the job has run, the next booking queues a new one."""
    backend = jobs.RqBackend(redis_url)
    app.extensions["jobs"] = backend
    space = make_space()
    book(space, member, day=5)
    book(space, member, day=6)
    assert backend.wait_queued() and backend.queue().count == 1
    jobs.run_worker(app, burst=True)
    assert {row.email_state for row in db.session.execute(select(Notification)).scalars()
            } == {"sent"}
    book(space, member, day=7)
    assert backend.wait_queued() and backend.queue().count == 1



def test_a_burst_of_bookings_shares_one_queue_check(app, member, make_space, monkeypatch):
    """Ten bookings committed one after another within the gathering time cost one look at
    Redis (a status read or an enqueue), not ten, and every one of them is covered by it."""
    backend = jobs.RqBackend("redis://127.0.0.1:1/0")  # never reached: enqueue is counted
    backend.gather_seconds = 1.0
    checks = []
    monkeypatch.setattr(backend, "enqueue", lambda: checks.append(backend._asked))
    app.extensions["jobs"] = backend
    space = make_space()
    for day in range(5, 15):
        book(space, member, day=day)
    assert backend.wait_queued()
    assert checks == [10]


def test_a_booking_does_not_wait_for_redis_to_queue_its_delivery(app, member, make_space):
    """The request that commits only wakes this process's enqueuer: a slow or unreachable
    Redis delays the e-mail, never the member's answer."""
    import threading

    backend = jobs.RqBackend("redis://127.0.0.1:1/0")
    release, entered = threading.Event(), threading.Event()

    def slow_redis():
        entered.set()
        release.wait(5)

    backend.enqueue = slow_redis
    app.extensions["jobs"] = backend
    book(make_space(), member)
    assert entered.wait(5) and not backend.wait_queued(timeout=0.05)
    assert the_row().email_state == "pending"  # committed while Redis still "answers"
    release.set()
    assert backend.wait_queued()

# --- make run: no Redis, no SMTP -------------------------------------------------------------

def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="uses its own SQLite file")
def test_dev_server_without_redis_or_smtp_shows_and_sends_notifications(tmp_path):
    """What `make run` starts: migrations, demo data, the dev server; a booking made through
    the site appears on the notifications page and the in-process worker sends it (log)."""
    import requests

    database = tmp_path / "dev.db"
    env = {**os.environ, "FLASK_APP": "wsgi.py", "FLASK_DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{database}", "NOTIFY_TICK_SECONDS": "1"}
    for name in ("REDIS_URL", "MAIL_SERVER", "JOBS_INLINE"):
        env.pop(name, None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([*flask, "demo-data", "--if-empty"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        web = requests.Session()
        for _ in range(100):
            try:
                login_page = web.get(base + "/login", timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        web.post(base + "/login", data={"csrf_token": _csrf(login_page.text),
                                        "email": "lea@example.org",
                                        "password": "mutualise-demo"}, timeout=10)
        form = web.get(base + "/bookings/new", timeout=10).text
        space_id = re.search(r'<option[^>]*value="(\d+)"', form).group(1)
        for days in range(7, 30):
            day = date.today() + timedelta(days=days)
            booked = web.post(base + "/bookings/new", data={
                "csrf_token": _csrf(form), "space_id": space_id, "start": f"{day}T14:00",
                "end": f"{day}T16:00", "title": "Essai du soir", "repeat": "none"},
                timeout=10)
            if not booked.url.endswith("/new"):
                break
        assert re.search(r"/bookings/\d+$", booked.url), booked.text[:3000]
        booking_id = int(booked.url.rsplit("/", 1)[1])
        page = web.get(base + "/notifications", timeout=10).text
        assert "bell-count" in page and "Essai du soir" in page
        state = None
        for _ in range(100):
            with sqlite3.connect(database) as connection:
                state = connection.execute("SELECT email_state FROM notifications WHERE "
                                           "booking_id = ?", (booking_id,)).fetchone()[0]
            if state == "sent":
                break
            time.sleep(0.2)
        assert state == "sent"
        assert "MAIL_SERVER not set, logged instead" in Path(log_path).read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
