"""The requests members make most run a fixed number of SQL statements whatever the data size,
and a token's revocation reaches every worker within seconds although workers keep checked
tokens a few seconds (issue 19; figures in docs/performance.md)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from booking.domain import api_tokens
from booking.extensions import db
from booking.models import ApiToken
from tests.conftest import local

NOW = local(2026, 11, 30, 9)  # a Monday
DAY = local(2026, 12, 2, 0)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW, "API_RATE_LIMIT": "10000 per minute"}


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
    # member, space, settings, the charter in force, closures and bookings in the way (one
    # union), the free-time search's two columns, the refusal, the member after the rollback
    assert big["refused create"] <= 8 + lock
    # member, space, settings, the charter in force, closures and bookings in the way, quota
    # rules, the insert, its notification (the outbox row)
    assert big["create"] <= 8 + lock
    # member, the bookings, the equipment reserved with them (one query for all)
    assert big["one-day listing"] <= 4


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
        for path in _pages(space_id):
            with count_queries() as counter:
                assert client.get(path).status_code == 200, path
            found.append(counter.count)
        return found

    small = counts(fill(1, 2)[0].id)
    big = counts(fill(4, 30)[-1].id)
    assert small == big
    assert max(big) <= 10


def test_a_revocation_elsewhere_takes_effect_within_seconds(api, member, token_for,
                                                           monkeypatch):
    headers = token_for(member)
    assert api("GET", "/me", headers).status_code == 200
    # Another worker revokes it: this process's grant is still fresh for a few seconds ...
    db.session.execute(update(ApiToken).values(revoked_at=NOW))
    db.session.commit()
    assert api("GET", "/me", headers).status_code == 200
    # ... and no longer once those seconds have passed.
    later = api_tokens.monotonic() + 6
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
