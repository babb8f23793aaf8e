"""CSRF on every form, and the admin commands."""
import re

import pytest
from sqlalchemy import func, select

from booking.cli import DEMO_MEMBERS, DEMO_PASSWORD
from booking.extensions import db
from booking.models import EquipmentItem, Member


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_every_post_without_csrf_token_is_refused(app, client):
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) >= 20
    for rule in posts:
        path = re.sub(r"<int:\w+>", "1", rule.rule).replace("<token>", "x")
        path = re.sub(r"<any\((\w+)[^>]*>", r"\1", path)
        response = client.post(path, data={"email": "a@example.org"})
        if path.startswith("/api/"):  # exempt from CSRF, but only a Bearer token gets in
            assert response.status_code == 401, path
            continue
        assert response.status_code == 400, path
        assert "formulaire" in response.get_data(as_text=True)


def test_login_with_csrf_token_works(client, make_member):
    member = make_member(email="csrf@example.org")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"csrf_token": token, "email": member.email,
                                           "password": "correct horse battery"})
    assert (response.status_code, response.headers["Location"]) == (302, "/dashboard")
    assert member.name in client.get("/dashboard").get_data(as_text=True)


def test_create_admin_and_user_commands(runner):
    result = runner.invoke(args=["create-admin", "--email", "boss@example.org",
                                 "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "--email", "tech@example.org", "--name", "Tech",
                                 "--role", "comanager", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    roles = dict(db.session.execute(select(Member.email, Member.role)).all())
    assert roles == {"boss@example.org": "admin", "tech@example.org": "comanager"}


def test_create_user_refuses_a_taken_email_and_a_short_password(runner, make_member):
    make_member(email="taken@example.org")
    result = runner.invoke(args=["create-user", "--email", "taken@example.org", "--name", "T",
                                 "--role", "member", "--password", "long enough pw"])
    assert result.exit_code != 0 and "taken@example.org" in result.output
    result = runner.invoke(args=["create-admin", "--email", "new@example.org",
                                 "--password", "short"])
    assert result.exit_code != 0
    assert db.session.execute(select(func.count(Member.id))).scalar() == 1


def test_demo_data_is_idempotent_and_prints_the_logins(runner, client):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0 and DEMO_PASSWORD in first.output
    count = db.session.execute(select(func.count(Member.id))).scalar()
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0
    assert db.session.execute(select(func.count(Member.id))).scalar() == count == len(DEMO_MEMBERS)
    roles = {role for _e, _n, role, _p, _o in DEMO_MEMBERS}
    assert roles == {"admin", "comanager", "member"}


def test_demo_data_has_equipment_to_reserve_with_the_rooms(runner):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    items = {item.name: {space.name for space in item.spaces}
             for item in db.session.execute(select(EquipmentItem)).scalars()}
    assert items["Système de sonorisation (façade 2 × 1 kW)"] == {"Studio Bemol", "Studio Dièse"}
    assert items["Tour d'échafaudage"] == {"Atelier Grand Format"}
    assert items["Camionnette 12 m³"] == set()  # with any space
