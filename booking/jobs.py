"""The job queue: e-mailing the notification outbox after commit, and the scheduled jobs
(reminders every minute, the co-managers' daily digest, no-shows, expired waiting-list
offers).

- With `REDIS_URL`: RQ. A commit that wrote notifications enqueues a delivery job; `flask
  worker` runs the RQ worker and, beside it, RQ's cron scheduler for the minute tick.
- Without Redis (`make run`): a thread in the web process, woken after such a commit and
  every `NOTIFY_TICK_SECONDS`.
- Tests: nothing runs by itself; `JOBS_INLINE=True` delivers synchronously after commit, or a
  test calls `run_tick` / `run_delivery`.
Every job is safe to run twice at once: rows are claimed one by one, scheduled ones deduplicated.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from datetime import datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import clock
from .domain import checkin, governance, notifications, waitlist
from .domain.accounts import get_settings
from .extensions import db

log = logging.getLogger(__name__)
QUEUE = "mutualise"
DEFAULTS = {
    "REDIS_URL": lambda: os.environ.get("REDIS_URL") or None,
    "JOBS_INLINE": lambda: os.environ.get("JOBS_INLINE", "").lower() in {"1", "true", "yes"},
    "NOTIFY_MAX_ATTEMPTS": lambda: int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "5")),
    "NOTIFY_RETRY_SECONDS": lambda: int(os.environ.get("NOTIFY_RETRY_SECONDS", "60")),
    "NOTIFY_TICK_SECONDS": lambda: int(os.environ.get("NOTIFY_TICK_SECONDS", "60")),
    "NOTIFY_DIGEST_HOUR": lambda: int(os.environ.get("NOTIFY_DIGEST_HOUR", "8")),
    "MAIL_TIMEOUT_SECONDS": lambda: float(os.environ.get("MAIL_TIMEOUT_SECONDS", "20")),
}


# --- the jobs --------------------------------------------------------------------------------

def run_delivery(app: Flask, now: datetime | None = None,
                 send=None) -> notifications.DeliveryReport:
    """E-mail what is due, in a session of its own."""
    with app.app_context():
        try:
            return notifications.deliver_due(db.session, now or clock.now(), send)
        finally:
            db.session.remove()


def run_tick(app: Flask, now: datetime | None = None, send=None) -> notifications.DeliveryReport:
    """The minute tick: close due proposals, write due reminders and digests, then deliver."""
    with app.app_context():
        moment = now or clock.now()
        try:
            settings = get_settings(db.session, app.config["TIMEZONE"], app.config["CURRENCY"])
            notifications.queue_reminders(db.session, moment)
            notifications.queue_digests(db.session, moment, settings.timezone,
                                        app.config["NOTIFY_DIGEST_HOUR"])
            governance.close_due_proposals(db.session, moment)
            governance.remind_closing_soon(db.session, moment)
            db.session.commit()
            run_desk_jobs(moment)
        except IntegrityError:  # another worker wrote the same reminder first: it is sent
            db.session.rollback()
        finally:
            db.session.remove()
    return run_delivery(app, now, send)


def run_desk_jobs(now: datetime) -> tuple[int, int]:
    """Mark no-shows, then pass expired waiting-list offers on; committed apart from the
    other jobs (these take booking locks). Returns (no-shows, offers expired)."""
    try:
        marked = checkin.mark_no_shows(db.session, now)
        db.session.commit()
        expired = waitlist.expire_offers(db.session, now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return marked, expired


_job_app: Flask | None = None


def _app_for_job() -> Flask:
    """The app a job runs in: the worker's (flask worker), else one built once (rq worker)."""
    global _job_app
    if has_app_context():
        return current_app._get_current_object()
    if _job_app is None:
        from . import create_app

        _job_app = create_app()
    return _job_app


def deliver_job() -> None:
    run_delivery(_app_for_job())


def tick_job() -> None:
    run_tick(_app_for_job())


# --- backends: what a commit that wrote notifications wakes ----------------------------------

class NoBackend:
    """Tests: nothing runs by itself."""

    def wake(self, app: Flask) -> None:
        pass

    def start(self, app: Flask) -> None:
        pass


class InlineBackend(NoBackend):
    """Deliver at once, synchronously, in a session of its own (tests, JOBS_INLINE)."""

    def wake(self, app: Flask) -> None:
        run_delivery(app)


class ThreadBackend(NoBackend):
    """One daemon thread per web process, started with its first request."""

    def __init__(self):
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wake(self, app: Flask) -> None:
        self._wake.set()

    def start(self, app: Flask) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, args=(app,), daemon=True,
                                                name="mutualise-notifications")
                self._thread.start()

    def _loop(self, app: Flask) -> None:
        period = app.config["NOTIFY_TICK_SECONDS"]
        last_tick = 0.0
        while True:
            woken = self._wake.wait(timeout=period)
            self._wake.clear()
            try:
                if time.monotonic() - last_tick >= period or not woken:
                    last_tick = time.monotonic()
                    run_tick(app)
                else:
                    run_delivery(app)
            except Exception as error:  # keep the thread alive; the next tick retries
                from .outages import is_unavailable, short_reason

                if is_unavailable(error):  # one line, not a traceback a minute
                    log.warning("Notification delivery postponed: database unavailable (%s)",
                                short_reason(error))
                else:
                    log.exception("Notification delivery failed")


class RqBackend(NoBackend):
    """Enqueue a delivery job on Redis; the worker (`flask worker`) runs it.

    The enqueue is made by a thread of this process, not by the request that committed: the
    answer does not wait on Redis (2 to 4 ms a booking, or a connect timeout when Redis is
    down), and commits made while a job is being queued, or within `gather_seconds` of the
    first, share the next one."""

    # Commits made within this time of a first one share its queue check: under load one
    # Redis round trip (in a thread that competes with the requests for the interpreter) per
    # burst rather than per booking; an e-mail leaves at most this much later.
    gather_seconds = 0.05

    def __init__(self, url: str):
        self.url = url
        self._queue = None
        self._changed = threading.Condition()
        self._asked = self._queued = 0
        self._thread: threading.Thread | None = None
        self._last_job = None

    def queue(self):
        if self._queue is None:
            from redis import Redis
            from rq import Queue

            self._queue = Queue(QUEUE, connection=Redis.from_url(self.url))
        return self._queue

    def wake(self, app: Flask) -> None:
        with self._changed:
            self._asked += 1
            self._changed.notify_all()
            if self._thread is None or not self._thread.is_alive():  # none yet, or forked
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="mutualise-enqueue")
                self._thread.start()

    def wait_queued(self, timeout: float = 5.0) -> bool:
        """Wait until every wake so far has its job queued (tests, scripts)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._queued >= self._asked, timeout)

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._asked > self._queued)
            time.sleep(self.gather_seconds)
            with self._changed:
                asked = self._asked
            self.enqueue()
            with self._changed:
                self._queued = asked
                self._changed.notify_all()

    def enqueue(self) -> None:
        """Queue a delivery, unless the last one queued here has not started yet: it will
        send what was committed before it starts, this commit's rows included (one status
        read instead of a new job)."""
        try:
            if self._last_job is not None and self._still_waiting(self._last_job):
                return
            self._last_job = self.queue().enqueue(deliver_job, job_timeout=300, result_ttl=60)
        except Exception:  # Redis down: the worker's next tick sends it
            log.exception("Could not enqueue the notification delivery")

    @staticmethod
    def _still_waiting(job) -> bool:
        from rq.exceptions import InvalidJobOperation
        from rq.job import JobStatus

        try:
            return job.get_status(refresh=True) == JobStatus.QUEUED
        except InvalidJobOperation:  # expired or deleted
            return False


def backend(app: Flask) -> NoBackend:
    return app.extensions["jobs"]


def _after_commit(session: Session) -> None:
    if session.info.pop(notifications.ADDED_FLAG, False) and has_app_context():
        app = current_app._get_current_object()
        if "jobs" in app.extensions:
            backend(app).wake(app)


def _after_rollback(session: Session) -> None:
    session.info.pop(notifications.ADDED_FLAG, None)


event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_rollback", _after_rollback)


def init_app(app: Flask) -> None:
    for key, default in DEFAULTS.items():
        app.config.setdefault(key, default())
    if app.config["REDIS_URL"]:
        chosen: NoBackend = RqBackend(app.config["REDIS_URL"])
    elif app.config["JOBS_INLINE"]:
        chosen = InlineBackend()
    elif app.testing:
        chosen = NoBackend()
    else:
        chosen = ThreadBackend()
    app.extensions["jobs"] = chosen
    if isinstance(chosen, ThreadBackend):
        app.before_request(lambda: chosen.start(app))


# --- flask worker ----------------------------------------------------------------------------

def _run_cron(url: str, interval: int) -> None:
    from redis import Redis
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=Redis.from_url(url))
    scheduler.register(tick_job, QUEUE, interval=interval, job_timeout=300)
    scheduler.start()


def run_worker(app: Flask, burst: bool = False) -> None:
    """With Redis, the RQ worker (and the cron scheduler in a child process, unless `burst`);
    without, the tick loop in the foreground."""
    url = app.config["REDIS_URL"]
    if not url:
        while True:
            run_tick(app)
            if burst:
                return
            time.sleep(app.config["NOTIFY_TICK_SECONDS"])
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    cron = None
    if not burst:
        cron = multiprocessing.get_context("fork").Process(
            target=_run_cron, args=(url, app.config["NOTIFY_TICK_SECONDS"]), daemon=True,
            name="mutualise-cron")
        cron.start()
    try:
        SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection).work(
            burst=burst, with_scheduler=not burst)
    finally:
        if cron is not None and cron.is_alive():
            cron.terminate()
