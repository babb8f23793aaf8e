"""What docs/deploy.md says works: gunicorn started with the repository's gunicorn.conf.py
serves /healthz and a page, logs one line per request, and stops gracefully on SIGTERM."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_gunicorn_with_the_repository_config_serves_health_and_pages(database_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "deploy-test-key",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
           "GUNICORN_THREADS": "2", "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        assert status == 200 and '"ok"' in body
        status, page = _get(f"http://127.0.0.1:{port}/login")
        assert status == 200 and "<form" in page
        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200 and '"ready"' in body
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=40)
    text = log.read_text()
    assert exit_code == 0, text
    assert "gthread" in text  # the configuration file was read
    assert text.count("GET /login 200") == 1  # the app's line, no second access log line
    assert "Traceback" not in text


def _gunicorn_settings(**environment) -> dict:
    """gunicorn.conf.py's values, read with only these GUNICORN_* variables set."""
    import runpy
    from unittest import mock

    kept = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    with mock.patch.dict(os.environ, {**kept, **environment}, clear=True):
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_workers_are_never_recycled_all_at_once():
    """Recycling after N requests restarted both workers within a second when an outage's
    quick 503s counted up (/healthz stalled for 4-5 s): off by default, and when set, each
    worker's point spreads over half as many requests again."""
    assert _gunicorn_settings()["max_requests"] == 0
    settings = _gunicorn_settings(GUNICORN_MAX_REQUESTS="2000")
    assert settings["max_requests"] == 2000
    assert settings["max_requests_jitter"] >= 1000
    assert _gunicorn_settings(GUNICORN_MAX_REQUESTS="2000",
                              GUNICORN_MAX_REQUESTS_JITTER="300")["max_requests_jitter"] == 300


def test_nginx_access_log_hides_the_token_of_every_route_with_one(app):
    """deploy/nginx.conf's access log, like the app's: a token in a path is a login."""
    import re

    from tests.test_health_and_logs import SECRET, _secret_routes

    config = (ROOT / "deploy" / "nginx.conf").read_text()
    pattern, replacement = re.search(
        r"map \$request_uri \$mutualise_loggable_uri \{\s*~(\S+)\s+\"([^\"]+)\";", config).groups()
    pattern = re.compile(pattern.replace("(?<", "(?P<"))
    replacement = re.sub(r"\$\{(\w+)\}", r"\\g<\1>", replacement)
    for path in _secret_routes(app):
        logged = pattern.sub(replacement, path)
        assert logged == path.replace(SECRET, "[redacted]"), path


NGINX = next((path for path in ("/usr/sbin/nginx", "/usr/bin/nginx")
              if os.access(path, os.X_OK)), None)


def _site_for_test(tmp_path: Path, http_port: int, https_port: int, app_port: int) -> str:
    """deploy/nginx.conf as an admin adapts it: certificate, log and ports of this test."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in [
            ("/etc/letsencrypt/live/booking.example.org/fullchain.pem", tmp_path / "cert.pem"),
            ("/etc/letsencrypt/live/booking.example.org/privkey.pem", tmp_path / "key.pem"),
            ("/var/log/nginx/mutualise.access.log", tmp_path / "access.log"),
            ("listen [::]:80;", ""), ("listen 80;", f"listen 127.0.0.1:{http_port};"),
            ("listen [::]:443", "#"), ("listen 443", f"listen 127.0.0.1:{https_port}"),
            ("server 127.0.0.1:8000", f"server 127.0.0.1:{app_port}")]:
        assert old in site, old
        site = site.replace(old, str(new))
    return (f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
            f"http {{\n{site}\n}}\n")


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
def test_the_nginx_site_loads_in_debians_nginx_and_logs_no_token(tmp_path):
    """`nginx -t` accepts deploy/nginx.conf (Debian 12's nginx 1.22 knows no `http2 on;`), and
    a password-reset link goes through to the app with HSTS, its token not in the log."""
    import http.server
    import ssl
    import threading

    class App(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"app")

        def log_message(self, *args):
            pass

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    https_port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(_site_for_test(tmp_path, _free_port(), https_port, backend.server_port))
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf),
                               "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        context.check_hostname = False
        for _ in range(50):
            try:
                with urllib.request.urlopen(
                        f"https://127.0.0.1:{https_port}/password/reset/SECRET-RESET-TOKEN",
                        context=context, timeout=5) as response:
                    assert response.status == 200 and response.read() == b"app"
                    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        else:
            raise AssertionError("nginx did not answer")
    finally:
        server.terminate()
        server.wait(timeout=10)
        backend.shutdown()
    logged = (tmp_path / "access.log").read_text()
    assert "/password/reset/[redacted]" in logged and "SECRET-RESET-TOKEN" not in logged
