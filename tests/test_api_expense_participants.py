"""JSON API v1: who shares the equal part of a cost, `participant_ids`, as the cost page's
checklist chooses it: on creating the expense and on previewing or posting its split."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Allocation, AuditEvent, Expense, ExpenseParticipant, LedgerEntry
from tests.conftest import add_expense

NOW = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def _body(**extra) -> dict:
    body = {"label": "Internet de mars", "category": "energy", "amount_cents": 100_000,
            "period_start": "2026-03-01", "period_end": "2026-03-31",
            "allocation": {"method": "equal"}}
    body.update(extra)
    return body


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _problem(response, status: int = 422) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.json["detail"]


def _split(lines) -> dict[int, int]:
    return {line["member_id"]: line["amount_cents"] for line in lines}


def test_an_expense_created_with_its_participants_is_shared_by_them(
        api, client, login, people, comanager, token_for):
    lea, jan, sofia, _space = people
    boss = token_for(comanager)
    response = api("POST", "/expenses", boss,
                   json=_body(participant_ids=[comanager.id, lea.id]))
    assert response.status_code == 201, response.json
    expense = response.json
    assert expense["participant_ids"] == sorted([lea.id, comanager.id])
    preview = api("POST", f"/expenses/{expense['id']}/allocate?preview=true", boss)
    # The co-manager, who has no plan, takes part because co-managers said so; Jan and
    # Sofia, who would by default, do not.
    assert _split(preview.json) == {lea.id: 50_000, comanager.id: 50_000}
    assert {line["basis"]["count"] for line in preview.json} == {2}
    # The cost page shows the same choice in its checklist.
    login(comanager)
    page = client.get(f"/ledger/expenses/{expense['id']}?portion=0").get_data(as_text=True)
    assert f'name="member_id" value="{comanager.id}" checked' in page
    assert f'name="member_id" value="{jan.id}">' in page
    assert f'name="member_id" value="{sofia.id}">' in page
    assert "2 membres partagent la part égale." in page


def test_an_expense_without_participants_keeps_the_default(api, people, comanager, token_for):
    lea, jan, sofia, _space = people
    boss = token_for(comanager)
    expense = api("POST", "/expenses", boss, json=_body()).json
    assert expense["participant_ids"] is None
    preview = api("POST", f"/expenses/{expense['id']}/allocate?preview=true", boss)
    assert _split(preview.json) == {lea.id: 33_334, jan.id: 33_333, sofia.id: 33_333}


@pytest.mark.parametrize("who", ["unknown", "deactivated"])
def test_a_participant_who_is_no_active_member_is_a_422_and_creates_nothing(
        api, people, comanager, token_for, make_member, who):
    lea = people[0]
    if who == "unknown":
        stranger = 4242
    else:
        gone = make_member(name="Ancien membre")
        gone.active = False
        db.session.commit()
        stranger = gone.id
    response = api("POST", "/expenses", token_for(comanager),
                   json=_body(participant_ids=[lea.id, stranger]))
    detail = _problem(response)
    assert detail == (f"Le numéro {stranger} n’est pas celui d’un membre actif : choisissez "
                      "qui partage ce coût parmi les membres actifs.")
    assert response.json["type"].endswith("validation-error")
    assert (_count(Expense), _count(ExpenseParticipant)) == (0, 0)


def test_participants_of_a_cost_shared_by_usage_are_refused(api, people, comanager,
                                                            token_for):
    lea = people[0]
    response = api("POST", "/expenses", token_for(comanager),
                   json=_body(allocation={"method": "usage"}, participant_ids=[lea.id]))
    assert "n’est pas partagé à parts égales" in _problem(response)
    assert _count(Expense) == 0
    # A mixed key whose fixed part is shared equally takes them.
    mixed = api("POST", "/expenses", token_for(comanager), json=_body(
        allocation={"method": "mixed", "fixed_percent": 40, "fixed_base": "equal"},
        participant_ids=[lea.id]))
    assert mixed.status_code == 201 and mixed.json["participant_ids"] == [lea.id]


@pytest.mark.parametrize("ids", [[], ["one"], [0], "all"])
def test_participant_ids_must_be_a_list_of_member_ids(api, people, comanager, token_for,
                                                      ids):
    response = api("POST", "/expenses", token_for(comanager),
                   json=_body(participant_ids=ids))
    _problem(response)
    assert response.json["errors"][0]["field"].startswith("participant_ids")
    assert _count(Expense) == 0


def test_a_preview_tries_participants_without_saving_them(api, people, comanager, token_for):
    lea, jan, _sofia, _space = people
    expense = add_expense(method="equal")
    boss = token_for(comanager)
    response = api("POST", f"/expenses/{expense.id}/allocate?preview=true", boss,
                   json={"participant_ids": [lea.id, jan.id]})
    assert response.status_code == 200, response.json
    assert _split(response.json) == {lea.id: 50_000, jan.id: 50_000}
    assert (_count(ExpenseParticipant), _count(Allocation), _count(LedgerEntry)) == (0, 0, 0)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "expense.participants")) == 0
    # Without a body, the preview is the default share again.
    default = api("POST", f"/expenses/{expense.id}/allocate?preview=true", boss)
    assert len(default.json) == 3


def test_posting_with_participants_saves_them_and_posts_their_parts(
        api, client, login, people, comanager, token_for):
    lea, _jan, sofia, _space = people
    expense = add_expense(method="equal")
    boss = token_for(comanager)
    response = api("POST", f"/expenses/{expense.id}/allocate", boss,
                   json={"participant_ids": [sofia.id, lea.id]})
    assert response.status_code == 200, response.json
    assert _split(response.json) == {lea.id: 50_000, sofia.id: 50_000}
    assert sorted(db.session.execute(select(ExpenseParticipant.member_id)).scalars()) == sorted(
        [lea.id, sofia.id])
    login(comanager)
    page = client.get(f"/ledger/expenses/{expense.id}").get_data(as_text=True)
    assert f'name="member_id" value="{sofia.id}" checked' in page


def test_posting_with_an_inactive_participant_is_a_422_and_posts_nothing(
        api, people, comanager, token_for, make_member):
    lea = people[0]
    gone = make_member(name="Ancien membre", active=False)
    expense = add_expense(method="equal")
    response = api("POST", f"/expenses/{expense.id}/allocate", token_for(comanager),
                   json={"participant_ids": [lea.id, gone.id]})
    assert "n’est pas celui d’un membre actif" in _problem(response)
    assert (_count(ExpenseParticipant), _count(Allocation), _count(LedgerEntry)) == (0, 0, 0)
    usage = add_expense(method="usage")
    refused = api("POST", f"/expenses/{usage.id}/allocate?preview=true", token_for(comanager),
                  json={"participant_ids": [lea.id]})
    assert "n’est pas partagé à parts égales" in _problem(refused)


def test_member_cannot_choose_who_shares_through_the_api(api, people, token_for):
    lea = people[0]
    headers = token_for(lea)
    assert api("POST", "/expenses", headers,
               json=_body(participant_ids=[lea.id])).status_code == 403
    expense = add_expense(method="equal")
    for query in ("?preview=true", ""):
        response = api("POST", f"/expenses/{expense.id}/allocate{query}", headers,
                       json={"participant_ids": [lea.id]})
        assert response.status_code == 403
    assert (_count(ExpenseParticipant), _count(Allocation), _count(Expense)) == (0, 0, 1)


def test_the_html_checklist_refuses_a_member_no_longer_active(client, login, people,
                                                             comanager):
    """The page and the API share one rule: a member deactivated since the page was shown
    is refused, not silently left out."""
    lea, jan, _sofia, _space = people
    expense = add_expense(method="equal")
    jan.active = False
    db.session.commit()
    login(comanager)
    response = client.post(f"/ledger/expenses/{expense.id}/participants",
                           data={"member_id": [str(lea.id), str(jan.id)]},
                           follow_redirects=True)
    assert f"Le numéro {jan.id} n’est pas celui d’un membre actif" in (
        response.get_data(as_text=True))
    assert _count(ExpenseParticipant) == 0


def test_the_openapi_document_describes_participant_ids(api, member, token_for):
    document = api("GET", "/openapi.json", token_for(member)).json
    schemas = document["components"]["schemas"]
    assert schemas["ExpenseCreate"]["properties"]["participant_ids"]["items"]["minimum"] == 1
    assert "participant_ids" in schemas["Expense"]["properties"]
    allocate = document["paths"]["/api/v1/expenses/{expense_id}/allocate"]["post"]
    assert allocate["requestBody"]["required"] is False
    assert allocate["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AllocationRequest"}
    assert "participant_ids" in schemas["AllocationRequest"]["properties"]
