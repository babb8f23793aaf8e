"""Co-managers manage members; members cannot reach any of it."""
import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import AuditEvent, Member, Organisation

COMANAGER_ONLY = {"spaces.new", "spaces.edit", "spaces.closures", "spaces.closure",
                  "bookings.approvals", "desk.equipment_list", "desk.equipment_new",
                  "desk.waiting_lines"}


def _comanager_get_paths(app, ids: dict[str, int]) -> list[str]:
    """Every GET page of the members and settings areas, plus the co-manager pages elsewhere."""
    paths = []
    for rule in app.url_map.iter_rules():
        area = rule.endpoint.split(".")[0]
        if "GET" in rule.methods and (area in {"members", "settings"}
                                      or rule.endpoint in COMANAGER_ONLY):
            path = rule.rule
            for name, value in ids.items():
                path = path.replace(f"<int:{name}>", str(value))
            paths.append(path)
    return paths


def test_member_gets_403_on_every_comanager_page(app, client, login, member, comanager,
                                                 make_space):
    space = make_space()
    login(comanager)
    client.post("/spaces/closures", data={"space_id": 0, "start": "2030-01-01T08:00",
                                          "end": "2030-01-02T08:00", "reason": "Travaux"})
    client.post("/logout")
    login(member)
    paths = _comanager_get_paths(app, {"member_id": member.id, "space_id": space.id,
                                       "closure_id": 1})
    assert len(paths) >= 9
    for path in paths:
        assert "<" not in path, path
        assert client.get(path).status_code == 403, path


def test_member_cannot_post_comanager_actions(client, login, member, make_member):
    other = make_member()
    login(member)
    assert client.post(f"/members/{other.id}", data={
        "role": "admin", "plan_id": 0, "organisation_id": 0}).status_code == 403
    assert client.post("/members/invite", data={"name": "X", "email": "x@example.org",
                                                "role": "member"}).status_code == 403
    db.session.refresh(other)
    assert other.role == "member"


def test_stranger_is_sent_to_the_login_page(client):
    response = client.get("/members/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fmembers%2F"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Connectez-vous pour voir cette page." in page and "Se connecter" in page


def test_comanager_sees_the_member_list(client, login, comanager, make_member):
    make_member(name="Zoé Zeta")
    login(comanager)
    body = client.get("/members/").get_data(as_text=True)
    assert "Zoé Zeta" in body and "Camille Cogérante" in body


def test_member_list_searches_names_and_emails_and_filters_by_status(client, login, comanager,
                                                                     make_member):
    make_member(name="Zoé Zeta", email="zoe@example.org")
    make_member(name="Xavier Xi")
    make_member(name="Yann Ypsilon", active=False)
    login(comanager)
    found = client.get("/members/?q=ZOE").get_data(as_text=True)
    assert "Zoé Zeta" in found and "Xavier Xi" not in found
    active = client.get("/members/").get_data(as_text=True)
    assert "Yann Ypsilon" not in active
    inactive = client.get("/members/?status=inactive").get_data(as_text=True)
    assert "Yann Ypsilon" in inactive and "Zoé Zeta" not in inactive


def test_member_list_runs_a_bounded_number_of_queries(client, login, comanager, make_member,
                                                        count_queries):
    login(comanager)
    for _ in range(5):
        make_member()
    with count_queries() as few:
        client.get("/members/")
    for _ in range(30):
        make_member()
    with count_queries() as many:
        client.get("/members/")
    assert many.count == few.count, many.statements


def test_comanager_changes_role_and_deactivates(client, login, comanager, make_member):
    target = make_member()
    login(comanager)
    response = client.post(f"/members/{target.id}", data={
        "role": "comanager", "plan_id": 0, "organisation_id": 0})  # active unchecked
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.role == "comanager" and target.active is False
    assert db.session.execute(select(func.count(AuditEvent.id)).where(
        AuditEvent.object_id == target.id, AuditEvent.action == "member.update")).scalar() == 1


def test_comanager_cannot_make_an_admin(client, login, comanager, make_member):
    target = make_member()
    login(comanager)
    response = client.post(f"/members/{target.id}", data={
        "role": "admin", "plan_id": 0, "organisation_id": 0, "active": "y"})
    assert response.status_code == 200
    db.session.refresh(target)
    assert target.role == "member"


def test_admin_can_make_an_admin(client, login, admin, make_member):
    target = make_member()
    login(admin)
    client.post(f"/members/{target.id}", data={
        "role": "admin", "plan_id": 0, "organisation_id": 0, "active": "y"})
    db.session.refresh(target)
    assert target.role == "admin"


def test_nobody_can_deactivate_themselves(client, login, comanager):
    login(comanager)
    response = client.post(f"/members/{comanager.id}", data={
        "role": "comanager", "plan_id": 0, "organisation_id": 0})
    assert response.status_code == 200
    assert "Vous ne pouvez pas" in response.get_data(as_text=True)
    db.session.refresh(comanager)
    assert comanager.active


@pytest.mark.parametrize("data, message", [
    ({"name": "", "email": "a@example.org"}, "Indiquez le nom"),
    ({"name": "A", "email": "not-an-email"}, "Indiquez une adresse e-mail valide"),
    ({"name": "A", "email": "comanager1@example.org"}, "existe déjà"),
])
def test_bad_invitation_shows_a_translated_error_and_writes_nothing(client, login, comanager,
                                                                     data, message):
    login(comanager)
    before = db.session.execute(select(func.count(Member.id))).scalar()
    response = client.post("/members/invite", data={
        **data, "role": "member", "plan_id": 0, "organisation_id": 0})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Member.id))).scalar() == before


def test_comanager_adds_an_organisation_once(client, login, comanager):
    login(comanager)
    client.post("/members/organisations", data={"name": "Compagnie du Hangar"})
    response = client.post("/members/organisations", data={"name": "compagnie du hangar"})
    assert "existe déjà" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Organisation.id))).scalar() == 1


def test_comanager_edits_the_cooperative_settings(client, login, comanager):
    login(comanager)
    response = client.post("/settings/", data={
        "name": "La Fabrique", "timezone": "Europe/Brussels", "currency": "EUR",
        "contact_email": "contact@example.org", "contact_address": "Rue Royale 1, Bruxelles"})
    assert response.status_code == 302
    assert "La Fabrique" in client.get("/dashboard").get_data(as_text=True)


def test_settings_refuse_an_unknown_timezone(client, login, comanager):
    login(comanager)
    response = client.post("/settings/", data={
        "name": "X", "timezone": "Mars/Olympus", "currency": "EUR"})
    assert response.status_code == 200
    assert "Mutualise" in client.get("/dashboard").get_data(as_text=True)
