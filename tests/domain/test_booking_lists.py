"""What the pages and the API list: archived spaces for co-managers only; a period's active
bookings for
everyone, or one member's in any status; at most the limit, in time order."""
from __future__ import annotations

from booking.domain import bookings, spaces
from booking.extensions import db
from tests.conftest import local

DECEMBER = local(2026, 12, 1), local(2027, 1, 1)


def test_archived_spaces_are_listed_for_comanagers_only(member, comanager, make_space):
    make_space(name="Studio B", kind="rehearsal_room")
    make_space(name="Atelier", kind="decor_workshop")
    make_space(name="Ancien studio", kind="rehearsal_room", active=False)
    names = [s.name for s in spaces.spaces_listed_for(db.session, member)]
    assert names == ["Atelier", "Studio B"]
    names = [s.name for s in spaces.spaces_listed_for(db.session, comanager)]
    assert names == ["Atelier", "Ancien studio", "Studio B"]


def test_the_calendar_lists_active_bookings_and_a_member_all_of_theirs(
        member, make_member, make_space, make_booking):
    space, other_space, other = make_space(), make_space(), make_member()
    pending = make_booking(space, other, local(2026, 12, 2, 10), local(2026, 12, 2, 11),
                           status="pending")
    cancelled = make_booking(space, member, local(2026, 12, 1, 10), local(2026, 12, 1, 11),
                             status="cancelled")
    elsewhere = make_booking(other_space, member, local(2026, 12, 3, 10),
                             local(2026, 12, 3, 11))
    make_booking(space, member, local(2027, 1, 5, 10), local(2027, 1, 5, 11))
    start, end = DECEMBER
    calendar = bookings.bookings_in_period(db.session, start=start, end=end, limit=10)
    assert [b.id for b in calendar] == [pending.id, elsewhere.id]
    own = bookings.bookings_in_period(db.session, start=start, end=end, member_id=member.id,
                                      limit=10)
    assert [b.id for b in own] == [cancelled.id, elsewhere.id]
    in_space = bookings.bookings_in_period(db.session, start=start, end=end,
                                           member_id=member.id, space_id=space.id, limit=10)
    assert [b.id for b in in_space] == [cancelled.id]
    assert len(bookings.bookings_in_period(db.session, start=start, end=end, limit=1)) == 1


def test_a_booking_overlapping_the_period_edge_is_listed(member, make_space, make_booking):
    space, other_space = make_space(), make_space()
    across = make_booking(space, member, local(2026, 11, 30, 23), local(2026, 12, 1, 1))
    make_booking(other_space, member, local(2026, 11, 30, 20), local(2026, 12, 1, 0))
    start, end = DECEMBER
    found = bookings.bookings_in_period(db.session, start=start, end=end, limit=10)
    assert [b.id for b in found] == [across.id]
