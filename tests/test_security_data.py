"""Security of the data paths (issue 12): the calendar import cannot reach inside the network,
CSV exports carry no formulas, anonymous survey answers cannot be re-linked, the ledger refuses
TRUNCATE, an oversized request gets its page, secrets stay out of the log, feed tokens are
stored hashed, and uploads get safe names and private folders."""
from __future__ import annotations

import csv
import io
import logging
import socket
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, text

from booking.domain import calendar_fetch
from booking.extensions import db
from booking.models import Closure
from tests.test_calendar_import import CONCERT, FETCH_FAILED, venue_calendar

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW, "ICS_IMPORT_MAX_BYTES": 20_000, "ICS_IMPORT_TIMEOUT_SECONDS": 2}


# --- 2. SSRF in the calendar import ----------------------------------------------------------

class InternalServer(BaseHTTPRequestHandler):
    """A calendar server on 127.0.0.1, with redirects to places that must stay unreachable."""

    hosts: list[str] = []

    def do_GET(self):
        InternalServer.hosts.append(self.headers.get("Host"))
        port = self.server.server_address[1]
        targets = {"/to-ftp": "ftp://127.0.0.1/venue.ics",
                   "/to-localhost": f"http://localhost:{port}/venue.ics",
                   "/to-file": "file:///etc/passwd",
                   "/loop": "/loop", "/hop": "/venue.ics"}
        if self.path in targets:
            self.send_response(302)
            self.send_header("Location", targets[self.path])
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        self.wfile.write(venue_calendar(CONCERT))

    def log_message(self, *args):
        pass


@pytest.fixture
def internal_port():
    InternalServer.hosts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), InternalServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _import(client, url):
    return client.post("/spaces/closures/import", data={"space_id": "0", "url": url},
                       content_type="multipart/form-data").get_data(as_text=True)


def test_an_internal_address_is_refused_with_the_one_message(client, login, comanager,
                                                              internal_port):
    login(comanager)
    page = _import(client, f"http://127.0.0.1:{internal_port}/venue.ics")
    assert FETCH_FAILED in page and "Concert" not in page
    assert InternalServer.hosts == []  # never even connected
    # A closed port answers the very same page.
    closed = _import(client, "http://127.0.0.1:9/venue.ics")
    assert FETCH_FAILED in closed
    assert db.session.scalar(select(func.count(Closure.id))) == 0


@pytest.mark.parametrize("host", [
    "127.0.0.1", "localhost", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "[::1]",
    "[::ffff:127.0.0.1]", "0.0.0.0", "10.1.2.3", "172.16.0.1", "192.168.1.1",
    "169.254.169.254", "100.64.0.1", "224.0.0.1", "[fe80::1]", "[fd00::1]", "[::]",
    "[2002:7f00:1::]", "[::ffff:a00:1]",
])
def test_loopback_and_internal_addresses_in_every_notation_are_refused(host, monkeypatch):
    connected = []
    monkeypatch.setattr(calendar_fetch, "_connect",
                        lambda *args, **kwargs: connected.append(args) or None)
    with pytest.raises(calendar_fetch.CalendarFetchFailed) as refused:
        calendar_fetch.fetch(f"http://{host}:8080/x.ics", timeout=1, max_bytes=1000)
    assert str(refused.value) == str(calendar_fetch._failed())  # the one message
    assert connected == []


def test_a_listed_internal_host_is_allowed(client, app, login, comanager, internal_port):
    app.config["CALENDAR_IMPORT_ALLOWED_HOSTS"] = "cal.coop.lan, 127.0.0.1"
    login(comanager)
    assert "Concert, grande salle" in _import(client, f"http://127.0.0.1:{internal_port}/hop")
    assert InternalServer.hosts == [f"127.0.0.1:{internal_port}"] * 2


def test_every_redirect_hop_is_checked(client, app, login, comanager, internal_port):
    app.config["CALENDAR_IMPORT_ALLOWED_HOSTS"] = "127.0.0.1"
    login(comanager)
    base = f"http://127.0.0.1:{internal_port}"
    for path in ("/to-ftp", "/to-file", "/to-localhost"):
        InternalServer.hosts = []
        assert FETCH_FAILED in _import(client, base + path), path
        # Only the first hop reached the server (localhost is not listed).
        assert InternalServer.hosts == [f"127.0.0.1:{internal_port}"], path
    InternalServer.hosts = []
    _import(client, base + "/loop")
    assert len(InternalServer.hosts) == calendar_fetch.MAX_REDIRECTS + 1


def _fake_dns(monkeypatch, answers: dict[str, str]):
    real = socket.getaddrinfo
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(calendar_fetch.socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_a_public_name_resolving_to_a_private_address_is_refused(monkeypatch):
    _fake_dns(monkeypatch, {"calendar.example.org": "10.0.0.5"})
    connected = []
    monkeypatch.setattr(calendar_fetch, "_connect",
                        lambda *args, **kwargs: connected.append(args))
    with pytest.raises(calendar_fetch.CalendarFetchFailed):
        calendar_fetch.fetch("https://calendar.example.org/venue.ics", timeout=1,
                             max_bytes=1000)
    assert connected == []


def test_the_connection_goes_to_the_checked_address_with_the_host_name(monkeypatch,
                                                                       internal_port):
    """One lookup per hop; the socket opens to that address, the Host header names the host
    (so a DNS answer that changes between check and connection changes nothing)."""
    lookups = _fake_dns(monkeypatch, {"venue.example": "127.0.0.1"})
    body = calendar_fetch.fetch(f"http://venue.example:{internal_port}/venue.ics", timeout=2,
                                max_bytes=20_000, allowed_hosts=frozenset({"venue.example"}))
    assert b"Concert" in body
    assert lookups == ["venue.example"]
    assert InternalServer.hosts == [f"venue.example:{internal_port}"]


def test_public_addresses_pass_the_check():
    import ipaddress

    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "1.1.1.1"):
        assert calendar_fetch.is_public_address(ipaddress.ip_address(address)), address


# --- 5. CSV exports carry no formula -------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example","click")'


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or cell[1:].replace(".", "").isdigit(), cell


def test_usage_report_csv_neutralises_a_member_name(client, login, comanager, make_member,
                                                    make_space, make_booking):
    from tests.conftest import local

    evil = make_member(name=EVIL)
    make_booking(make_space(), evil, local(2026, 3, 3, 10), local(2026, 3, 3, 13))
    login(comanager)
    rows = _csv_rows(client.get("/usage/report.csv?period=month&date=2026-03-15"))
    _no_formula(rows)
    assert ["'" + EVIL, evil.email] == rows[1][:2]


def _evil_contribution(member, actor):
    from booking.domain import ledger

    ledger.record_contribution(db.session, member=member, minutes=60, day=date(2026, 3, 5),
                               description=EVIL, rate_cents=1500, actor=actor)
    db.session.commit()


def test_accountant_export_neutralises_descriptions(client, login, comanager, make_member):
    _evil_contribution(make_member(name=EVIL), comanager)
    login(comanager)
    rows = _csv_rows(client.get("/ledger/export.csv?start=2026-03-01&end=2026-03-31"))
    _no_formula(rows)
    assert rows[1][2] == "'" + EVIL


def test_member_statement_neutralises_descriptions(client, login, make_member):
    evil = make_member(name=EVIL)
    _evil_contribution(evil, evil)
    login(evil)
    rows = _csv_rows(client.get("/ledger/statement.csv"))
    _no_formula(rows)
    assert "'" + EVIL in rows[1]


def test_survey_export_neutralises_name_email_plan_and_headers(client, login, comanager,
                                                               make_member):
    from booking.domain.survey import building
    from booking.models import Plan

    plan = Plan(name=EVIL, monthly_fee_cents=0, shares=1)
    db.session.add(plan)
    db.session.commit()
    evil = make_member(name=EVIL, email="evil@example.org", plan_id=plan.id)
    survey = building.create_survey(db.session, comanager, {
        "title": {"fr": "Besoins"}, "intro": {}, "audience": "members", "anonymous": False,
        "results_published": False, "opens_on": None, "closes_on": None})
    question = building.add_question(db.session, survey.sections[0], {
        "kind": "short_text", "text": {"fr": EVIL}}, [])
    building.publish_survey(survey)
    db.session.commit()
    login(evil)
    assert client.post(f"/surveys/s/{survey.token}",
                       data={f"q{question.id}": "+cmd|' /C calc'!A0"}).status_code == 302
    client.post("/logout")
    login(comanager)
    rows = _csv_rows(client.get(f"/surveys/{survey.id}/export.csv"))
    _no_formula(rows)
    assert rows[1][2:5] == ["'" + EVIL, "evil@example.org", "'" + EVIL]
    assert rows[1][5] == "'+cmd|' /C calc'!A0"


# --- 12. A request over the size limit gets the friendly 413 page ---------------------------

@pytest.mark.parametrize("csrf", [False, True])
def test_a_request_over_the_size_limit_answers_413_with_the_page(app, client, login, comanager,
                                                                 csrf):
    login(comanager)
    app.config.update(MAX_CONTENT_LENGTH=2000, WTF_CSRF_ENABLED=csrf)
    response = client.post("/spaces/closures/import", data={
        "space_id": "0", "url": "", "file": (io.BytesIO(b"x" * 5000), "big.ics")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Le fichier est trop volumineux" in response.get_data(as_text=True)


# --- 13. Secrets stay out of the log ---------------------------------------------------------

def test_outside_debug_a_mail_without_server_is_not_logged_in_full(app, caplog):
    from booking.mail import send_mail

    app.config["MAIL_SERVER"] = None
    with caplog.at_level(logging.INFO), app.test_request_context():
        send_mail("lea@example.org", "Choose a new password",
                  "Open http://localhost/reset/SECRET-TOKEN to choose it.")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SECRET-TOKEN" not in logged
    assert "not sent" in logged and "MAIL_SERVER" in logged and "lea@example.org" in logged


def test_in_debug_the_mail_is_logged_to_try_it_on_a_laptop(app, caplog):
    from booking.mail import send_mail

    app.config["MAIL_SERVER"] = None
    app.debug = True
    try:
        with caplog.at_level(logging.INFO), app.test_request_context():
            send_mail("lea@example.org", "Invitation", "http://localhost/invite/TOKEN")
    finally:
        app.debug = False
    assert any("/invite/TOKEN" in record.getMessage() for record in caplog.records)


def test_feed_tokens_are_redacted_from_logged_paths(app, client, caplog):
    from booking import logs

    token = "AbCdEf0123456789_-AbCdEf0123456789_-AbCdEf0"
    assert logs.redact(f'"GET /feeds/{token}/member.ics HTTP/1.1" 200') == (
        '"GET /feeds/[redacted]/member.ics HTTP/1.1" 200')
    app.add_url_rule("/feeds/<token>/boom", "boom", lambda token: 1 / 0)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.INFO):
        assert client.get(f"/feeds/{token}/boom").status_code == 500
        logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /feeds/%s/all.ics" 200', token)
    logged = [record.getMessage() for record in caplog.records]
    assert any("/feeds/[redacted]/boom" in line for line in logged)
    assert any("/feeds/[redacted]/all.ics" in line for line in logged)
    assert not any(token in line for line in logged)


@pytest.mark.parametrize("header, kept", [
    ("req-4242", True), ("a.b_c-D9", True), ("x" * 64, True), ("x" * 65, False),
    ("evil\nINFO forged line", False), ("has space", False), ("", False), ("é", False),
])
def test_the_request_id_is_taken_only_when_it_is_a_plain_short_id(client, header, kept):
    response = client.get("/login", environ_overrides={"HTTP_X_REQUEST_ID": header})
    answered = response.headers["X-Request-ID"]
    assert (answered == header) is kept
    assert len(answered) <= 64 and "\n" not in answered


# --- 15. Uploaded names: secure for storage, quoted for download; private folders ------------

def test_an_uploaded_name_is_made_safe_for_storage_and_quoted_for_download(
        app, client, login, comanager, tmp_path):
    import os
    import stat

    from booking.models import Expense
    from tests.test_ledger import EXPENSE_FORM

    app.instance_path = str(tmp_path / "instance")
    login(comanager)
    pdf = b"%PDF-1.4\n% facture\n"
    name = "C:\\fakepath\\..\\../fac;ture: 1 été.pdf"
    response = client.post("/ledger/expenses/", data={
        **EXPENSE_FORM, "attachment": (io.BytesIO(pdf), name)},
        content_type="multipart/form-data")
    assert response.status_code == 302
    expense = db.session.execute(select(Expense)).scalar_one()
    assert expense.attachment_name == "fac;ture: 1 été.pdf"
    stored = expense.attachment_file
    assert "/" not in stored and ".." not in stored and stored.isascii() and " " not in stored
    assert stored.endswith("-facture_1_ete.pdf") and len(stored) <= 80
    folder = tmp_path / "instance" / "attachments"
    assert stat.S_IMODE(os.stat(folder).st_mode) & 0o007 == 0
    assert stat.S_IMODE(os.stat(folder / stored).st_mode) & 0o007 == 0

    download = client.get(f"/ledger/expenses/{expense.id}/invoice")
    assert download.data == pdf
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"fac_ture: 1 ete.pdf\"; "
        "filename*=UTF-8''fac%3Bture%3A%201%20%C3%A9t%C3%A9.pdf")


def test_a_name_with_quotes_and_line_breaks_cannot_break_the_header():
    from booking.domain.attachments import display_name, storage_name
    from booking.exports import content_disposition

    name = display_name('..\\x/fac"ture\r\nX-Evil: 1.pdf')
    assert name == 'fac"tureX-Evil: 1.pdf'
    header = content_disposition(name)
    assert header == ("attachment; filename=\"fac_tureX-Evil: 1.pdf\"; "
                      "filename*=UTF-8''fac%22tureX-Evil%3A%201.pdf")
    assert storage_name("../../etc/passwd", "pdf").endswith("-passwd.pdf")
    assert display_name("") == "invoice" and len(display_name("a" * 500)) == 200


def test_csv_file_names_are_quoted_the_same_way(app):
    from booking.exports import content_disposition, csv_response

    with app.test_request_context():
        assert csv_response("x.csv", ["a"], []).headers["Content-Disposition"] == (
            'attachment; filename="x.csv"')
    assert content_disposition("é.csv") == (
        "attachment; filename=\"e.csv\"; filename*=UTF-8''%C3%A9.csv")


def test_the_instance_folder_is_created_without_access_for_others(tmp_path, monkeypatch):
    import os
    import stat

    import booking
    from tests.conftest import _config

    monkeypatch.setattr(booking, "ROOT", tmp_path)
    booking.create_app(_config(f"sqlite:///{tmp_path / 'x.db'}"))
    assert stat.S_IMODE(os.stat(tmp_path / "instance").st_mode) & 0o007 == 0


# --- 14 (migration) and 7 (migration): existing feed links keep working ---------------------

def test_the_migration_hashes_existing_feed_tokens_and_rebuilds_participations(tmp_path):
    from flask_migrate import downgrade, upgrade

    from booking import create_app
    from booking.domain.feed_tokens import member_for_feed_token
    from tests.conftest import ROOT, _config

    migrations = str(ROOT / "migrations")
    before = "751f2939c8c3"  # the revision just before the hardening one
    app = create_app(_config(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        upgrade(directory=migrations, revision=before)
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO members (id, email, name, phone, role, active, created_at, "
                "feed_token) VALUES (1, 'lea@example.org', 'Léa', '', 'member', 1, "
                "'2026-01-01 00:00:00', 'old-token-in-a-subscribed-url')"))
            connection.execute(text(
                "INSERT INTO surveys (id, token, title, intro, audience, anonymous, status, "
                "results_published, created_at) VALUES (1, 't', '{}', '{}', 'members', 1, "
                "'published', 0, '2026-01-01 00:00:00')"))
            connection.execute(text(
                "INSERT INTO survey_participations (survey_id, member_id, answered_at) "
                "VALUES (1, 1, '2026-01-02 10:11:12.123456')"))
        upgrade(directory=migrations)
        stored = db.session.execute(text("SELECT feed_token FROM members")).scalar_one()
        assert stored != "old-token-in-a-subscribed-url" and len(stored) == 64
        assert member_for_feed_token(db.session, "old-token-in-a-subscribed-url").id == 1
        (row,) = db.session.execute(text("SELECT * FROM survey_participations")).mappings()
        assert len(row["id"]) == 36 and "answered_at" not in row and row["member_id"] == 1
        db.session.rollback()
        downgrade(directory=migrations, revision=before)
        upgrade(directory=migrations)
        db.engine.dispose()


# --- 14. Feed tokens stored hashed, shown once ------------------------------------------------

def test_feed_tokens_are_stored_hashed_and_the_url_shown_only_once(client, login, member):
    import re

    login(member)
    client.post("/account/calendar-link")
    first = client.get("/account/profile").get_data(as_text=True)
    token = re.search(r'value="http://localhost/feeds/([^/]+)/member.ics\?lang=fr"', first).group(1)
    assert "montrée qu’une seule fois" in first or "une seule fois" in first
    db.session.refresh(member)
    assert member.feed_token != token and len(member.feed_token) == 64
    assert token not in member.feed_token
    again = client.get("/account/profile").get_data(as_text=True)
    assert token not in again and "/feeds/" not in again
    assert "Créer une nouvelle adresse" in again or 'action="/account/calendar-link"' in again
    assert client.get(f"/feeds/{token}/member.ics").status_code == 200
    assert client.get(f"/feeds/{member.feed_token}/member.ics").status_code == 404


# --- 7. Anonymous answers cannot be re-linked to who answered --------------------------------

def test_participations_carry_no_time_and_no_order(app, make_member):
    from booking.domain.survey import answering, building
    from booking.models import SurveyParticipation

    comanager = make_member(role="comanager")
    survey = building.create_survey(db.session, comanager, {
        "title": {"fr": "Anonyme"}, "intro": {}, "audience": "members", "anonymous": True,
        "results_published": False, "opens_on": None, "closes_on": None})
    question = building.add_question(db.session, survey.sections[0], {
        "kind": "short_text", "text": {"fr": "Un mot"}}, [])
    building.publish_survey(survey)
    db.session.commit()
    people = [make_member() for _ in range(12)]
    for person in people:  # one transaction per answer, as in the answer view
        answering.submit_response(
            db.session, survey, {question.id: answering.RawAnswer([f"mot {person.id}"])},
            today=date(2026, 3, 2), member=person)
        db.session.commit()
    columns = set(SurveyParticipation.__table__.columns.keys())
    assert columns == {"id", "survey_id", "member_id", "browser_token_hash"}  # no time
    ids = db.session.execute(select(SurveyParticipation.id)).scalars().all()
    assert all(len(i) == 36 for i in ids)
    if db.engine.dialect.name == "sqlite":
        order = "rowid"
    else:  # every row of the survey was rewritten by the last answer's transaction
        assert db.session.execute(text(
            "SELECT count(DISTINCT xmin::text) FROM survey_participations")).scalar() == 1
        order = "ctid"
    stored = db.session.execute(text(
        f"SELECT member_id FROM survey_participations ORDER BY {order}")).scalars().all()
    answered = [p.id for p in people]
    assert sorted(stored) == answered
    assert stored != answered  # storage order is not the order people answered in (1/12!)


# --- 11. The ledger is append-only, TRUNCATE included (PostgreSQL) ---------------------------

def test_the_ledger_refuses_truncate(app, member):
    from sqlalchemy.exc import DBAPIError

    from booking.models import LedgerEntry

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (a DELETE is refused by its own trigger)")
    db.session.add(LedgerEntry(member_id=member.id, amount_cents=1000, kind="fee",
                               entry_date=date(2026, 3, 31), description="Fee"))
    db.session.commit()
    for statement in ("TRUNCATE ledger_entries", "TRUNCATE members CASCADE"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
