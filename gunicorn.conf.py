"""gunicorn settings for Mutualise: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be changed by an environment variable (GUNICORN_*), e.g. in
/etc/mutualise/env. Threads (gthread) by default: a request waiting on the database blocks one
thread, while the worker keeps answering its heartbeat and other requests (/healthz among
them), so a slow database never gets every worker killed. See docs/deploy.md and
docs/performance.md for the figures behind these defaults.
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# Two workers per core, two threads each: on two cores this served the most requests with the
# lowest median of sync and gthread settings measured side by side (docs/performance.md,
# "Production serving"); threads help because a request mostly waits on the database.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count())
threads = _int("GUNICORN_THREADS", 2)

# A worker silent for this long is killed and replaced. Longer than the database's statement
# timeout (DB_STATEMENT_TIMEOUT, 15 s) plus its watchdog, so a request the database holds up
# ends in a 503, not in a killed worker.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (systemctl stop/restart), requests in progress get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are not recycled by default: no leak is known, and recycling after N requests
# restarted the workers together when an outage's quick 503s counted up (both within a second
# at 2000 +- 200: /healthz stalled 4-5 s while they loaded the app). To bound a leak, set
# GUNICORN_MAX_REQUESTS; each worker then stops somewhere in N to 1.5 N requests, far apart.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 2)

# The app writes one structured line per request itself (booking/logs.py: request id, member,
# SQL statements, tokens redacted); gunicorn's own access log would be a second, poorer line.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# nginx on the same host sets X-Forwarded-*; the app trusts them with TRUSTED_PROXIES=1.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Heartbeat files in memory: a slow disk must not look like a hung worker.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# Each worker builds its own app and database pool after the fork (no shared connections).
preload_app = False
proc_name = "mutualise"
