"""The floor: the API calls bench/http.py measures, done by a bare Flask app on a plain DB-API
connection (sqlite3, or psycopg in PostgreSQL mode), no ORM, no extensions, on the app's own
database. Same paths, same JSON shapes, same status codes; what it cannot skip (a token check,
the overlap SELECT, the INSERT, the refusal record, the iCalendar encoding) it does, as cheaply
as Python allows. The app's hot requests are held to at most twice its times.

    FLOOR_DATABASE_URL=sqlite:////tmp/bench.db gunicorn -w 1 bench.floor:app
    FLOOR_CONNECTIONS=thread FLOOR_DATABASE_URL=... gunicorn -w 1 bench.floor:app  # pooled
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, request
from icalendar import Calendar, Event

URL = os.environ.get("FLOOR_DATABASE_URL", "sqlite:////tmp/bench.db")
TZ_NAME = "Europe/Brussels"
TZ = ZoneInfo(TZ_NAME)
ACTIVE = ("pending", "confirmed")
REACH = timedelta(days=8)
SEARCH = timedelta(days=7)
HISTORY, CANCELLED_KEPT = timedelta(days=90), timedelta(days=30)
BASE_URL = "http://127.0.0.1:5000"
POSTGRES = URL.startswith("postgresql")
P = "%s" if POSTGRES else "?"

app = Flask(__name__)


# A connection per request by default, opened on first use and closed when the request ends:
# Flask's own pattern for sqlite3, and the floor the first figures were measured
# against. FLOOR_CONNECTIONS=thread keeps one per thread instead, as the app keeps a pool: the
# stricter floor, which pays neither the connect nor SQLite's reading of the schema.
POOLED = os.environ.get("FLOOR_CONNECTIONS", "request") == "thread"
_local = threading.local()


def connection():
    """The request's (or, pooled, the thread's) connection, in autocommit mode; writes say
    BEGIN and COMMIT themselves."""
    holder = _local if POOLED else g
    db = getattr(holder, "db", None)
    if db is None:
        if POSTGRES:
            import psycopg

            db = psycopg.connect(URL.replace("postgresql+psycopg", "postgresql"),
                                 autocommit=True)
        else:
            db = sqlite3.connect(URL.removeprefix("sqlite:///"), isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA foreign_keys=ON")
        holder.db = db
    return db


@app.teardown_appcontext
def close_connection(_error) -> None:
    db = None if POOLED else g.pop("db", None)
    if db is not None:
        db.close()


def sql(statement: str) -> str:
    return statement.replace("?", P)


def stored(moment: datetime):
    """A UTC instant as the column holds it (naive text in SQLite)."""
    moment = moment.astimezone(UTC)
    return moment if POSTGRES else moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def instant(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rfc3339(value) -> str:
    return instant(value).astimezone(TZ).isoformat(timespec="seconds")


def problem(status: int, detail: str, type_: str, **extra) -> Response:
    titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
              422: "Unprocessable Content"}
    body = {"type": "https://mutualise.example/problems/" + type_, "title": titles[status],
            "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def caller():
    """(member id, role) of the Bearer token, from one indexed SELECT."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    row = connection().execute(sql(
        "SELECT m.id, m.role FROM api_tokens t JOIN members m ON m.id = t.member_id "
        "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND m.active"),
        (hashlib.sha256(secret.encode()).hexdigest(),)).fetchone()
    return row


def booking_json(row, viewer, equipment=()) -> dict:
    (booking_id, space_id, member_id, series_id, start, end, title, note, status, sequence,
     late, cancel_reason, decision_reason, updated_at, show_titles, checked_in_at, no_show_at,
     overage, created_by, organisation_id) = row
    private = member_id == viewer[0] or viewer[1] == "comanager"
    return {"id": booking_id, "space_id": space_id, "member_id": member_id,
            "series_id": series_id, "start": rfc3339(start), "end": rfc3339(end),
            "title": title if private or show_titles else None,
            "note": note if private else None, "status": status, "sequence": sequence,
            "late_cancellation": bool(late),
            "equipment": [{"item_id": i, "name": n, "quantity": q} for i, n, q in equipment],
            "checked_in_at": rfc3339(checked_in_at) if checked_in_at else None,
            "no_show": no_show_at is not None,
            "reason": (cancel_reason or decision_reason or None) if private else None,
            "updated_at": rfc3339(updated_at), "overage_minutes": overage or 0,
            "created_by": created_by, "for_organisation": organisation_id is not None}


def interval(start, end) -> dict:
    return {"start": rfc3339(start), "end": rfc3339(end)}


def free_slots(opening: dict, step: int, wanted: tuple[datetime, datetime], busy: list,
               now: datetime) -> list[tuple[datetime, datetime]]:
    """The 3 non-overlapping free slots nearest the wanted start, on the step grid, within the
    opening hours, a week either side."""
    length = wanted[1] - wanted[0]
    keys = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    first = (wanted[0] - SEARCH).astimezone(TZ).date()
    found = []
    for offset in range(16):
        day = first + timedelta(days=offset)
        for opens, closes in opening.get(keys[day.weekday()], []):
            moment = datetime.combine(day, time.fromisoformat(opens), TZ).astimezone(UTC)
            close_day = day + timedelta(days=1) if closes == "24:00" else day
            closing = datetime.combine(close_day, time.fromisoformat(
                "00:00" if closes == "24:00" else closes), TZ).astimezone(UTC)
            while moment + length <= closing:
                end = moment + length
                if moment >= now and abs(moment - wanted[0]) <= SEARCH and not any(
                        s < end and e > moment for s, e in busy):
                    found.append((moment, end))
                moment += timedelta(minutes=step)
    chosen = []
    for slot in sorted(found, key=lambda s: (abs(s[0] - wanted[0]), s[0])):
        if all(slot[1] <= o[0] or slot[0] >= o[1] for o in chosen):
            chosen.append(slot)
            if len(chosen) == 3:
                break
    return sorted(chosen)


@app.post("/api/v1/bookings")
def create():
    viewer = caller()
    if viewer is None:
        return problem(401, "Send a valid token.", "unauthorized")
    body = request.get_json()
    start, end = datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"])
    now = datetime.now(UTC)
    db = connection()
    space = db.execute(sql("SELECT id, opening_hours, slot_minutes, buffer_minutes, show_titles "
                           "FROM spaces WHERE id = ?"), (body["space_id"],)).fetchone()
    if space is None:
        return problem(404, "Not found.", "not-found")
    blocked_until = end + timedelta(minutes=space[3])
    db.execute("BEGIN" if POSTGRES else "BEGIN IMMEDIATE")
    taken = db.execute(sql(
        "SELECT start_at, end_at FROM bookings WHERE space_id = ? AND status IN (?, ?) "
        "AND start_at < ? AND blocked_until > ? ORDER BY start_at"),
        (space[0], *ACTIVE, stored(blocked_until), stored(start))).fetchall()
    if taken:
        busy = [(instant(s), instant(e)) for s, e in db.execute(sql(
            "SELECT start_at, end_at FROM bookings WHERE space_id = ? AND status IN (?, ?) "
            "AND start_at < ? AND blocked_until > ?"),
            (space[0], *ACTIVE, stored(end + REACH), stored(start - REACH)))]
        opening = space[1] if POSTGRES else json.loads(space[1])
        nearest = free_slots(opening, space[2], (instant(start), instant(end)), busy, now)
        db.execute(sql("INSERT INTO refused_bookings (at, member_id, space_id, start_at, end_at, "
                       "reason) VALUES (?, ?, ?, ?, ?, ?)"),
                   (stored(now), viewer[0], space[0], stored(start), stored(end), "conflict"))
        db.execute("COMMIT")
        return problem(409, "This time is already taken.", "booking-conflict",
                       conflicts=[interval(s, e) for s, e in taken],
                       suggestions=[interval(s, e) for s, e in nearest])
    row = db.execute(sql(
        "INSERT INTO bookings (space_id, member_id, start_at, end_at, blocked_until, status, "
        "title, note, sequence, created_at, updated_at, decision_reason, cancel_reason, "
        "late_cancellation, overage_minutes) VALUES (?, ?, ?, ?, ?, 'confirmed', ?, ?, 0, ?, ?, "
        "'', '', ?, 0) RETURNING id"),
        (space[0], viewer[0], stored(start), stored(end), stored(blocked_until),
         body["title"].strip(), body.get("note", "").strip(), stored(now), stored(now),
         False)).fetchone()
    db.execute("COMMIT")
    answer = booking_json((row[0], space[0], viewer[0], None, start, end, body["title"].strip(),
                           body.get("note", "").strip(), "confirmed", 0, False, "", "", now,
                           space[4], None, None, 0, viewer[0], None), viewer)
    return {**answer, "participant_ids": []}, 201


@app.get("/api/v1/bookings")
def listing():
    viewer = caller()
    if viewer is None:
        return problem(401, "Send a valid token.", "unauthorized")
    start = datetime.fromisoformat(request.args["start"])
    end = datetime.fromisoformat(request.args["end"])
    rows = connection().execute(sql(
        "SELECT b.id, b.space_id, b.member_id, b.series_id, b.start_at, b.end_at, b.title, "
        "b.note, b.status, b.sequence, b.late_cancellation, b.cancel_reason, b.decision_reason, "
        "b.updated_at, s.show_titles, b.checked_in_at, b.no_show_at, b.overage_minutes, "
        "b.created_by_id, b.organisation_id FROM bookings b JOIN spaces s ON s.id = b.space_id "
        "WHERE b.start_at < ? AND b.end_at > ? AND b.status IN (?, ?) "
        "ORDER BY b.start_at, b.id LIMIT 1000"), (stored(end), stored(start), *ACTIVE)).fetchall()
    held: dict[int, list] = {}
    if rows:
        ids = [r[0] for r in rows]
        for booking_id, item_id, name, quantity in connection().execute(sql(
                "SELECT be.booking_id, i.id, i.name, be.quantity FROM booking_equipment be "
                "JOIN equipment_items i ON i.id = be.item_id WHERE be.booking_id IN ("
                + ", ".join("?" * len(ids)) + ") ORDER BY be.booking_id, i.name"), ids):
            held.setdefault(booking_id, []).append((item_id, name, quantity))
    return Response(json.dumps([booking_json(r, viewer, held.get(r[0], ())) for r in rows]),
                    mimetype="application/json")


@app.get("/api/v1/ledger/balances")
def balances():
    viewer = caller()
    if viewer is None:
        return problem(401, "Send a valid token.", "unauthorized")
    if viewer[1] != "comanager":
        return problem(403, "Co-managers only.", "forbidden")
    rows = connection().execute(
        "SELECT e.member_id, e.organisation_id, coalesce(m.name, o.name), sum(e.amount_cents) "
        "FROM ledger_entries e LEFT JOIN members m ON m.id = e.member_id "
        "LEFT JOIN organisations o ON o.id = e.organisation_id "
        "GROUP BY e.member_id, e.organisation_id, m.name, o.name "
        "ORDER BY coalesce(m.name, o.name)").fetchall()
    return Response(json.dumps([{"member_id": m, "organisation_id": o, "name": n,
                                 "balance_cents": int(t)} for m, o, n, t in rows]),
                    mimetype="application/json")


@app.get("/feeds/<token>/member.ics")
def member_feed(token: str):
    db = connection()
    member = db.execute(sql("SELECT id FROM members WHERE feed_token = ? AND active"),
                        (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()
    if member is None:
        return Response(status=404)
    now = datetime.now(UTC)
    where = ("b.member_id = ? AND b.start_at >= ? AND (b.status IN (?, ?) OR b.updated_at >= ?)")
    params = (member[0], stored(now - HISTORY), *ACTIVE, stored(now - CANCELLED_KEPT))
    newest, count = db.execute(sql(f"SELECT max(b.updated_at), count(b.id) FROM bookings b "
                                   f"WHERE {where}"), params).fetchone()
    etag = '"' + hashlib.sha256(f"{newest}|{count}".encode()).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag})
    rows = db.execute(sql(
        "SELECT b.id, b.start_at, b.end_at, b.status, b.title, b.note, b.sequence, b.updated_at, "
        f"s.name, s.address FROM bookings b JOIN spaces s ON s.id = b.space_id WHERE {where} "
        "ORDER BY b.start_at, b.id"), params).fetchall()
    calendar = Calendar()
    calendar.add("prodid", "-//Mutualise//Calendar feeds 1.0//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Mes réservations · Mutualise")
    calendar.add("x-wr-timezone", TZ_NAME)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    statuses = {"pending": "TENTATIVE", "confirmed": "CONFIRMED"}
    for booking_id, start, end, status, title, note, sequence, updated, space, address in rows:
        url = f"{BASE_URL}/bookings/{booking_id}"
        event = Event()
        event.add("uid", f"booking-{booking_id}@127.0.0.1")
        event.add("dtstamp", instant(updated))
        event.add("dtstart", instant(start))
        event.add("dtend", instant(end))
        event.add("summary", f"{title} · {space}")
        if space or address:
            event.add("location", ", ".join(p for p in (space, address) if p))
        description = f"Page de la réservation : {url}"
        event.add("description", f"{note}\n\n{description}" if note else description)
        event.add("url", url)
        event.add("status", statuses.get(status, "CANCELLED"))
        event.add("sequence", sequence)
        event.add("last-modified", instant(updated))
        calendar.add_component(event)
    return Response(calendar.to_ical(), content_type="text/calendar; charset=utf-8",
                    headers={"ETag": etag, "Cache-Control": "private, no-cache"})

