"""JSON API v1: tokens, bookings with the same rules as the form, roles, problems."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from booking.domain import api_tokens
from booking.extensions import db
from booking.models import ApiToken, Booking, Closure, Organisation, Plan, QuotaRule, RefusedBooking
from tests.conftest import PASSWORD, local

NOW = local(2026, 11, 30, 9)  # a Monday


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}




def _assert_unauthorized(response):
    """A 401 problem that tells how to authenticate and shows nothing of the member."""
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["type"] == "urn:mutualise:problem:unauthorized"
    assert "email" not in response.json


def booking_body(space, start="2026-12-01T18:00:00+01:00", end="2026-12-01T20:00:00+01:00",
                 **extra):
    return {"space_id": space.id, "start": start, "end": end, "title": "Répétition", **extra}


# --- authentication ------------------------------------------------------------------------

def test_no_token_or_a_bad_one_gets_a_401_problem(api, member, token_for):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = api("GET", "/spaces", headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.json["type"].endswith("unauthorized")
        assert "Bearer" in response.json["detail"]


def test_a_cookie_session_is_not_enough_for_the_api(api, login, member):
    login(member)
    _assert_unauthorized(api("GET", "/me"))


def test_tokens_are_stored_hashed_and_note_their_last_use(api, member, token_for):
    headers = token_for(member)
    secret = headers["Authorization"].split()[1]
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert token.token_hash != secret and secret not in token.prefix + token.name
    assert api("GET", "/me", headers).json["email"] == member.email
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == NOW


def test_revoked_tokens_and_deactivated_members_are_refused(api, member, token_for):
    headers = token_for(member)
    token = db.session.execute(select(ApiToken)).scalar_one()
    api_tokens.revoke_token(db.session, member, token.id, NOW)
    db.session.commit()
    _assert_unauthorized(api("GET", "/me", headers))
    other = token_for(member, "second")
    assert api("GET", "/me", other).json["email"] == member.email
    member.active = False
    db.session.commit()
    _assert_unauthorized(api("GET", "/me", other))


def test_profile_page_creates_shows_once_and_revokes_tokens(client, login, member, api):
    login(member)
    page = client.post("/account/tokens", data={"name": "Site web"}).get_data(as_text=True)
    secret = page.split('<code class="token">')[1].split("<")[0]
    assert secret.startswith("mut_")
    assert api("GET", "/me", {"Authorization": f"Bearer {secret}"}).status_code == 200
    profile = client.get("/account/profile").get_data(as_text=True)
    assert "Site web" in profile and secret not in profile
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert api("GET", "/me", {"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_member_cannot_revoke_someone_elses_token(client, login, member, make_member,
                                                    token_for):
    other = make_member()
    token_for(other)
    token = db.session.execute(select(ApiToken)).scalar_one()
    login(member)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_create_token_command_prints_a_working_token(runner, api, member):
    result = runner.invoke(args=["create-token", member.email, "--name", "cron"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert api("GET", "/me", {"Authorization": f"Bearer {secret}"}).json["id"] == member.id
    assert runner.invoke(args=["create-token", "nobody@example.org"]).exit_code != 0


@pytest.mark.parametrize("app_config", [{"FROZEN_NOW": NOW, "API_RATE_LIMIT": "3 per minute"}])
def test_rate_limit_is_per_token_and_answers_429_as_a_problem(api, member, token_for):
    first, second = token_for(member, "a"), token_for(member, "b")
    statuses = [api("GET", "/me", first).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api("GET", "/me", first)
    assert limited.content_type == "application/problem+json"
    assert limited.json["type"].endswith("rate-limited")
    assert api("GET", "/me", second).status_code == 200


@pytest.mark.parametrize("app_config", [{"FROZEN_NOW": NOW, "API_RATE_LIMIT": "2 per minute"}])
def test_only_a_refused_call_says_when_to_retry(api, client, member, token_for):
    """Retry-After tells a client to wait: on an answered call or a redirect, some clients
    would hold back for nothing."""
    headers = token_for(member)
    answered = api("GET", "/me", headers)
    assert answered.status_code == 200
    assert "Retry-After" not in answered.headers
    assert answered.headers["X-RateLimit-Remaining"] == "1"
    signed_in = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert signed_in.status_code == 302  # a rate-limited page, redirecting
    assert "X-RateLimit-Remaining" in signed_in.headers
    assert "Retry-After" not in signed_in.headers
    api("GET", "/me", headers)
    limited = api("GET", "/me", headers)
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60


# --- spaces --------------------------------------------------------------------------------

def test_spaces_list_has_the_documented_fields(api, member, token_for, make_space):
    make_space(name="Studio A", hourly_weight_pct=150)
    make_space(name="Old", active=False)
    spaces = api("GET", "/spaces", token_for(member)).json
    assert [s["name"] for s in spaces] == ["Studio A"]
    assert spaces[0]["hourly_weight"] == 1.5
    assert spaces[0]["opening_hours"]["mon"] == [["08:00", "24:00"]]


def test_comanagers_create_and_change_spaces_members_cannot(api, member, comanager, token_for):
    body = {"name": "Atelier", "kind": "decor_workshop",
            "opening_hours": {"mon": [["08:00", "18:00"]]}, "slot_minutes": 60,
            "min_minutes": 60, "hourly_weight": 1.25}
    assert api("POST", "/spaces", token_for(member), json=body).status_code == 403
    boss = token_for(comanager)
    created = api("POST", "/spaces", boss, json=body)
    assert created.status_code == 201, created.json
    assert created.json["opening_hours"]["tue"] == [] and created.json["hourly_weight"] == 1.25
    changed = api("PATCH", f"/spaces/{created.json['id']}", boss,
                  json={"buffer_minutes": 15, "active": False})
    assert changed.json["buffer_minutes"] == 15 and changed.json["active"] is False
    bad = api("PATCH", f"/spaces/{created.json['id']}", boss,
              json={"opening_hours": {"mon": [["18:00", "08:00"]]}})
    assert bad.status_code == 422 and "24:00" in bad.json["detail"]
    assert api("PATCH", "/spaces/999", boss, json={}).status_code == 404


def test_the_api_takes_opening_hours_written_as_on_the_space_form(api, comanager, token_for):
    boss = token_for(comanager)
    body = {"name": "Studio B", "kind": "rehearsal_room",
            "opening_hours": {"mon": "10h-22h", "tue": "10:00-22:00", "wed": "8u30-12u, 13u-24u",
                              "thu": [["09:00", "17:00"]], "sun": ""}}
    created = api("POST", "/spaces", boss, json=body)
    assert created.status_code == 201, created.json
    hours = created.json["opening_hours"]
    assert hours["mon"] == hours["tue"] == [["10:00", "22:00"]]
    assert hours["wed"] == [["08:30", "12:00"], ["13:00", "24:00"]]
    assert hours["thu"] == [["09:00", "17:00"]] and hours["sun"] == [] == hours["fri"]
    bad = api("PATCH", f"/spaces/{created.json['id']}", boss,
              json={"opening_hours": {"mon": "22h-10h"}})
    assert bad.status_code == 422 and "24:00" in bad.json["detail"]
    listed = {s["id"]: s for s in api("GET", "/spaces", boss).json}
    assert listed[created.json["id"]]["opening_hours"]["mon"] == [["10:00", "22:00"]]


def test_availability_lists_free_slots_around_bookings(api, member, token_for, make_space,
                                                       make_booking):
    space = make_space(opening_hours={"tue": [["10:00", "14:00"]]})
    make_booking(space, member, local(2026, 12, 1, 11), local(2026, 12, 1, 12))
    slots = api("GET", f"/spaces/{space.id}/availability?start=2026-12-01T00:00:00%2B01:00"
                       "&end=2026-12-02T00:00:00%2B01:00&duration=PT1H",
                token_for(member)).json
    assert slots[0] == {"start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T11:00:00+01:00"}
    assert {"start": "2026-12-01T12:00:00+01:00", "end": "2026-12-01T13:00:00+01:00"} in slots
    assert all(s["start"][11:16] not in ("10:30", "11:00", "11:30") for s in slots)


def test_a_time_without_offset_is_refused_with_a_message_saying_so(api, member, token_for,
                                                                   make_space):
    space = make_space()
    response = api("POST", "/bookings", token_for(member),
                   json=booking_body(space, start="2026-12-01T18:00:00"))
    assert response.status_code == 422
    assert response.json["type"].endswith("time-without-offset")
    assert "UTC" in response.json["detail"]


# --- bookings ------------------------------------------------------------------------------

def test_booking_answers_201_with_the_booking_in_local_time(api, member, token_for, make_space):
    space = make_space()
    response = api("POST", "/bookings", token_for(member), json=booking_body(space))
    assert response.status_code == 201
    assert response.json["start"] == "2026-12-01T18:00:00+01:00"
    assert response.json["status"] == "confirmed" and response.json["member_id"] == member.id
    stored = db.session.execute(select(Booking)).scalar_one()
    assert stored.start_at == local(2026, 12, 1, 18)


def test_a_conflict_answers_409_with_conflicts_and_suggestions_and_is_recorded(
        api, member, make_member, token_for, make_space, make_booking):
    space = make_space()
    make_booking(space, make_member(), local(2026, 12, 1, 18), local(2026, 12, 1, 20))
    response = api("POST", "/bookings", token_for(member),
                   json=booking_body(space, start="2026-12-01T19:00:00+01:00",
                                     end="2026-12-01T21:00:00+01:00"))
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.json["type"].endswith("booking-conflict")
    assert response.json["conflicts"] == [{"start": "2026-12-01T18:00:00+01:00",
                                           "end": "2026-12-01T20:00:00+01:00"}]
    assert response.json["suggestions"]
    assert "déjà pris" in response.json["detail"]  # the form's own (French) message
    refused = db.session.execute(select(RefusedBooking)).scalar_one()
    assert refused.reason == "conflict" and refused.member_id == member.id


def test_quota_exceeded_is_a_422_with_its_own_type(api, member, token_for, make_space):
    space = make_space()
    db.session.add(QuotaRule(member_id=member.id, space_id=space.id, period="month",
                             limit_minutes=60, over_limit="refuse"))
    db.session.commit()
    response = api("POST", "/bookings", token_for(member), json=booking_body(space))
    assert response.status_code == 422
    assert response.json["type"].endswith("quota-exceeded")
    assert db.session.execute(select(RefusedBooking.reason)).scalar_one() == "quota"


def test_outside_opening_hours_is_a_422(api, member, token_for, make_space):
    space = make_space(opening_hours={"tue": [["08:00", "12:00"]]})
    response = api("POST", "/bookings", token_for(member), json=booking_body(space))
    assert response.status_code == 422
    assert response.json["type"].endswith("outside-opening-hours")


def test_a_series_returns_created_and_skipped_dates(api, member, make_member, token_for,
                                                    make_space, make_booking):
    space = make_space()
    make_booking(space, make_member(), local(2026, 12, 8, 18), local(2026, 12, 8, 20))
    response = api("POST", "/bookings", token_for(member), json=booking_body(
        space, recurrence={"freq": "weekly", "interval": 1, "count": 3}))
    assert response.status_code == 201, response.json
    assert [b["start"][:10] for b in response.json["created"]] == ["2026-12-01", "2026-12-15"]
    assert response.json["skipped"][0]["start"] == "2026-12-08T18:00:00+01:00"


def test_malformed_json_is_a_400_and_a_missing_field_a_422(api, member, token_for):
    headers = {**token_for(member), "Content-Type": "application/json"}
    response = api("POST", "/bookings", headers, data="{not json")
    assert response.status_code == 400 and response.json["type"].endswith("malformed-json")
    response = api("POST", "/bookings", headers, json={"start": "x"})
    assert response.status_code == 422
    assert "space_id" in response.json["detail"] or "end" in response.json["detail"]


def test_list_hides_others_titles_unless_the_space_shows_them(api, member, make_member,
                                                              token_for, make_space,
                                                              make_booking):
    private, public = make_space(), make_space(show_titles=True)
    other = make_member()
    make_booking(private, other, local(2026, 12, 1, 10), local(2026, 12, 1, 11), title="Secret")
    make_booking(public, other, local(2026, 12, 1, 10), local(2026, 12, 1, 11), title="Concert")
    make_booking(private, member, local(2026, 12, 2, 10), local(2026, 12, 2, 11), title="Mine")
    found = api("GET", "/bookings", token_for(member)).json
    assert sorted(str(b["title"]) for b in found) == ["Concert", "Mine", "None"]
    mine = api("GET", "/bookings?mine=true", token_for(member)).json
    assert [b["title"] for b in mine] == ["Mine"]


def test_read_change_and_cancel_a_booking(api, member, make_member, token_for, make_space,
                                          make_booking):
    space = make_space()
    booking = make_booking(space, member, local(2026, 12, 1, 10), local(2026, 12, 1, 11))
    headers = token_for(member)
    assert api("GET", f"/bookings/{booking.id}", headers).json["title"] == "Répétition"
    moved = api("PATCH", f"/bookings/{booking.id}", headers,
                json={"start": "2026-12-01T14:00:00+01:00", "end": "2026-12-01T16:00:00+01:00",
                      "title": "Filage"})
    assert moved.status_code == 200
    assert moved.json[0]["title"] == "Filage" and moved.json[0]["sequence"] == 1
    cancelled = api("POST", f"/bookings/{booking.id}/cancel", headers, json={"reason": "malade"})
    assert cancelled.json[0]["status"] == "cancelled"
    again = api("POST", f"/bookings/{booking.id}/cancel", headers, json={})
    assert again.status_code == 409
    stranger = token_for(make_member())
    assert api("GET", f"/bookings/{booking.id}", stranger).status_code == 403
    assert api("GET", "/bookings/424242", headers).status_code == 404


def test_another_members_booking_cannot_be_changed_and_stays_as_it_was(
        api, member, make_member, token_for, make_space, make_booking):
    booking = make_booking(make_space(), member, local(2026, 12, 1, 10), local(2026, 12, 1, 11))
    stranger = token_for(make_member())
    moved = api("PATCH", f"/bookings/{booking.id}", stranger, json={"title": "Pris"})
    assert moved.status_code == 403 and moved.json["type"].endswith("forbidden")
    cancelled = api("POST", f"/bookings/{booking.id}/cancel", stranger, json={})
    assert cancelled.status_code == 403
    db.session.expire_all()
    kept = db.session.get(Booking, booking.id)
    assert (kept.title, kept.status, kept.sequence) == ("Répétition", "confirmed", 0)
    assert api("GET", f"/bookings/{2**40}", token_for(member)).status_code == 404


def test_notes_and_reasons_are_shown_to_the_member_and_comanagers_only(
        api, member, comanager, make_member, token_for, make_space, make_booking):
    space = make_space(show_titles=True)
    make_booking(space, member, local(2026, 12, 1, 10), local(2026, 12, 1, 11),
                 note="Clé chez Léa")
    seen = {who: api("GET", "/bookings", token_for(who)).json[0]
            for who in (member, comanager, make_member())}
    assert seen[member]["note"] == seen[comanager]["note"] == "Clé chez Léa"
    assert [b["title"] for b in seen.values()] == ["Répétition"] * 3
    stranger = list(seen.values())[2]
    assert stranger["note"] is None and stranger["reason"] is None


def test_mine_lists_my_cancelled_bookings_and_the_calendar_does_not(
        api, member, make_member, token_for, make_space, make_booking):
    space, other_space = make_space(), make_space()
    make_booking(space, member, local(2026, 12, 1, 10), local(2026, 12, 1, 11),
                 status="cancelled", title="Annulée")
    make_booking(other_space, member, local(2026, 12, 2, 10), local(2026, 12, 2, 11),
                 title="Ailleurs")
    make_booking(space, make_member(), local(2026, 12, 3, 10), local(2026, 12, 3, 11),
                 status="cancelled")
    headers = token_for(member)
    assert [b["title"] for b in api("GET", "/bookings", headers).json] == ["Ailleurs"]
    mine = api("GET", "/bookings?mine=true", headers).json
    assert [b["title"] for b in mine] == ["Annulée", "Ailleurs"]
    one_space = api("GET", f"/bookings?mine=true&space_id={space.id}", headers).json
    assert [b["title"] for b in one_space] == ["Annulée"]


def test_only_comanagers_approve_and_reject(api, member, comanager, token_for, make_space,
                                            make_booking):
    space = make_space(needs_approval=True)
    first = make_booking(space, member, local(2026, 12, 1, 10), local(2026, 12, 1, 11),
                         status="pending")
    second = make_booking(space, member, local(2026, 12, 2, 10), local(2026, 12, 2, 11),
                          status="pending")
    mine = token_for(member)
    assert api("POST", f"/bookings/{first.id}/approve", mine).status_code == 403
    boss = token_for(comanager)
    assert api("POST", f"/bookings/{first.id}/approve", boss).json["status"] == "confirmed"
    assert api("POST", f"/bookings/{first.id}/approve", boss).status_code == 409
    assert api("POST", f"/bookings/{second.id}/reject", boss, json={}).status_code == 422
    rejected = api("POST", f"/bookings/{second.id}/reject", boss, json={"reason": "travaux"})
    assert rejected.json["status"] == "rejected"


def test_closures_are_for_comanagers_and_list_the_bookings_hit(api, member, comanager,
                                                               token_for, make_space,
                                                               make_booking):
    space = make_space()
    booking = make_booking(space, member, local(2026, 12, 1, 10), local(2026, 12, 1, 11))
    body = {"space_id": space.id, "start": "2026-12-01T00:00:00+01:00",
            "end": "2026-12-02T00:00:00+01:00", "reason": "Travaux"}
    forbidden = api("POST", "/closures", token_for(member), json=body)
    assert forbidden.status_code == 403
    assert forbidden.json["type"] == "urn:mutualise:problem:forbidden"
    assert db.session.execute(select(func.count(Closure.id))).scalar() == 0
    created = api("POST", "/closures", token_for(comanager), json=body)
    assert created.status_code == 201 and created.json["affected_booking_ids"] == [booking.id]
    refused = api("POST", "/bookings", token_for(member), json=booking_body(space))
    assert refused.status_code == 422 and refused.json["type"].endswith("space-closed")


# --- me, quotas, usage -----------------------------------------------------------------------

def test_me_shows_profile_plan_and_no_feed_yet(api, make_member, token_for):
    plan = Plan(name="Compagnie", monthly_fee_cents=9000, shares=4)
    db.session.add(plan)
    db.session.commit()
    someone = make_member(plan_id=plan.id)
    me = api("GET", "/me", token_for(someone)).json
    assert me["plan"] == {"id": plan.id, "name": "Compagnie", "monthly_fee_cents": 9000,
                          "shares": 4}
    assert me["feed_url"] is None and me["organisation"] is None


def test_my_usage_per_rule_and_quota_rules_by_comanagers(api, member, comanager, token_for,
                                                         make_space, make_booking):
    space = make_space()
    make_booking(space, member, local(2026, 11, 10, 10), local(2026, 11, 10, 13))
    body = {"member_id": member.id, "space_id": space.id, "period": "month", "hours": 10,
            "over_limit": "refuse"}
    assert api("POST", "/quota-rules", token_for(member), json=body).status_code == 403
    created = api("POST", "/quota-rules", token_for(comanager), json=body)
    assert created.status_code == 201 and created.json["hours"] == 10
    bad = api("POST", "/quota-rules", token_for(comanager), json={**body, "member_id": 9999})
    assert bad.status_code == 422
    usage = api("GET", "/me/usage?period=2026-11", token_for(member)).json
    assert [(u["used"], u["limit"], u["left"]) for u in usage] == [(3.0, 10.0, 7.0)]
    assert api("GET", "/me/usage?period=nov", token_for(member)).status_code == 422


def test_usage_report_is_for_comanagers_with_hours_and_share(api, member, comanager,
                                                             token_for, make_space,
                                                             make_booking):
    space = make_space()
    make_booking(space, member, local(2026, 11, 10, 10), local(2026, 11, 10, 13))
    make_booking(space, comanager, local(2026, 11, 11, 10), local(2026, 11, 11, 11))
    query = "/usage?start=2026-11-01T00:00:00%2B01:00&end=2026-12-01T00:00:00%2B01:00"
    assert api("GET", query, token_for(member)).status_code == 403
    rows = {r["member_id"]: r for r in api("GET", query, token_for(comanager)).json}
    assert rows[member.id]["hours"] == 3.0 and rows[member.id]["share"] == 75.0


def test_usage_report_defaults_to_this_month_so_far(api, comanager, token_for, make_space,
                                                  make_booking):
    space = make_space()
    make_booking(space, comanager, local(2026, 10, 31, 10), local(2026, 10, 31, 12))
    make_booking(space, comanager, local(2026, 11, 1, 10), local(2026, 11, 1, 11))
    rows = api("GET", "/usage", token_for(comanager)).json
    assert [(r["member_id"], r["hours"], r["share"]) for r in rows] == [(comanager.id, 1.0, 100.0)]


def test_my_usage_defaults_to_this_month(api, member, token_for):
    db.session.add(QuotaRule(member_id=member.id, space_kind="rehearsal_room", period="month",
                             limit_minutes=600, over_limit="refuse"))
    db.session.commit()
    rows = api("GET", "/me/usage", token_for(member)).json
    assert [r["period_start"][:10] for r in rows] == ["2026-11-01"]


def test_list_endpoints_run_a_bounded_number_of_queries(api, member, make_member, token_for,
                                                        make_space, make_booking,
                                                        count_queries):
    headers = token_for(member)
    api("GET", "/me", headers)  # the token's last use is written once a minute at most

    def measure(n):
        for i in range(n):
            space = make_space()
            make_booking(space, make_member(), local(2026, 12, 1 + i % 20, 10),
                         local(2026, 12, 1 + i % 20, 11))
        counts = []
        for path in ("/spaces", "/bookings", "/bookings?mine=true"):
            with count_queries() as counter:
                assert api("GET", path, headers).status_code == 200
            counts.append(counter.count)
        return counts

    small, big = measure(2), measure(20)
    assert small == big
    assert max(big) <= 4
    assert db.session.execute(select(func.count(Organisation.id))).scalar_one() == 0


def test_me_never_gives_the_feed_url_which_is_stored_hashed(app, member):
    """Feed tokens are stored hashed (issue 12): the URL is shown once, on the profile page,
    and neither the token nor its hash ever appears in the API."""
    from booking.domain.feed_tokens import regenerate_feed_token
    from booking.models.types import utcnow

    _token, secret = api_tokens.create_token(db.session, member, "feed", utcnow())
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["feed_url"] is None
    feed_token = regenerate_feed_token(member)
    db.session.commit()
    body = client.get("/api/v1/me", headers=headers).get_data(as_text=True)
    assert '"feed_url":null' in body.replace(" ", "")
    assert feed_token not in body and member.feed_token not in body
    assert client.get(f"/feeds/{feed_token}/member.ics").status_code == 200


def test_an_impossible_clock_time_is_a_422_not_a_crash(app, comanager):
    """Found by the fuzzer: 24:31 passed the schema and crashed the quota-rule endpoint."""
    from booking.models.types import utcnow

    _token, secret = api_tokens.create_token(db.session, comanager, "t", utcnow())
    db.session.commit()
    response = app.test_client().post("/api/v1/quota-rules", headers={
        "Authorization": f"Bearer {secret}"}, json={
        "plan_id": 1, "space_kind": "rehearsal_room", "period": "week", "hours": 5,
        "over_limit": "refuse", "peak_from": "24:31"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_a_query_parameter_outside_its_enum_is_a_translated_422(api, token_for, member):
    """Every endpoint checks the enum of its query parameters (read_query), in the caller's
    language, naming the parameter."""
    response = api("GET", "/proposals?horizon=bogus", {**token_for(member),
                                                      "Accept-Language": "fr"})
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"].endswith("validation-error")
    assert "horizon" in problem["detail"] and "doit" in problem["detail"]
