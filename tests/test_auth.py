"""Signing in and out, invitations, password resets, profile."""
import re

from sqlalchemy import func, select

from booking.extensions import db
from booking.models import AuditEvent, Member
from tests.conftest import PASSWORD


def _outbox(app):
    return app.extensions.get("outbox", [])


def _link_in_last_mail(app) -> str:
    body = _outbox(app)[-1][2]
    return re.search(r"http://localhost(/\S+)", body).group(1)


def _assert_link_refused(response, purpose_text):
    """The page says the link no longer works, and why."""
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Ce lien ne fonctionne plus" in body and purpose_text in body


def test_member_signs_in_and_out(client, member):
    response = client.post("/login", data={"email": member.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert member.name in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, member):
    wrong = client.post("/login", data={"email": member.email, "password": "nope nope nope"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    message = "Adresse e-mail ou mot de passe incorrect"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_remember_me_sets_a_lasting_cookie(client, member):
    client.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_deactivated_member_cannot_sign_in_and_is_signed_out(client, login, member):
    login(member)
    member.active = False
    db.session.commit()
    assert client.get("/dashboard").status_code == 302
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert db.session.get(Member, member.id) is not None  # their data stays


def test_login_is_throttled_after_repeated_attempts(client, member):
    responses = [client.post("/login", data={"email": member.email, "password": "bad password"})
                 for _ in range(12)]
    assert responses[0].status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in responses[0].get_data(as_text=True)
    assert responses[-1].status_code == 429
    assert "Trop de tentatives" in responses[-1].get_data(as_text=True)
    # Even the right password waits: the throttle counts attempts, not failures.
    throttled = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert throttled.status_code == 429
    assert client.get("/dashboard").headers["Location"].startswith("/login")


def test_password_reset_link_works_once(app, client, member):
    client.post("/password/forgot", data={"email": member.email})
    link = _link_in_last_mail(app)
    response = client.post(link, data={"password": "a brand new pass",
                                       "confirm": "a brand new pass"})
    assert (response.status_code, response.headers["Location"]) == (302, "/dashboard")
    client.post("/logout")
    old = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert "Adresse e-mail ou mot de passe incorrect" in old.get_data(as_text=True)
    new = client.post("/login", data={"email": member.email, "password": "a brand new pass"})
    assert (new.status_code, new.headers["Location"]) == (302, "/dashboard")
    client.post("/logout")
    db.session.expire_all()
    hash_after_reset = db.session.get(Member, member.id).password_hash
    _assert_link_refused(client.get(link), "Le lien a expiré ou a déjà été utilisé")  # used
    client.post(link, data={"password": "a third password", "confirm": "a third password"})
    db.session.expire_all()
    assert db.session.get(Member, member.id).password_hash == hash_after_reset
    assert db.session.execute(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "password.reset", AuditEvent.actor_id == member.id)).scalar() == 1


def test_reset_for_an_unknown_email_says_the_same_and_sends_nothing(app, client):
    response = client.post("/password/forgot", data={"email": "ghost@example.org"},
                           follow_redirects=True)
    assert "Si cette adresse appartient" in response.get_data(as_text=True)
    assert _outbox(app) == []


def test_forged_reset_token_is_refused(client):
    _assert_link_refused(client.get("/password/reset/not-a-token"),
                         "Le lien a expiré ou a déjà été utilisé")


def test_comanager_invites_a_member_who_sets_a_password(app, client, login, comanager):
    login(comanager)
    response = client.post("/members/invite", data={
        "name": "Nina Nieuw", "email": "nina@example.org", "role": "member",
        "plan_id": 0, "organisation_id": 0})
    assert response.status_code == 302
    link = _link_in_last_mail(app)
    assert "/invitation/" in link
    client.post("/logout")
    response = client.post(link, data={"password": "ninas password", "confirm": "ninas password"})
    assert response.status_code == 302
    assert "Nina Nieuw" in client.get("/dashboard").get_data(as_text=True)


def test_expired_invitation_is_refused(app, client, login, comanager):
    login(comanager)
    client.post("/members/invite", data={"name": "Late", "email": "late@example.org",
                                         "role": "member", "plan_id": 0, "organisation_id": 0})
    link = _link_in_last_mail(app)
    app.config["INVITATION_MAX_AGE_DAYS"] = -1
    client.post("/logout")
    _assert_link_refused(client.get(link), "L’invitation a expiré")
    response = client.post(link, data={"password": "lates password", "confirm": "lates password"})
    _assert_link_refused(response, "L’invitation a expiré")
    invited = db.session.execute(select(Member).where(Member.email == "late@example.org")
                                 ).scalar_one()
    assert invited.password_hash is None  # no password was set


def test_change_password_needs_the_current_one(client, login, member):
    login(member)
    before = member.password_hash
    response = client.post("/account/password", data={
        "current": "wrong one!", "password": "another pass 1", "confirm": "another pass 1"})
    assert response.status_code == 200
    assert "Le mot de passe actuel" in response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.password_hash == before
    response = client.post("/account/password", data={
        "current": PASSWORD, "password": "another pass 1", "confirm": "another pass 1"})
    assert response.status_code == 302


def test_profile_edit_and_language_preference(app, client, login, member):
    login(member)
    response = client.post("/account/profile", data={
        "name": "Léa M.", "email": "lea.m@example.org", "phone": "+32 2 123 45 67",
        "locale": "nl", "current_password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(member)
    # The new address waits for its confirmation link.
    assert (member.name, member.email, member.locale) == ("Léa M.", member.email, "nl")
    assert member.pending_email == "lea.m@example.org"
    client.get(_confirm_link(app))
    db.session.refresh(member)
    assert member.email == "lea.m@example.org" and member.pending_email is None
    assert "Mijn profiel" in client.get("/account/profile").get_data(as_text=True)


def _confirm_link(app) -> str:
    mail = next(m for m in _outbox(app) if "/account/email/" in m[2])
    return re.search(r"http://localhost(/\S+)", mail[2]).group(1)


def test_profile_refuses_an_email_used_by_someone_else(client, login, member, make_member):
    other = make_member(email="taken@example.org")
    login(member)
    response = client.post("/account/profile", data={
        "name": "Léa", "email": other.email, "phone": "", "locale": "",
        "current_password": PASSWORD})
    assert response.status_code == 200
    assert "Un autre membre utilise déjà taken@example.org" in response.get_data(as_text=True)
    db.session.expire_all()
    emails = db.session.execute(select(Member.email).order_by(Member.id)).scalars().all()
    assert emails.count("taken@example.org") == 1


def test_the_language_switch_keeps_a_signed_in_member_s_choice(client, login, member):
    login(member)
    client.post("/language", data={"lang": "nl", "next": "/account/profile"})
    db.session.refresh(member)
    assert member.locale == "nl"
    client.post("/language", data={"lang": "xx", "next": "/account/profile"})
    db.session.refresh(member)
    assert member.locale == "nl"
