"""Issue 12, accounts half: sessions, passwords, login throttling, proxies, redirects, roles,
e-mail change, joining an organisation. Each test fails on the code before the fix."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.domain import accounts, passwords
from booking.extensions import db
from booking.models import AuditEvent, Member, Organisation, OrganisationJoinRequest
from tests.conftest import PASSWORD

NEW_PASSWORD = "a long and unusual one"


def _outbox(app):
    return app.extensions.get("outbox", [])


def _link(mail) -> str:
    return re.search(r"http://localhost(/\S+)", mail[2]).group(1)


def _copy_cookies(source, target, *names):
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


# --- 1. organisations: members ask, co-managers decide ------------------------------------

@pytest.fixture
def band(app):
    band = Organisation(name="Fanfare", pays_for_members=True)
    db.session.add(band)
    db.session.commit()
    return band


def test_a_member_cannot_attach_themselves_to_an_organisation(client, login, member, band):
    login(member)
    response = client.post("/account/profile", data={
        "name": member.name, "email": member.email, "phone": "", "locale": "",
        "organisation_id": band.id})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.organisation_id is None
    with pytest.raises(TypeError):
        accounts.update_profile(db.session, member, name="x", email=member.email, phone="",
                                organisation_id=band.id, locale=None)


def test_a_join_request_waits_for_a_comanager(app, make_member, member, comanager, band):
    member_client, manager_client = app.test_client(), app.test_client()
    member_client.post("/login", data={"email": member.email, "password": PASSWORD})
    manager_client.post("/login", data={"email": comanager.email, "password": PASSWORD})
    assert "Fanfare" in member_client.get("/account/profile").get_data(as_text=True)
    member_client.post("/account/organisation", data={"organisation_id": band.id})
    request = db.session.execute(select(OrganisationJoinRequest)).scalar_one()
    db.session.refresh(member)
    assert member.organisation_id is None
    page = member_client.get("/account/profile").get_data(as_text=True)
    assert "attend la réponse" in page
    # The member cannot approve their own request.
    approve = f"/members/join-requests/{request.id}/approve"
    assert member_client.post(approve).status_code == 403
    listing = manager_client.get("/members/organisations").get_data(as_text=True)
    assert member.name in listing
    assert member.name in manager_client.get(f"/members/{member.id}").get_data(as_text=True)
    assert manager_client.post(approve).status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, member.id).organisation_id == band.id
    assert db.session.execute(select(func.count(OrganisationJoinRequest.id))).scalar() == 0
    assert db.session.execute(select(AuditEvent.action).where(
        AuditEvent.action == "organisation.join_approved")).scalar_one()


def test_a_refused_request_changes_nothing(client, login, member, comanager, band):
    request = OrganisationJoinRequest(member_id=member.id, organisation_id=band.id)
    db.session.add(request)
    db.session.commit()
    login(comanager)
    assert "Aucune demande" not in client.get("/members/organisations").get_data(as_text=True)
    client.post(f"/members/join-requests/{request.id}/refuse")
    db.session.expire_all()
    assert db.session.get(Member, member.id).organisation_id is None
    assert db.session.execute(select(func.count(OrganisationJoinRequest.id))).scalar() == 0
    assert "Aucune demande" in client.get("/members/organisations").get_data(as_text=True)


# --- 3. sessions end on logout, password change and deactivation ----------------------------

def test_a_copied_session_cookie_stops_working_after_logout(app, client, login, member):
    login(member)
    thief = app.test_client()
    _copy_cookies(client, thief, "session")
    assert thief.get("/dashboard").status_code == 200
    client.post("/logout")
    assert thief.get("/dashboard").status_code == 302


def test_a_copied_remember_cookie_stops_working_after_logout(app, client, member):
    client.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    thief = app.test_client()
    _copy_cookies(client, thief, "remember_token")
    assert thief.get("/dashboard").status_code == 200  # signed in by the cookie alone
    client.post("/logout")
    stranger = app.test_client()
    _copy_cookies(thief, stranger, "remember_token")
    assert stranger.get("/dashboard").status_code == 302


def test_a_password_change_ends_the_other_sessions_only(app, client, login, member):
    other = app.test_client()
    other.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    login(member)
    response = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this browser stays signed in
    assert other.get("/dashboard").status_code == 302
    remembered = app.test_client()
    _copy_cookies(other, remembered, "remember_token")
    assert remembered.get("/dashboard").status_code == 302


def test_a_password_reset_ends_the_other_sessions(app, client, login, member):
    login(member)
    stranger = app.test_client()
    stranger.post("/password/forgot", data={"email": member.email})
    stranger.post(_link(_outbox(app)[-1]), data={"password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD})
    assert stranger.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 302


def test_sign_out_everywhere_and_deactivation_end_sessions(app, client, login, member,
                                                            make_member, comanager):
    login(member)
    other = app.test_client()
    other.post("/login", data={"email": member.email, "password": PASSWORD})
    assert "Se déconnecter partout" in client.get("/account/profile").get_data(as_text=True)
    response = client.post("/account/sign-out-everywhere")
    assert response.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302
    assert other.get("/dashboard").status_code == 302
    # Deactivation raises the version too: reactivating does not bring old cookies back.
    other.post("/login", data={"email": member.email, "password": PASSWORD})
    manager = make_member("comanager")
    accounts.update_membership(db.session, manager, member, role="member", plan_id=None,
                               organisation_id=None, active=False)
    accounts.update_membership(db.session, manager, member, role="member", plan_id=None,
                               organisation_id=None, active=True)
    db.session.commit()
    assert other.get("/dashboard").status_code == 302


def test_remember_me_lasts_thirty_days_by_default(app, client, member):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    client.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None


# --- 4. the same hashing work for unknown e-mails -------------------------------------------

def test_an_unknown_email_is_checked_against_a_hash_of_the_configured_method(
        app, client, make_member, monkeypatch):
    method = "pbkdf2:sha256:2000"
    app.config["PASSWORD_HASH_METHOD"] = method
    checked = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real(stored, given))
    client.post("/login", data={"email": "nobody@example.org", "password": "whatever it is"})
    assert len(checked) == 1 and checked[0].startswith(method + "$")


# --- 6. proxies and per-account throttling --------------------------------------------------

@pytest.mark.parametrize("trusted", [1])
def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(app, client, trusted):
    app.wsgi_app.x_for  # noqa: B018  (ProxyFix is in place)
    for n in range(11):
        last = client.post("/login", data={"email": f"a{n}@example.org", "password": "x"},
                           headers={"X-Forwarded-For": "198.51.100.7"})
    assert last.status_code == 429
    other = client.post("/login", data={"email": "b@example.org", "password": "x"},
                        headers={"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 200


@pytest.fixture
def app_config(request):
    if "trusted" in request.fixturenames:
        return {"TRUSTED_PROXIES": request.getfixturevalue("trusted")}
    return {}


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, client):
    assert not hasattr(app.wsgi_app, "x_for")
    for n in range(11):
        last = client.post("/login", data={"email": f"a{n}@example.org", "password": "x"},
                           headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert last.status_code == 429


def test_the_login_limit_also_counts_per_account(client, member):
    for n in range(11):
        last = client.post("/login", data={"email": member.email, "password": "wrong wrong"},
                           environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
    assert last.status_code == 429
    # Another account from a fresh address is not held back.
    fresh = client.post("/login", data={"email": "other@example.org", "password": "x"},
                        environ_base={"REMOTE_ADDR": "203.0.113.200"})
    assert fresh.status_code == 200


# --- 8. open redirects ----------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "/%09/evil.example/x", "/%0a/evil.example", "/%5Cevil.example", "%2F%2Fevil.example",
    "https://evil.example/", "/\\evil.example", "//evil.example", "javascript:alert(1)",
    "/%0d%0aSet-Cookie:x=1",
])
def test_login_does_not_redirect_off_site(client, member, target):
    response = client.post(f"/login?next={target}",
                           data={"email": member.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"


def test_login_follows_a_path_on_this_site(client, member):
    response = client.post("/login?next=/bookings/mine%3Fpage%3D2",
                           data={"email": member.email, "password": PASSWORD})
    assert response.headers["Location"] == "/bookings/mine?page=2"


# --- 9. passwords ----------------------------------------------------------------------------

def test_passwords_need_twelve_characters_and_not_a_common_one(client, login, member):
    assert len(passwords.common_passwords()) >= 5000
    login(member)
    for weak, message in (("eleven char", "au moins 12 caractères"),
                          ("1qaz2wsx3edc", "parmi les plus utilisés"),
                          ("Password1234", "parmi les plus utilisés")):
        response = client.post("/account/password", data={
            "current": PASSWORD, "password": weak, "confirm": weak})
        assert response.status_code == 200, weak
        assert message in response.get_data(as_text=True), weak
    with pytest.raises(passwords.WeakPassword):
        passwords.check_password_strength("iloveyou2012")


# --- 10. e-mail change ----------------------------------------------------------------------

def _change_email(client, member, email, password=PASSWORD):
    return client.post("/account/profile", data={
        "name": member.name, "email": email, "phone": "", "locale": "",
        "current_password": password})


def test_changing_the_email_needs_the_password_and_the_new_address(app, client, login, member):
    old = member.email
    login(member)
    response = _change_email(client, member, "new@example.org", password="not my password")
    assert response.status_code == 200
    assert "Le mot de passe actuel" in response.get_data(as_text=True)
    assert _outbox(app) == []
    assert _change_email(client, member, "new@example.org").status_code == 302
    db.session.refresh(member)
    assert (member.email, member.pending_email) == (old, "new@example.org")
    to_new = [m for m in _outbox(app) if m[0] == "new@example.org"]
    to_old = [m for m in _outbox(app) if m[0] == old]
    assert len(to_new) == 1 and len(to_old) == 1 and "new@example.org" in to_old[0][2]
    link = _link(to_new[0])
    client.post("/logout")
    # Until confirmed, the old address still signs in.
    assert client.post("/login", data={"email": old, "password": PASSWORD}).status_code == 302
    client.post("/logout")
    app.test_client().get(link)
    db.session.expire_all()
    assert db.session.get(Member, member.id).email == "new@example.org"
    assert app.test_client().get(link).status_code == 400  # used
    assert client.post("/login", data={"email": "new@example.org",
                                       "password": PASSWORD}).status_code == 302


def test_an_older_email_change_link_is_replaced_by_the_newer_one(app, client, login, member):
    login(member)
    _change_email(client, member, "first@example.org")
    first = _link(next(m for m in _outbox(app) if m[0] == "first@example.org"))
    _change_email(client, member, "second@example.org")
    assert client.get(first).status_code == 400
    db.session.refresh(member)
    assert member.email != "first@example.org"
    assert client.get("/account/email/forged").status_code == 400


# --- 17. the role is checked before the body ------------------------------------------------

def test_every_comanager_endpoint_refuses_a_member_before_reading_the_body(
        api, member, token_for):
    headers = token_for(member)
    document = api("GET", "/openapi.json", headers).json
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation.get("x-required-role") != "comanager":
                continue
            url = re.sub(r"\{[a-z_]+\}", "999999", path.removeprefix("/api/v1"))
            url += "?period=not-a-month&from=nope&to=nope&month=nope"
            response = api(method.upper(), url, headers, json={"not": "valid", "start": 3})
            assert response.status_code == 403, (method, path, response.json)
            checked += 1
    assert checked >= 10


# --- 18. one e-mail validation everywhere ---------------------------------------------------

@pytest.mark.parametrize("email", ["someone@example.test", "no-at-sign", "a@localhost"])
def test_create_user_refuses_what_the_login_form_refuses(runner, email):
    for args in (["create-user", "--email", email, "--name", "X", "--password", NEW_PASSWORD],
                 ["create-admin", "--email", email, "--password", NEW_PASSWORD]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, result.output
    assert db.session.execute(select(func.count(Member.id))).scalar() == 0
