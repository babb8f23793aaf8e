"""Co-managers describe spaces and closures; members only look."""
import pytest
from sqlalchemy import func, select

from booking import jobs
from booking.extensions import db
from booking.models import AuditEvent, Booking, Closure, Space
from tests.conftest import form_time, local

SPACE_FORM = {
    "name": "Atelier Grand Format", "kind": "decor_workshop", "description": "300 m²",
    "capacity": 12, "access_instructions": "Clé au boîtier", "address": "Chaussée de Haecht 300",
    "colour": "ochre", "hourly_weight": "1,5", "hourly_rate": "20",
    "mon": "08:00-12:00, 13:00-20:00",
    "tue": "08:00-20:00", "wed": "", "thu": "8h00-20h00", "fri": "8u-20u",
    "sat": "09:00-17:00", "sun": "", "slot_minutes": 60, "min_minutes": 120, "max_minutes": 600,
    "horizon_days": 120, "notice_hours": 24, "buffer_minutes": 30, "cancel_notice_hours": 72,
    "needs_approval": "y",
}


def test_comanager_creates_a_space_with_opening_hours(client, login, comanager):
    login(comanager)
    response = client.post("/spaces/new", data=SPACE_FORM)
    assert response.status_code == 302
    space = db.session.execute(select(Space)).scalar_one()
    assert space.opening_hours["mon"] == [["08:00", "12:00"], ["13:00", "20:00"]]
    assert space.opening_hours["wed"] == [] and space.opening_hours["thu"] == [["08:00", "20:00"]]
    assert space.opening_hours["fri"] == [["08:00", "20:00"]]  # written the Dutch way
    assert (space.hourly_weight_pct, space.hourly_rate_cents) == (150, 2000)
    assert (space.notice_minutes, space.buffer_minutes, space.needs_approval) == (1440, 30, True)
    assert "Atelier Grand Format" in client.get("/spaces/").get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("mon", "8-12", "n’est pas une plage horaire"),
    ("mon", "12:00-08:00", "se termine avant"),
    ("mon", "08:00-12:00, 11:00-14:00", "se chevauchent"),
    ("hourly_weight", "beaucoup", "1,5"),
    ("max_minutes", 60, "ne peut pas être plus courte"),
    ("name", "", "Donnez un nom"),
])
def test_bad_space_input_is_refused_and_nothing_is_written(client, login, comanager, field,
                                                           value, message):
    login(comanager)
    response = client.post("/spaces/new", data={**SPACE_FORM, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Space.id))).scalar() == 0


def test_editing_keeps_opening_hours_shown_as_text(client, login, comanager, make_space):
    space = make_space(opening_hours={"mon": [["09:00", "24:00"]]})
    login(comanager)
    page = client.get(f"/spaces/{space.id}/edit").get_data(as_text=True)
    assert 'value="09:00-24:00"' in page


def test_archived_space_keeps_its_bookings_and_leaves_the_list_for_members(
        client, login, comanager, member, make_space, make_booking):
    space = make_space(name="Vieux studio")
    make_booking(space, member, local(2030, 3, 4, 18), local(2030, 3, 4, 20))
    login(comanager)
    client.post(f"/spaces/{space.id}/archive", data={"active": "0"}, follow_redirects=True)
    db.session.refresh(space)
    assert space.active is False
    assert db.session.execute(select(func.count(Booking.id))).scalar() == 1
    client.post("/logout")
    login(member)
    assert "Vieux studio" not in client.get("/spaces/").get_data(as_text=True)


def test_member_cannot_reach_space_or_closure_management(client, login, member, make_space):
    space = make_space()
    login(member)
    for path in ("/spaces/new", f"/spaces/{space.id}/edit", "/spaces/closures"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/spaces/{space.id}/archive", data={"active": "0"}).status_code == 403
    assert client.post("/spaces/closures", data={
        "space_id": 0, "start": "2030-01-01T08:00", "end": "2030-01-02T08:00",
        "reason": "x"}).status_code == 403
    assert db.session.execute(select(func.count(Closure.id))).scalar() == 0


def test_closure_lists_hit_bookings_and_cancels_them_with_a_message(
        app, client, login, comanager, member, make_space, make_booking):
    space = make_space()
    hit = make_booking(space, member, local(2030, 3, 4, 18), local(2030, 3, 4, 20),
                       title="Répétition du mardi")
    spared = make_booking(space, member, local(2030, 3, 6, 18), local(2030, 3, 6, 20))
    login(comanager)
    response = client.post("/spaces/closures", data={
        "space_id": space.id, "start": form_time(local(2030, 3, 4, 8)),
        "end": form_time(local(2030, 3, 5, 8)), "reason": "Dégât des eaux"})
    closure_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Répétition du mardi" in closure_page
    closure = db.session.execute(select(Closure)).scalar_one()
    client.post(f"/spaces/closures/{closure.id}", data={"message": "Désolés, on répare.",
                                                        "confirmed": "yes"})
    db.session.refresh(hit)
    db.session.refresh(spared)
    assert (hit.status, hit.cancel_reason, hit.late_cancellation) == (
        "cancelled", "Désolés, on répare.", False)
    assert spared.status == "confirmed"
    jobs.run_delivery(app)  # the mail is a notification, sent by the worker after commit
    assert any(to == member.email and "Désolés, on répare." in body
               for to, _subject, body in app.extensions["outbox"])


def test_closure_with_end_before_start_is_refused(client, login, comanager):
    login(comanager)
    response = client.post("/spaces/closures", data={
        "space_id": 0, "start": "2030-01-02T08:00", "end": "2030-01-01T08:00", "reason": "x"})
    assert "La fin doit" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Closure.id))).scalar() == 0


def test_closures_list_counts_pending_hits_but_not_cancelled_ones(
        client, login, comanager, member, make_member, make_space, make_booking):
    space, other = make_space(name="Studio A"), make_space(name="Studio B")
    make_booking(space, member, local(2030, 3, 4, 9), local(2030, 3, 4, 10), status="pending")
    make_booking(space, make_member(), local(2030, 3, 4, 11), local(2030, 3, 4, 12),
                 status="cancelled")
    make_booking(space, member, local(2030, 3, 4, 14), local(2030, 3, 4, 15),
                 status="rejected")
    make_booking(other, member, local(2030, 3, 4, 9), local(2030, 3, 4, 10))
    closure = Closure(space_id=space.id, start_at=local(2030, 3, 4, 8),
                      end_at=local(2030, 3, 4, 20), reason="Peinture")
    everywhere = Closure(space_id=None, start_at=local(2030, 3, 4, 8),
                         end_at=local(2030, 3, 4, 20), reason="Assemblée")
    db.session.add_all([closure, everywhere])
    db.session.commit()
    login(comanager)
    page = client.get("/spaces/closures").get_data(as_text=True)
    rows = {reason: row for row in page.split("<tr>")[1:]
            for reason in ("Peinture", "Assemblée") if reason in row}
    assert '<span class="badge badge-warn">1</span>' in rows["Peinture"]
    assert '<span class="badge badge-warn">2</span>' in rows["Assemblée"]


def _painting(space: Space) -> Closure:
    closure = Closure(space_id=space.id, start_at=local(2030, 3, 4, 8),
                      end_at=local(2030, 3, 4, 20), reason="Peinture")
    db.session.add(closure)
    db.session.commit()
    return closure


def test_deleting_a_closure_writes_an_audit_line(client, login, comanager, make_space):
    closure = _painting(make_space())
    closure_id = closure.id
    login(comanager)
    response = client.post(f"/spaces/closures/{closure_id}/delete")
    assert response.headers["Location"].endswith("/spaces/closures")
    assert db.session.scalar(select(func.count(Closure.id)).where(Closure.active())) == 0
    audit = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "closure.delete")).scalar_one()
    assert (audit.actor_id, audit.object_type, audit.object_id) == (
        comanager.id, "closure", closure_id)
    assert "Peinture" in audit.detail


def test_members_cannot_delete_a_closure(client, login, member, make_space):
    closure = _painting(make_space())
    login(member)
    assert client.post(f"/spaces/closures/{closure.id}/delete").status_code == 403
    assert db.session.scalar(select(func.count(Closure.id)).where(Closure.active())) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
