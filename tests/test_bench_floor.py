"""bench/floor.py answers the calls bench/http.py measures as the app answers them (same
statuses, same fields), with a connection per request or one per thread. A floor that drifted
from the API (issue 16 added booking fields once) would make the bench's ratios meaningless
(issue 19)."""
from __future__ import annotations

import importlib.util
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from booking.domain.feed_tokens import regenerate_feed_token
from booking.extensions import db
from booking.models import LedgerEntry
from tests.conftest import local

FLOOR = Path(__file__).resolve().parent.parent / "bench" / "floor.py"
# The floor reads the real clock, so the app does too here: a day a fortnight ahead of today.
_AHEAD = date.today() + timedelta(days=14)
DAY = local(_AHEAD.year, _AHEAD.month, _AHEAD.day, 0)


@pytest.fixture(params=["request", "thread"])
def floor(request, monkeypatch, database_url):
    """The floor's test client on the test's database, loaded afresh (it reads its settings
    when imported)."""
    monkeypatch.setenv("FLOOR_DATABASE_URL", database_url)
    monkeypatch.setenv("FLOOR_CONNECTIONS", request.param)
    spec = importlib.util.spec_from_file_location(f"bench_floor_{request.param}", FLOOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module.app.test_client()
    pooled = getattr(module._local, "db", None)
    if pooled is not None:
        pooled.close()


def _fields(response) -> set[str]:
    answer = json.loads(response.data)
    return set(answer[0] if isinstance(answer, list) else answer)


def test_the_floor_answers_what_the_app_answers(floor, client, member, comanager,
                                                token_for, make_space, make_booking):
    space = make_space()
    make_booking(space, comanager, DAY + timedelta(hours=12), DAY + timedelta(hours=13))
    member_token, manager_token = token_for(member), token_for(comanager)
    feed = regenerate_feed_token(member)
    db.session.add_all(LedgerEntry(member_id=someone.id, amount_cents=-1250, kind="fee",
                                   entry_date=DAY.date(), description="Fee", basis="")
                       for someone in (member, comanager))
    db.session.commit()

    def slot(hour: int) -> dict:
        return {"space_id": space.id, "title": "Essai",
                "start": (DAY + timedelta(hours=hour)).isoformat(),
                "end": (DAY + timedelta(hours=hour + 1)).isoformat()}

    day = f"start={DAY.isoformat()}&end={(DAY + timedelta(days=1)).isoformat()}"
    calls = [("POST", "/api/v1/bookings", member_token, slot(14), slot(16), 201),
             ("POST", "/api/v1/bookings", member_token, slot(12), slot(12), 409),
             ("GET", "/api/v1/bookings?" + day.replace("+", "%2B"), member_token, None, None,
              200),
             ("GET", "/api/v1/ledger/balances", manager_token, None, None, 200)]
    for method, path, headers, app_body, floor_body, status in calls:
        app_answer = client.open(path, method=method, headers=headers, json=app_body)
        floor_answer = floor.open(path, method=method, headers=headers, json=floor_body)
        assert (app_answer.status_code, floor_answer.status_code) == (status, status), path
        assert _fields(floor_answer) == _fields(app_answer), path
        assert len(json.loads(floor_answer.data)) == len(json.loads(app_answer.data)), path

    app_feed = client.get(f"/feeds/{feed}/member.ics")
    floor_feed = floor.get(f"/feeds/{feed}/member.ics")
    assert app_feed.status_code == floor_feed.status_code == 200
    assert floor_feed.data.count(b"BEGIN:VEVENT") == app_feed.data.count(b"BEGIN:VEVENT") == 2
