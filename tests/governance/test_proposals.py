"""Proposals and votes through the API and the pages: every decision rule, one vote per voter,
changing it, nothing after closing (also in parallel), anonymity, who may vote, the planned
expense, and bounded queries."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from booking.domain import governance
from booking.extensions import db
from booking.models import Ballot, Expense, Organisation, Proposal, ProposalParticipation

from .conftest import NOW, proposal_body


@pytest.fixture
def voters(make_member, token_for):
    """Three members and a co-manager, each with API headers."""
    people = [make_member(name=f"Votant {i}") for i in range(3)]
    boss = make_member("comanager")
    return [token_for(p) for p in people], token_for(boss), people, boss


def _open(api, headers, **extra):
    response = api("POST", "/proposals", headers, json=proposal_body(**extra))
    assert response.status_code == 201, response.json
    return response.json


def _vote(api, headers, proposal_id, **body):
    return api("POST", f"/proposals/{proposal_id}/votes", headers, json=body)


def _close(api, boss, proposal_id):
    response = api("POST", f"/proposals/{proposal_id}/close", boss)
    assert response.status_code == 200, response.json
    return response.json


def test_a_majority_vote_is_adopted_with_its_counts(api, voters):
    members, boss, _people, _ = voters
    proposal = _open(api, members[0])
    assert proposal["status"] == "open" and proposal["outcome"] is None
    assert proposal["counts"] is None  # hidden until closing
    for headers, choice in zip(members, ("yes", "yes", "no"), strict=True):
        assert _vote(api, headers, proposal["id"], choice=choice).status_code == 200
    closed = _close(api, boss, proposal["id"])
    assert closed["outcome"] == "adopted"
    assert closed["counts"]["choices"] == {"yes": 2, "no": 1, "abstain": 0}
    assert closed["counts"]["eligible"] == 4 and closed["counts"]["voted"] == 3


def test_quorum_not_reached(api, voters):
    members, boss, *_ = voters
    proposal = _open(api, members[0], quorum_percent=75)
    _vote(api, members[0], proposal["id"], choice="yes")
    assert _close(api, boss, proposal["id"])["outcome"] == "no_quorum"


def test_a_tie_is_rejected_and_two_thirds_needs_more(api, voters):
    members, boss, *_ = voters
    tie = _open(api, members[0])
    _vote(api, members[0], tie["id"], choice="yes")
    _vote(api, members[1], tie["id"], choice="no")
    assert _close(api, boss, tie["id"])["outcome"] == "rejected"
    strict = _open(api, members[0], threshold="two_thirds")
    _vote(api, members[0], strict["id"], choice="yes")
    _vote(api, members[1], strict["id"], choice="yes")
    _vote(api, members[2], strict["id"], choice="no")
    assert _close(api, boss, strict["id"])["outcome"] == "adopted"


def test_a_block_needs_a_reason_and_rejects_a_consent(api, voters):
    members, boss, *_ = voters
    proposal = _open(api, members[0], kind="consent", threshold="no_block")
    refused = _vote(api, members[0], proposal["id"], choice="block")
    assert refused.status_code == 422
    _vote(api, members[1], proposal["id"], choice="agree")
    assert _vote(api, members[0], proposal["id"], choice="block",
                 reason="Le plancher ne le supporte pas").status_code == 200
    assert _close(api, boss, proposal["id"])["outcome"] == "rejected"


def test_choice_score_and_time_polls(api, voters):
    members, boss, *_ = voters
    choice = _open(api, members[0], kind="choice", options=["Piano", "Batterie", "Ampli"])
    for headers, index in zip(members, (1, 1, 0), strict=True):
        assert _vote(api, headers, choice["id"], choice=index).status_code == 200
    closed = _close(api, boss, choice["id"])
    assert closed["outcome"] == "adopted" and closed["counts"]["winner"] == 1
    assert _vote(api, members[0], _open(api, members[0], kind="choice", options=["a", "b"])["id"],
                 choice=[0, 1]).status_code == 422  # one option only
    score = _open(api, members[0], kind="score", options=["Lundi", "Mardi"])
    _vote(api, members[0], score["id"], scores=[5, 1])
    _vote(api, members[1], score["id"], scores=[0, 3])
    assert _vote(api, members[2], score["id"], scores=[9, 1]).status_code == 422
    assert _close(api, boss, score["id"])["counts"]["options"] == [5, 4]
    poll = _open(api, members[0], kind="time",
                 options=["2026-12-07 19:00", "2026-12-08 19:00"])
    _vote(api, members[0], poll["id"], choice=[0, 1])
    _vote(api, members[1], poll["id"], choice=[1])
    assert _close(api, boss, poll["id"])["counts"]["winner"] == 1


def test_one_vote_per_member_and_a_changed_vote_replaces_it(api, voters):
    members, boss, *_ = voters
    proposal = _open(api, members[0])
    _vote(api, members[0], proposal["id"], choice="yes")
    changed = _vote(api, members[0], proposal["id"], choice="no")
    assert changed.json["my_vote"]["choice"] == "no"
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar_one() == 1
    assert _close(api, boss, proposal["id"])["counts"]["choices"]["no"] == 1


def test_a_vote_cannot_be_changed_when_the_proposal_says_so(api, voters):
    members, *_ = voters
    proposal = _open(api, members[0], votes_changeable=False)
    _vote(api, members[0], proposal["id"], choice="yes")
    again = _vote(api, members[0], proposal["id"], choice="no")
    assert again.status_code == 409 and again.json["type"].endswith("already-voted")


def test_no_vote_after_closing_even_directly_in_the_database(api, voters):
    members, boss, *_ = voters
    proposal = _open(api, members[0])
    _close(api, boss, proposal["id"])
    late = _vote(api, members[1], proposal["id"], choice="yes")
    assert late.status_code == 409 and late.json["type"].endswith("proposal-closed")
    with pytest.raises(Exception, match="closed"):
        db.session.execute(text(
            "INSERT INTO proposal_participations (proposal_id, voter_key, member_id) "
            "VALUES (:p, 'm:999', :m)"), {"p": proposal["id"], "m": 1})
        db.session.flush()
    db.session.rollback()


def test_a_proposal_closes_on_read_at_its_closing_time(app, api, voters):
    members, *_ = voters
    proposal = _open(api, members[0])
    _vote(api, members[0], proposal["id"], choice="yes")
    app.config["FROZEN_NOW"] = NOW + timedelta(days=8)
    read = api("GET", f"/proposals/{proposal['id']}", members[1]).json
    assert read["status"] == "closed" and read["outcome"] == "adopted"
    assert _vote(api, members[1], proposal["id"], choice="no").status_code == 409
    app.config["FROZEN_NOW"] = NOW


def test_the_scheduled_job_closes_due_proposals(app, api, voters):
    members, *_ = voters
    proposal = _open(api, members[0])
    closed = governance.close_due_proposals(db.session, NOW + timedelta(days=8))
    db.session.commit()
    assert [p.id for p in closed] == [proposal["id"]]
    assert db.session.get(Proposal, proposal["id"]).outcome == "rejected"  # nobody voted yes


def test_anonymous_votes_cannot_be_linked_to_voters(api, voters):
    members, boss, people, _ = voters
    proposal = _open(api, members[0], anonymous=True)
    voted = _vote(api, members[0], proposal["id"], choice="yes")
    assert voted.json["my_vote"] == {"voted": True, "choice": None, "options": None,
                                     "scores": None, "reason": None}
    _vote(api, members[1], proposal["id"], choice="no")
    ballots = db.session.execute(select(Ballot)).scalars().all()
    assert all(b.member_id is None and b.voter_key is None and b.cast_at is None
               for b in ballots)
    assert all(len(b.id) == 36 for b in ballots)
    participations = db.session.execute(select(ProposalParticipation)).scalars().all()
    assert {p.member_id for p in participations} == {people[0].id, people[1].id}
    assert _vote(api, members[0], proposal["id"], choice="no").status_code == 409
    assert _close(api, boss, proposal["id"])["counts"]["choices"]["yes"] == 1


def test_who_may_vote(api, voters, make_member, token_for):
    members, boss, *_ = voters
    proposal = _open(api, boss, voters="comanagers")
    refused = _vote(api, members[0], proposal["id"], choice="yes")
    assert refused.status_code == 403
    assert _vote(api, boss, proposal["id"], choice="yes").status_code == 200
    band = Organisation(name="La Fanfare")
    db.session.add(band)
    db.session.commit()
    first, second = make_member(organisation_id=band.id), make_member(organisation_id=band.id)
    shared = _open(api, boss, voters="organisations")
    _vote(api, token_for(first), shared["id"], choice="yes")
    replaced = _vote(api, token_for(second), shared["id"], choice="no")  # the band's one vote
    assert replaced.status_code == 200
    closed = _close(api, boss, shared["id"])
    assert closed["counts"]["voted"] == 1 and closed["counts"]["choices"]["no"] == 1
    assert closed["counts"]["eligible"] == 5  # four alone + one organisation


def test_a_member_cannot_close_or_plan_a_proposal(api, voters, client, login):
    members, boss, people, _ = voters
    proposal = _open(api, members[0])
    assert api("POST", f"/proposals/{proposal['id']}/close", members[0]).status_code == 403
    assert api("POST", f"/proposals/{proposal['id']}/plan", members[0],
               json={}).status_code == 403
    login(people[0])
    assert client.post(f"/proposals/{proposal['id']}/close").status_code == 403
    assert client.post(f"/proposals/{proposal['id']}/plan").status_code == 403
    assert client.get("/proposals/settings").status_code == 403


def test_only_comanagers_propose_when_the_setting_says_so(api, voters):
    members, boss, people, chief = voters
    governance.update_settings(db.session, actor=chief, proposers="comanagers",
                               voters="members", quorum_percent=0, threshold="simple",
                               anonymous=False, results_before_close=False,
                               votes_changeable=True)
    db.session.commit()
    assert api("POST", "/proposals", members[0], json=proposal_body()).status_code == 403
    assert api("POST", "/proposals", boss, json=proposal_body()).status_code == 201


def test_an_adopted_cost_becomes_a_planned_expense_linked_both_ways(api, voters):
    members, boss, *_ = voters
    proposal = _open(api, members[0])
    _vote(api, members[0], proposal["id"], choice="yes")
    _close(api, boss, proposal["id"])
    planned = api("POST", f"/proposals/{proposal['id']}/plan", boss,
                  json={"first_month": "2027-01", "spread_months": 12})
    assert planned.status_code == 201
    assert planned.json["amount_cents"] == 300000 and planned.json["spread_months"] == 12
    assert planned.json["period_start"] == "2027-01-01"
    assert planned.json["period_end"] == "2027-12-31"
    expense = db.session.get(Expense, planned.json["id"])
    assert not expense.allocations  # allocated later, by the usual keys
    assert governance.proposal_for_expense(db.session, expense.id).id == proposal["id"]
    assert api("GET", f"/proposals/{proposal['id']}", boss).json["expense_id"] == expense.id
    again = api("POST", f"/proposals/{proposal['id']}/plan", boss, json={})
    assert again.status_code == 409 and again.json["type"].endswith("already-planned")


def test_parallel_votes_and_closing_never_count_a_late_vote(app, make_member, comanager):
    """Twenty members vote while a co-manager closes: each vote is counted or refused."""
    chief = comanager
    proposal = governance.create_proposal(
        db.session, author=chief, now=NOW, draft=governance.ProposalDraft(
            title="Date", body_markdown="", kind="majority", horizon="short",
            closes_at=NOW + timedelta(days=1), options=[], quorum_percent=0))
    db.session.commit()
    proposal_id = proposal.id
    clients = []
    for _ in range(20):
        client = app.test_client()
        member = make_member()
        client.post("/login", data={"email": member.email, "password": "correct horse battery"})
        clients.append(client)
    boss_client = app.test_client()
    boss_client.post("/login", data={"email": chief.email, "password": "correct horse battery"})
    barrier = threading.Barrier(len(clients) + 1)
    errors: list[str] = []

    def vote(client):
        barrier.wait()
        try:
            client.post(f"/proposals/{proposal_id}/vote", data={"choice": "yes"})
        except Exception as error:  # noqa: BLE001 - checked below
            errors.append(repr(error))

    def close():
        barrier.wait()
        boss_client.post(f"/proposals/{proposal_id}/close")

    threads = [threading.Thread(target=vote, args=(c,)) for c in clients]
    threads.append(threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    db.session.expire_all()
    closed = db.session.get(Proposal, proposal_id)
    assert closed.status == "closed"
    stored = db.session.execute(select(func.count()).select_from(Ballot)
                                .where(Ballot.proposal_id == proposal_id)).scalar_one()
    assert closed.counts["voted"] == stored == closed.counts["choices"]["yes"]


def test_list_and_detail_pages_use_a_bounded_number_of_queries(api, voters, client, login,
                                                               count_queries):
    members, boss, people, _ = voters
    for _ in range(2):
        _open(api, members[0], results_before_close=True)
    login(people[0])
    with count_queries() as few:
        assert client.get("/proposals").status_code == 200
    api("GET", "/proposals", members[1])  # the token's first use is written down once
    with count_queries() as few_api:
        api("GET", "/proposals", members[1])
    for kind in ("consent", "majority", "choice"):
        extra = {"options": ["a", "b"]} if kind == "choice" else {}
        for _ in range(3):
            created = _open(api, members[0], kind=kind, results_before_close=True, **extra)
            _vote(api, members[1], created["id"], choice=0 if kind == "choice" else "abstain")
    with count_queries() as many:
        assert client.get("/proposals").status_code == 200
    with count_queries() as many_api:
        assert len(api("GET", "/proposals", members[1]).json) == 11
    with count_queries() as roadmap:
        assert client.get("/roadmap").status_code == 200
    assert many.count == few.count
    assert many_api.count == few_api.count
    assert roadmap.count < 15


def test_pages_work_without_javascript_and_in_three_languages(api, voters, client, login):
    members, boss, people, _ = voters
    login(people[0])
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "No proposal here yet" in client.get("/proposals").get_data(as_text=True)
    response = client.post("/proposals/new", data={
        "title": "Repeindre le studio", "body_markdown": "Blanc", "kind": "consent",
        "horizon": "medium", "closes_at": "2026-12-10T18:00", "voters": "members",
        "quorum_percent": "0", "threshold": "no_block", "estimated_cost": "1 200,50",
        "votes_changeable": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    proposal = db.session.execute(select(Proposal)).scalar_one()
    assert proposal.estimated_cost_cents == 120050
    assert client.post(f"/proposals/{proposal.id}/vote", data={"choice": "block"}
                       ).status_code == 302
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar_one() == 0
    client.post(f"/proposals/{proposal.id}/vote", data={"choice": "agree"})
    client.post(f"/proposals/{proposal.id}/comments", data={"stance": "for", "body": "Oui !"})
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Oui !" in page and "You have voted" in page
    for lang, word in (("fr", "Feuille de route"), ("nl", "Routekaart"), ("en", "Roadmap")):
        client.post("/language", data={"lang": lang, "next": "/"})
        assert word in client.get("/roadmap").get_data(as_text=True)
        assert client.get(f"/proposals/{proposal.id}").status_code == 200
