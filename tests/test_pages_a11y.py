"""What keyboard and screen-reader users and members on the home page notice: errors tied to
their fields, a readable API page, the balance on the home page, fields that apply."""
import re
from datetime import date
from pathlib import Path

from booking.extensions import db
from booking.models import LedgerEntry


def test_a_field_error_is_tied_to_its_field_and_listed_with_a_link(client, login, comanager):
    login(comanager)
    page = client.post("/spaces/new", data={"name": "", "kind": "rehearsal_room",
                                            "hourly_weight": "abc"}).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="hourly_weight"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert "hourly_weight-help" in described and "hourly_weight-error" in described
    assert 'id="hourly_weight-error"' in page and "1 ou 1,5" in page
    summary = page[page.index("data-error-summary"):]
    assert 'href="#hourly_weight"' in summary[:summary.index("</ul>")]


def test_fields_without_errors_are_left_alone(client, login, comanager):
    login(comanager)
    page = client.get("/spaces/new").get_data(as_text=True)
    assert "aria-invalid" not in page and "data-error-summary" not in page


def test_api_documentation_is_a_page_of_the_app_linked_from_the_profile(client, login, member):
    login(member)
    profile = client.get("/account/profile").get_data(as_text=True)
    assert "docs/api.md" not in profile and 'href="/help/api"' in profile
    page = client.get("/help/api").get_data(as_text=True)
    assert "<h1>Documentation de l’API</h1>" in page
    assert "/api/v1/bookings" in page and "Bearer" in page
    assert 'id="schema-Booking"' in page


def test_home_page_shows_what_the_member_owes_then_a_credit(client, login, member):
    login(member)
    assert "vous ne devez rien" in client.get("/dashboard").get_data(as_text=True)
    db.session.add(LedgerEntry(member_id=member.id, amount_cents=4250, kind="fee",
                               entry_date=date(2026, 3, 31), description="Cotisation"))
    db.session.commit()
    assert "Vous devez 42,50" in client.get("/dashboard").get_data(as_text=True)
    db.session.add(LedgerEntry(member_id=member.id, amount_cents=-5000, kind="payment",
                               entry_date=date(2026, 4, 2), description="Virement"))
    db.session.commit()
    assert "Vous avez un crédit de 7,50" in client.get("/dashboard").get_data(as_text=True)


def test_quota_form_marks_holder_fields_by_the_choice_they_belong_to(client, login, comanager):
    login(comanager)
    page = client.get("/quotas/new").get_data(as_text=True)
    for value, name in (("plan", "plan_id"), ("member", "member_id"),
                        ("organisation", "organisation_id")):
        group = re.search(
            rf'<div data-show-for="holder" data-show-value="{value}">(.*?)</div>\s*</div>',
            page, re.S)
        assert group and f'name="{name}"' in group.group(1)


def test_base_layout_gives_the_copy_buttons_their_words(client, login, member):
    login(member)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-copy-label="Copier"' in page and 'data-copied-label="Copié"' in page


def test_posting_an_allocation_asks_first_and_changes_nothing_until_confirmed(
        client, login, comanager, people):
    from sqlalchemy import func, select

    from booking.models import Expense
    from tests.test_ledger import EXPENSE_FORM

    login(comanager)
    client.post("/ledger/expenses/", data=EXPENSE_FORM)
    expense = db.session.execute(select(Expense)).scalar_one()
    asked = client.post(f"/ledger/expenses/{expense.id}/post/0")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Comptabiliser ces montants" in page
    assert 'name="confirmed" value="yes"' in page
    assert db.session.execute(select(func.count(LedgerEntry.id))).scalar() == 0
    client.post(f"/ledger/expenses/{expense.id}/post/0", data={"confirmed": "yes"})
    assert db.session.execute(select(func.count(LedgerEntry.id))).scalar() > 0


def test_closing_a_month_asks_first_with_the_month_kept_in_the_form(client, login, comanager):
    from sqlalchemy import func, select

    from booking.models import ClosedMonth

    login(comanager)
    page = client.post("/ledger/months/close", data={"month": "2026-03"}).get_data(as_text=True)
    assert "Clôturer mars 2026" in page and 'name="month" value="2026-03"' in page
    assert db.session.execute(select(func.count(ClosedMonth.id))).scalar() == 0
    client.post("/ledger/months/close", data={"month": "2026-03", "confirmed": "yes"})
    assert db.session.execute(select(func.count(ClosedMonth.id))).scalar() == 1


def test_cancelling_for_a_closure_asks_first(client, login, comanager, member, make_space,
                                            make_booking):
    from sqlalchemy import select

    from booking.models import Closure
    from tests.conftest import local

    space = make_space()
    hit = make_booking(space, member, local(2030, 3, 4, 18), local(2030, 3, 4, 20))
    login(comanager)
    db.session.add(Closure(space_id=space.id, start_at=local(2030, 3, 4, 8),
                           end_at=local(2030, 3, 5, 8), reason="Travaux"))
    db.session.commit()
    closure = db.session.execute(select(Closure)).scalar_one()
    page = client.post(f"/spaces/closures/{closure.id}", data={"message": "Désolés"}
                       ).get_data(as_text=True)
    assert 'name="message" value="Désolés"' in page
    db.session.refresh(hit)
    assert hit.status == "confirmed"


def test_each_calendar_view_has_one_main_heading(client, login, member, make_space):
    """Screen-reader users jump to the h1 to learn which day, week or month they are on."""
    space = make_space(name="Studio Bleu")
    login(member)
    for path in (f"/calendar/week?space={space.id}&date=2030-03-04",
                 f"/calendar/week?space={space.id}&date=2030-03-04&view=day",
                 "/calendar/day?date=2030-03-04",
                 f"/calendar/month?space={space.id}&date=2030-03-04"):
        response = client.get(path)
        assert response.status_code == 200, path
        headings = re.findall(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S)
        assert len(headings) == 1, (path, headings)
        assert "2030" in headings[0], (path, headings)


TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_every_scrolling_table_can_be_reached_with_the_keyboard():
    """A table wider than a phone scrolls in its box: without tabindex, keyboard users cannot
    scroll it (axe's scrollable-region-focusable)."""
    unreachable = [f"{path.relative_to(TEMPLATES)}: {tag}"
                   for path in TEMPLATES.rglob("*.html")
                   for tag in re.findall(r'<div class="table-scroll[^"]*"[^>]*>', path.read_text())
                   if 'tabindex="0"' not in tag]
    assert unreachable == []


def test_every_table_header_cell_has_words_for_screen_readers():
    empty = [str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
             if re.search(r"<th[^>]*>\s*</th>", path.read_text())]
    assert empty == []
