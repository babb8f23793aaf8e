"""The charter: versions, acceptance asked again by a new version but not by a minor one,
deposits, and the gate on booking in the form and the API."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from booking.domain import governance, ledger
from booking.extensions import db
from booking.models import CharterAcceptance, Plan
from tests.conftest import form_time, local

from .conftest import NOW

SLOT = {"start": "2026-12-01T18:00:00+01:00", "end": "2026-12-01T20:00:00+01:00"}


def _accept(member, version):
    governance.accept_charter(db.session, member=member, number=version.number, now=NOW)
    db.session.commit()


def test_versions_are_numbered_and_a_new_version_asks_everyone_again(publish, member):
    first = publish()
    assert first.number == 1 and first.requires_acceptance
    assert not governance.has_accepted(db.session, member)
    _accept(member, first)
    assert governance.has_accepted(db.session, member)
    second = publish(body="# Charte\n\nOn range la salle et on ferme à clé.", summary="Clés")
    assert second.number == 2
    assert not governance.has_accepted(db.session, member)
    _accept(member, second)
    kept = db.session.execute(select(CharterAcceptance.charter_version_id)
                              .where(CharterAcceptance.member_id == member.id)).scalars().all()
    assert sorted(kept) == [first.id, second.id]  # each acceptance is kept


def test_a_minor_version_needs_no_new_acceptance(publish, member, make_member):
    first = publish()
    _accept(member, first)
    publish(body="# Charte\n\nOn range la salle (coquille).", requires=False)
    assert governance.has_accepted(db.session, member)
    newcomer = make_member()
    assert not governance.has_accepted(db.session, newcomer)


def test_the_first_version_always_needs_acceptance(publish, member):
    publish(requires=False)
    assert not governance.has_accepted(db.session, member)


def test_an_old_version_cannot_be_accepted(publish, member):
    first = publish()
    publish(body="v2")
    try:
        governance.accept_charter(db.session, member=member, number=first.number, now=NOW)
    except governance.GovernanceError:
        db.session.rollback()
    else:
        raise AssertionError("an old version was accepted")


def test_the_diff_shows_what_changed(publish):
    publish(body="Ligne une\nLigne deux")
    second = publish(body="Ligne une\nLigne trois")
    kinds = {(line.kind, line.text) for line in governance.version_diff(db.session, second)}
    assert ("removed", "Ligne deux") in kinds and ("added", "Ligne trois") in kinds


def test_no_charter_means_nothing_is_asked_before_booking(client, login, member, make_space,
                                                          api, token_for):
    space = make_space()
    response = api("POST", "/bookings", token_for(member),
                   json={"space_id": space.id, "title": "Répét", **SLOT})
    assert response.status_code == 201


def test_the_api_refuses_a_booking_until_the_charter_is_accepted(publish, member, make_space,
                                                                 api, token_for):
    version = publish()
    space = make_space()
    headers = token_for(member)
    response = api("POST", "/bookings", headers,
                   json={"space_id": space.id, "title": "Répét", **SLOT})
    assert response.status_code == 422
    assert response.json["type"].endswith("charter-not-accepted")
    assert response.json["charter_url"].endswith("/charter")
    series = api("POST", "/bookings", headers, json={
        "space_id": space.id, "title": "Répét", **SLOT,
        "recurrence": {"freq": "weekly", "count": 3}})
    assert series.json["type"].endswith("charter-not-accepted")
    charter = api("GET", "/charter", headers).json
    assert charter["accepted"] is False and charter["version"] == version.number
    assert api("POST", "/charter/accept", headers,
               json={"version": version.number}).json["accepted"] is True
    assert api("POST", "/bookings", headers,
               json={"space_id": space.id, "title": "Répét", **SLOT}).status_code == 201


def test_the_booking_form_refuses_with_a_link_to_the_charter(publish, client, login, member,
                                                             make_space):
    publish()
    space = make_space()
    login(member)
    client.post("/language", data={"lang": "en", "next": "/"})
    form = {"space_id": space.id, "start": form_time(local(2026, 12, 1, 18)),
            "end": form_time(local(2026, 12, 1, 20)), "title": "Répét", "note": "",
            "repeat": "none"}
    page = client.get("/bookings/new").get_data(as_text=True)
    assert 'href="/charter"' in page
    response = client.post("/bookings/new", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "accept the cooperative" in html and 'href="/charter"' in html
    page = client.get("/charter").get_data(as_text=True)
    assert "On range la salle" in page
    client.post("/charter/accept", data={"version": "1"})
    assert client.post("/bookings/new", data=form).status_code == 302
    assert 'href="/charter"' not in client.get("/bookings/new").get_data(as_text=True)


def test_a_deposit_can_be_a_condition_of_booking(publish, make_member, make_space, api,
                                                 token_for, comanager):
    plan = Plan(name="Compagnie", shares=2)
    db.session.add(plan)
    db.session.commit()
    member = make_member(plan_id=plan.id)
    version = publish(deposits={plan.id: 5000}, deposit_required_to_book=True)
    _accept(member, version)
    headers, space = token_for(member), make_space()
    assert api("GET", "/charter", headers).json["deposit_cents"] == 5000
    refused = api("POST", "/bookings", headers,
                  json={"space_id": space.id, "title": "Répét", **SLOT})
    assert refused.status_code == 422 and refused.json["type"].endswith("deposit-not-paid")
    ledger.record_deposit(db.session, member_id=member.id, amount_cents=5000,
                          received_on=date(2026, 11, 30), description="Caution", actor=comanager)
    db.session.commit()
    assert api("POST", "/bookings", headers,
               json={"space_id": space.id, "title": "Répét", **SLOT}).status_code == 201
    row = next(r for r in governance.acceptance_overview(db.session) if r.member.id == member.id)
    assert (row.deposit_asked_cents, row.deposit_held_cents, row.up_to_date) == (5000, 5000, True)


def test_a_member_cannot_publish_a_charter_nor_see_acceptances(client, login, member, api,
                                                               token_for):
    login(member)
    assert client.get("/charter/new").status_code == 403
    assert client.post("/charter/new", data={"body_markdown": "x"}).status_code == 403
    assert client.get("/charter/acceptances").status_code == 403
    headers = token_for(member)
    assert api("POST", "/charter", headers, json={
        "body_markdown": "x", "summary": "", "requires_acceptance": True}).status_code == 403
    assert api("GET", "/charter/acceptances", headers).status_code == 403


def test_a_comanager_publishes_through_the_form_and_sees_who_accepted(client, login, comanager,
                                                                      member):
    login(comanager)
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "No charter has been published" in client.get("/charter").get_data(as_text=True)
    response = client.post("/charter/new", data={
        "body_markdown": "# Charte\n\n<script>alert(1)</script>[lien](javascript:x)",
        "summary": "Première", "requires_acceptance": "y"})
    assert response.status_code == 302
    page = client.get("/charter").get_data(as_text=True)
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    overview = client.get("/charter/acceptances").get_data(as_text=True)
    assert member.name in overview and "to accept" in overview


def test_the_api_publishes_and_reads_the_charter(api, token_for, comanager, member):
    headers = token_for(comanager)
    assert api("GET", "/charter", headers).status_code == 404
    created = api("POST", "/charter", headers, json={
        "body_markdown": "Voir [le site](https://example.org).", "summary": "Première",
        "requires_acceptance": True})
    assert created.status_code == 201
    assert 'rel="nofollow noopener"' in created.json["body_html"]
    assert api("GET", "/charter", token_for(member)).json["accepted"] is False


def test_the_charter_pages_are_translated(client, login, member, publish):
    publish()
    login(member)
    for lang, word in (("fr", "Charte"), ("nl", "Handvest"), ("en", "Charter")):
        client.post("/language", data={"lang": lang, "next": "/"})
        assert word in client.get("/charter").get_data(as_text=True)
