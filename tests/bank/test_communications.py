"""Belgian structured communications: check digits, reading them in text, one per account."""
import pytest
from sqlalchemy.exc import IntegrityError

from booking.domain import bank
from booking.extensions import db
from booking.models import AccountCommunication, Organisation


@pytest.mark.parametrize("digits", ["090933755493", "101000000114", "000000009797",
                                    "123456789002"])
def test_valid_communications_have_their_check_digits(digits):
    assert bank.is_valid(digits)


@pytest.mark.parametrize("digits", ["090933755494", "000000009700", "12345678900",
                                    "00000000000097"[:12], "abcdefghijkl", "000000000097"])
def test_wrong_check_digits_are_refused(digits):
    assert not bank.is_valid(digits)


def test_a_remainder_of_zero_gives_97():
    assert 9_700_000_000 % 97 == 0
    assert bank.check_digits("9700000000") == "97"
    assert bank.check_digits("0909337554") == "93"


def test_formatted_and_found_in_free_text():
    assert bank.formatted("090933755493") == "+++090/9337/55493+++"
    assert bank.find_in_text("merci +++090/9337/55493+++ !") == "090933755493"
    assert bank.find_in_text("***090/9337/55493***") == "090933755493"
    assert bank.find_in_text("+++090/9337/55494+++") is None  # bad check digits
    assert bank.find_in_text("loyer janvier") is None


def test_each_account_keeps_one_communication(app, make_member):
    lea, jan = make_member(), make_member()
    first = bank.communication_for(db.session, member=lea)
    again = bank.communication_for(db.session, member=lea)
    other = bank.communication_for(db.session, member=jan)
    organisation = Organisation(name="Les Décorateurs", pays_for_members=True)
    db.session.add(organisation)
    db.session.flush()
    theirs = bank.communication_for(db.session, organisation=organisation)
    db.session.commit()
    assert first.id == again.id and first.digits == again.digits
    assert len({first.digits, other.digits, theirs.digits}) == 3
    assert all(bank.is_valid(row.digits) for row in (first, other, theirs))


def test_two_accounts_cannot_share_a_communication(app, make_member):
    lea, jan = make_member(), make_member()
    db.session.add(AccountCommunication(member_id=lea.id, digits="090933755493"))
    db.session.commit()
    db.session.add(AccountCommunication(member_id=jan.id, digits="090933755493"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_clash_draws_again(app, make_member, monkeypatch):
    lea, jan = make_member(), make_member()
    db.session.add(AccountCommunication(member_id=lea.id, digits="090933755493"))
    db.session.commit()
    draws = iter(["090933755493", "101000000114"])
    monkeypatch.setattr("booking.domain.bank.communications._new_digits", lambda: next(draws))
    assert bank.communication_for(db.session, member=jan).digits == "101000000114"
