"""The requests members make most run a fixed number of SQL statements whatever the data size,
and a token's revocation reaches every worker within seconds although workers keep checked
tokens a few seconds (issue 19; figures in docs/performance.md)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import update

from booking.domain import api_tokens
from booking.extensions import db
from booking.models import ApiToken, Member, QuotaRule
from tests.conftest import TEST_DATABASE_URL, local

NOW = local(2026, 11, 30, 9)  # a Monday
DAY = local(2026, 12, 2, 0)


@pytest.fixture
def app_config():
    # Settings and token grants cached for the whole test: a statement count must not depend
    # on how long the set-up took (on a slow machine, the 5-second settings cache of production
    # expired mid-count). The tests of those caches set the production lifetimes back.
    return {"FROZEN_NOW": NOW, "API_RATE_LIMIT": "10000 per minute",
            "SETTINGS_CACHE_SECONDS": 3600, "API_TOKEN_CACHE_SECONDS": 3600}


@pytest.fixture
def fill(make_space, make_member, make_booking):
    """fill(spaces, members): every space booked 10:00-20:00 by the hour for a fortnight
    around DAY, by members in turn. Returns the spaces."""

    def make(n_spaces: int, n_members: int):
        spaces = [make_space() for _ in range(n_spaces)]
        members = [make_member() for _ in range(n_members)]
        turn = 0
        for space in spaces:
            for day in range(-7, 8):
                for hour in range(10, 20):
                    start = DAY + timedelta(days=day, hours=hour)
                    make_booking(space, members[turn % n_members], start,
                                 start + timedelta(hours=1))
                    turn += 1
        db.session.commit()
        return spaces

    return make


def _count(count_queries, call) -> int:
    with count_queries() as counter:
        call()
    return counter.count


def _api_counts(api, headers, space_id, count_queries, slot_hour: int) -> dict[str, int]:
    taken = {"space_id": space_id, "title": "Essai",
             "start": (DAY + timedelta(hours=12)).isoformat(),
             "end": (DAY + timedelta(hours=13)).isoformat()}
    free = {**taken, "start": (DAY + timedelta(hours=slot_hour)).isoformat(),
            "end": (DAY + timedelta(hours=slot_hour + 1)).isoformat()}
    day = f"start={DAY.isoformat()}&end={(DAY + timedelta(days=1)).isoformat()}"

    def refused():
        response = api("POST", "/bookings", headers, json=taken)
        assert response.status_code == 409 and response.json["suggestions"]

    def created():
        assert api("POST", "/bookings", headers, json=free).status_code == 201

    def listing():
        response = api("GET", "/bookings?" + day.replace("+", "%2B"), headers)
        assert response.status_code == 200 and response.json

    listing()  # the settings, read at most every few seconds per process, are fresh now
    return {"refused create": _count(count_queries, refused),
            "create": _count(count_queries, created),
            "one-day listing": _count(count_queries, listing)}


def test_api_hot_paths_run_a_fixed_number_of_statements(api, member, token_for, fill,
                                                        count_queries):
    headers = token_for(member)
    assert api("GET", "/me", headers).status_code == 200  # last use written once a minute
    small = _api_counts(api, headers, fill(1, 2)[0].id, count_queries, 20)
    big = _api_counts(api, headers, fill(4, 30)[-1].id, count_queries, 21)
    assert small == big, (small, big)
    lock = 1 if db.engine.dialect.name == "postgresql" else 0  # SELECT ... FOR UPDATE
    # The settings come from the process's few-second cache, the token and its member from
    # the grant cache (no statement for either).
    # Refused: space, the charter in force, closures of the kind's spaces, the
    # bookings in the way and the waiting-list offers held for others (one union), the kind's
    # other spaces, their bookings' times (the space's over the search window, the others'
    # around the time asked; one query), the quota rules (suggestions
    # are only what the member can book; their usage is a further query only when a rule
    # applies), the refusal (no rollback, no re-read).
    # Create: space, charter, closures, bookings in the way and offers held (one
    # union), quota rules, the insert, its notification (the outbox row); no equipment asked,
    # so none read or reserved; nothing read back after the commit.
    # Listing: the bookings with their spaces' title setting, and the equipment of all
    # the listed bookings (one query, however many).
    assert big == {"refused create": 7 + lock, "create": 6 + lock, "one-day listing": 2}, big


def test_the_create_answer_is_what_was_stored(api, member, token_for, make_space):
    space = make_space()
    body = {"space_id": space.id, "title": " Essai ", "note": "n",
            "start": (DAY + timedelta(hours=10)).isoformat(),
            "end": (DAY + timedelta(hours=11)).isoformat()}
    headers = token_for(member)
    created = api("POST", "/bookings", headers, json=body).json
    assert api("GET", f"/bookings/{created['id']}", headers).json == created


def _pages(space_id: int) -> list[str]:
    day = DAY.date().isoformat()
    return [f"/calendar/week?space={space_id}&date={day}", f"/calendar/day?date={day}",
            f"/bookings/find?kind=rehearsal_room&duration=60&date_from={day}&date_to="
            f"{(DAY + timedelta(days=6)).date().isoformat()}", "/dashboard"]


def test_member_pages_run_a_fixed_number_of_statements(client, login, member, fill,
                                                       count_queries):
    login(member)

    def counts(space_id):
        found = []
        assert client.get("/dashboard").status_code == 200  # settings fresh in this process
        for path in _pages(space_id):
            with count_queries() as counter:
                assert client.get(path).status_code == 200, path
            found.append(counter.count)
        return found

    small = counts(fill(1, 2)[0].id)
    big = counts(fill(4, 30)[-1].id)
    assert small == big
    # Every page: the signed-in member and the unread-notification badge. Week and day: the
    # spaces, the bookings of the range with their members, the closures, the quota rules
    # (free cells are only what the member can book) and the bookings they take part in; the
    # week also links the space's toolbox guide. Find a slot: the spaces, the bookings' times,
    # the closures, and the quota rules twice (the search's budget and the quota summary).
    # Home: the member's upcoming bookings with their spaces, the quota rules and the
    # balance. Settings come from the process's cache.
    assert big == [8, 7, 7, 5], big


def test_quota_summaries_cost_the_same_with_one_rule_or_four(client, login, member, fill,
                                                             make_space, make_booking,
                                                             count_queries):
    """Home and Find a slot show each rule's use: the hours are read once for all the rules,
    not once per rule."""
    space = fill(1, 2)[0]
    login(member)

    def rule(**fields):
        values = {"member_id": member.id, "space_kind": "rehearsal_room", "period": "month",
                  "limit_minutes": 600, "over_limit": "approval", **fields}
        db.session.add(QuotaRule(**values))
        db.session.commit()

    def counts():
        assert client.get("/dashboard").status_code == 200  # settings fresh in this process
        found = []
        for path in _pages(space.id)[2:]:
            with count_queries() as counter:
                body = client.get(path).get_data(as_text=True)
            found.append(counter.count)
        return found, body

    rule()
    one, _ = counts()
    studio = make_space(name="Studio libre")  # free of the filled bookings
    make_booking(studio, member, DAY + timedelta(hours=9), DAY + timedelta(hours=11))
    rule(period="week", limit_minutes=240)
    rule(space_kind=None, space_id=studio.id, limit_minutes=300)
    rule(space_kind="decor_workshop", limit_minutes=120)
    four, home = counts()
    assert one == four, (one, four)
    assert home.count('class="meter') == 8  # four rules, this period and the next
    # Each rule counts what it covers: the rehearsal booking in its month, week and space
    # rules, not in the workshop's.
    assert "2 h utilisées sur 10 h" in home and "2 h utilisées sur 4 h" in home
    assert "2 h utilisées sur 5 h" in home and "2 h utilisées sur 2 h" not in home


def test_a_revocation_elsewhere_takes_effect_within_seconds(app, api, member, token_for,
                                                           monkeypatch):
    from booking.api.auth import TOKEN_CACHE_SECONDS

    monkeypatch.setitem(app.config, "API_TOKEN_CACHE_SECONDS", TOKEN_CACHE_SECONDS)
    headers = token_for(member)
    assert api("GET", "/me", headers).status_code == 200
    # Another worker revokes it: this process's grant is still fresh for a few seconds ...
    db.session.execute(update(ApiToken).values(revoked_at=NOW))
    db.session.commit()
    assert api("GET", "/me", headers).status_code == 200
    # ... and no longer once those seconds have passed.
    later = api_tokens.monotonic() + TOKEN_CACHE_SECONDS + 1
    monkeypatch.setattr(api_tokens, "monotonic", lambda: later)
    assert api("GET", "/me", headers).status_code == 401


def test_a_revocation_in_this_worker_and_a_deactivation_take_effect_at_once(
        api, member, token_for):
    headers, other = token_for(member), token_for(member, "second")
    assert api("GET", "/me", headers).status_code == 200
    assert api("GET", "/me", other).status_code == 200
    token = db.session.execute(
        db.select(ApiToken).where(ApiToken.name == "script")).scalar_one()
    api_tokens.revoke_token(db.session, member, token.id, NOW)
    db.session.commit()
    assert api("GET", "/me", headers).status_code == 401
    member.active = False
    db.session.commit()
    assert api("GET", "/me", other).status_code == 401


def test_a_member_changed_in_this_worker_is_seen_at_once_with_the_token_cached(
        api, comanager, token_for):
    """The grant cache keeps a copy of the member: a change made here (demoted, renamed)
    must not wait for it to expire."""
    headers = token_for(comanager)
    assert api("GET", "/ledger/balances", headers).status_code == 200
    comanager.role = "member"
    comanager.name = "Renamed"
    db.session.commit()
    assert api("GET", "/ledger/balances", headers).status_code == 403
    assert api("GET", "/me", headers).json["name"] == "Renamed"


def test_a_deactivation_elsewhere_takes_effect_within_seconds(app, api, member, token_for,
                                                              monkeypatch):
    from booking.api.auth import TOKEN_CACHE_SECONDS

    monkeypatch.setitem(app.config, "API_TOKEN_CACHE_SECONDS", TOKEN_CACHE_SECONDS)
    headers = token_for(member)
    assert api("GET", "/me", headers).status_code == 200
    # Another worker deactivates the member (this process's session never sees the change):
    db.session.execute(update(Member).where(Member.id == member.id).values(active=False))
    db.session.commit()
    assert api("GET", "/me", headers).status_code == 200
    later = api_tokens.monotonic() + TOKEN_CACHE_SECONDS + 1
    monkeypatch.setattr(api_tokens, "monotonic", lambda: later)
    assert api("GET", "/me", headers).status_code == 401


def test_the_member_of_a_cached_token_can_change_their_own_row(client, api, member,
                                                               token_for):
    """The cached copy joins each call's session as if loaded: writing to it is saved."""
    headers = token_for(member)
    assert api("GET", "/me", headers).json["has_feed"] is False
    answer = api("POST", "/me/feed", headers)
    assert answer.status_code == 201
    assert api("GET", "/me", headers).json["has_feed"] is True
    feed = answer.json["feed_url"].removeprefix("http://localhost")
    assert client.get(feed).status_code == 200
    assert api("DELETE", "/me/feed", headers).status_code == 204
    assert api("GET", "/me", headers).json["has_feed"] is False
    assert client.get(feed).status_code == 404


def _timezone_of_a_booking(api, headers) -> str:
    """The UTC offset the API writes, which follows the cooperative's timezone setting."""
    day = f"start={DAY.isoformat()}&end={(DAY + timedelta(days=1)).isoformat()}"
    found = api("GET", "/bookings?" + day.replace("+", "%2B"), headers).json
    return found[0]["start"][-6:]


def test_settings_saved_here_apply_at_once_and_from_elsewhere_within_seconds(
        app, api, member, token_for, make_space, make_booking, monkeypatch):
    from booking import i18n

    monkeypatch.setitem(app.config, "SETTINGS_CACHE_SECONDS", i18n.SETTINGS_CACHE_SECONDS)
    from booking.models import Settings

    make_booking(make_space(), member, DAY + timedelta(hours=10), DAY + timedelta(hours=11))
    db.session.add(Settings(id=1, name="Coop", timezone="Europe/Brussels", currency="EUR",
                            contact_email="", contact_address="",
                            contribution_rate_cents=1500))
    db.session.commit()
    headers = token_for(member)
    assert _timezone_of_a_booking(api, headers) == "+01:00"
    # Saved through the app in this process: the next request sees it.
    db.session.get(Settings, 1).timezone = "Europe/London"
    db.session.commit()
    assert _timezone_of_a_booking(api, headers) == "+00:00"
    # Saved by another worker (a plain UPDATE, no ORM event here): a few seconds late ...
    db.session.execute(update(Settings).values(timezone="America/New_York"))
    db.session.commit()
    assert _timezone_of_a_booking(api, headers) == "+00:00"
    # ... and no later than SETTINGS_CACHE_SECONDS.
    later = i18n.monotonic() + i18n.SETTINGS_CACHE_SECONDS + 1
    monkeypatch.setattr(i18n, "monotonic", lambda: later)
    assert _timezone_of_a_booking(api, headers) == "-05:00"


def test_rate_limit_counts_without_a_thread_per_request(app, api, member, token_for,
                                                       monkeypatch):
    """limits' memory:// starts a timer thread on nearly every request (3-4 ms each); the
    process-memory:// storage counts the same without one."""
    import threading

    app.config["API_RATE_LIMIT"] = "5 per minute"
    headers = token_for(member)
    assert api("GET", "/me", headers).status_code == 200  # the storage exists from here on
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread))
    statuses = [api("GET", "/me", headers).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert started == []


def test_process_memory_counts_expire_with_their_window(monkeypatch):
    from booking import ratelimit

    # One clock for both wall and monotonic time, set before the storage exists: the sweep's
    # first mark must come from the same clock as the later readings, whatever the uptime.
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    storage = ratelimit.ProcessMemoryStorage()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    now[0] += 61
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1
    storage.incr("idle", 60)
    now[0] += 30
    storage.incr("k", 60)  # no sweep yet: the last one was 30 s ago
    assert "idle" in storage.storage
    now[0] += 31
    storage.incr("k", 60)  # the minute's sweep forgets the idle key
    assert "idle" not in storage.storage and "idle" not in storage.expirations


def test_a_listing_shows_each_booking_as_its_own_answer_does(api, member, comanager,
                                                            make_member, token_for, make_space,
                                                            make_booking):
    """The listing serialises plain rows with the viewer's rights decided once: the same
    fields, titles and notes as booking_json, for the booking's member, another member and a
    co-manager, where the space shows titles and where it does not."""
    from zoneinfo import ZoneInfo

    from booking.api.json import booking_json

    private, shown = make_space(show_titles=False), make_space(show_titles=True)
    other = make_member()
    hour = lambda h: DAY + timedelta(hours=h)  # noqa: E731
    bookings = [make_booking(private, member, hour(10), hour(11), note="clé chez Jan"),
                make_booking(private, other, hour(11), hour(12), note="à lui"),
                make_booking(shown, other, hour(12), hour(13), title="Concert", note="n")]
    day = f"start={DAY.isoformat()}&end={(DAY + timedelta(days=1)).isoformat()}"
    for viewer in (member, other, comanager):
        listed = api("GET", "/bookings?" + day.replace("+", "%2B"), token_for(viewer)).json
        assert listed == [booking_json(b, viewer, ZoneInfo("Europe/Brussels"))
                          for b in bookings], viewer.name
    assert [b["title"] for b in listed] == ["Répétition", "Répétition", "Concert"]
    seen_by_member = api("GET", "/bookings?" + day.replace("+", "%2B"), token_for(member)).json
    assert [(b["title"], b["note"]) for b in seen_by_member] == [
        ("Répétition", "clé chez Jan"), (None, None), ("Concert", None)]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="autocommit reads are a PostgreSQL "
                    "matter (SQLite opens no transaction for a SELECT)")
def test_hot_reads_run_outside_a_transaction_on_postgresql(api, member, comanager, token_for,
                                                           make_space, make_booking):
    """No BEGIN and ROLLBACK round trips for the listing, the balances and /me; a create
    still runs in one transaction. The token's last use is still written."""
    make_booking(make_space(), member, DAY + timedelta(hours=10), DAY + timedelta(hours=11))
    db.session.commit()
    seen = []

    def note(conn, _cursor, statement, *_args):
        seen.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    headers, managers = token_for(member), token_for(comanager)
    day = f"start={DAY.isoformat()}&end={(DAY + timedelta(days=1)).isoformat()}"
    sqlalchemy_event.listen(db.engine, "before_cursor_execute", note)
    try:
        for path, who in ((f"/bookings?{day}".replace("+", "%2B"), headers),
                          ("/ledger/balances", managers), ("/me", headers)):
            seen.clear()
            assert api("GET", path, who).status_code == 200
            assert seen and all(autocommit for _, autocommit in seen), (path, seen)
        seen.clear()
        created = api("POST", "/bookings", headers, json={
            "space_id": make_space().id, "title": "Essai",
            "start": (DAY + timedelta(hours=14)).isoformat(),
            "end": (DAY + timedelta(hours=15)).isoformat()})
        assert created.status_code == 201
        assert seen and not any(autocommit for _, autocommit in seen), seen
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", note)
    db.session.expire_all()
    assert all(t.last_used_at is not None for t in db.session.execute(
        db.select(ApiToken)).scalars())
