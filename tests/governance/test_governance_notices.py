"""Members are told about decisions: a charter to accept, a proposal opened, closing, closed."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from booking import jobs
from booking.extensions import db
from booking.models import Notification

from .conftest import NOW, proposal_body


def _kinds_of(member) -> list[str]:
    return list(db.session.execute(select(Notification.kind).where(
        Notification.member_id == member.id).order_by(Notification.id)).scalars())


def test_a_charter_to_accept_is_notified_to_everyone_but_a_minor_version_is_not(
        publish, make_member):
    member = make_member()
    publish(summary="Règles de la salle")
    assert _kinds_of(member) == ["charter_version"]
    publish(requires=False, body="# Charte\n\nUne virgule.")
    assert _kinds_of(member) == ["charter_version"]


def test_a_proposal_is_notified_when_opened_closing_and_closed(app, api, make_member,
                                                               token_for):
    member, boss = make_member(), make_member("comanager")
    created = api("POST", "/proposals", token_for(boss), json=proposal_body(
        closes_at=(NOW + timedelta(hours=20)).isoformat()))
    assert created.status_code == 201, created.json
    assert _kinds_of(member) == ["proposal_opened"]
    jobs.run_tick(app, now=NOW + timedelta(hours=1))
    jobs.run_tick(app, now=NOW + timedelta(hours=2))
    assert _kinds_of(member) == ["proposal_opened", "proposal_closing"]
    jobs.run_tick(app, now=NOW + timedelta(hours=21))
    assert _kinds_of(member) == ["proposal_opened", "proposal_closing", "proposal_closed"]
    proposal = api("GET", f"/proposals/{created.json['id']}", token_for(member)).json
    assert proposal["status"] == "closed"


def test_opening_a_proposal_tells_forty_members_in_as_many_statements_as_it_tells_two(
        api, make_member, token_for, count_queries):
    boss = make_member("comanager")
    make_member()
    headers = token_for(boss)
    assert api("POST", "/proposals", headers, json=proposal_body()).status_code == 201
    with count_queries() as few:
        assert api("POST", "/proposals", headers, json=proposal_body()).status_code == 201
    members = [make_member() for _ in range(40)]
    with count_queries() as many:
        created = api("POST", "/proposals", headers, json=proposal_body())
    assert created.status_code == 201
    assert many.count == few.count
    told = db.session.execute(select(Notification.member_id).where(
        Notification.kind == "proposal_opened",
        Notification.link == f"/proposals/{created.json['id']}")).scalars().all()
    assert set(told) >= {m.id for m in members}
