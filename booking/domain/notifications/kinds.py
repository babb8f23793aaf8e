"""What can be notified, and how each kind reads: a title and paragraphs rendered from the row's
params in the reader's language, with times in the cooperative's timezone (Babel).

Texts are rendered when read or sent, never stored, so a member who changes language reads
their notifications in the new one.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ...formatting import format_currency, format_date, format_datetime, format_time


@dataclass(frozen=True)
class Formatter:
    """Formats values for one reader: their locale, the cooperative's timezone and currency."""

    locale: str
    timezone: str
    currency: str = "EUR"

    def when(self, start: str, end: str) -> str:
        """'mardi 3 mars 2026, 10:00–13:00' (the end's day too when it is another day)."""
        zone = ZoneInfo(self.timezone)
        first = datetime.fromisoformat(start).astimezone(zone)
        last = datetime.fromisoformat(end).astimezone(zone)
        day = format_date(first, "full", zone=zone, language=self.locale)
        begins = format_time(first, zone=zone, language=self.locale)
        ends = format_time(last, zone=zone, language=self.locale)
        if first.date() != last.date():
            ends = format_datetime(last, "full", zone=zone, language=self.locale)
        return f"{day}, {begins}–{ends}"

    def moment(self, at: str) -> str:
        """'mardi 3 mars 2026, 18:00' in the cooperative's timezone."""
        return format_datetime(datetime.fromisoformat(at), "full", zone=ZoneInfo(self.timezone),
                               language=self.locale)

    def money(self, cents: int) -> str:
        return format_currency(cents / 100, self.currency, language=self.locale)

    def month(self, value: str) -> str:
        return format_date(date.fromisoformat(value), "month", language=self.locale)

    def day(self, value: str) -> str:
        return format_date(date.fromisoformat(value), "long", language=self.locale)


Text = Callable[[dict, Formatter], str]
Paragraphs = Callable[[dict, Formatter], list[str]]


@dataclass(frozen=True)
class Kind:
    """One kind of notification. `itip` is the calendar method its mail carries, if any;
    `mandatory` kinds (security) cannot be switched off."""

    name: str
    label: object
    title: Text
    body: Paragraphs
    comanagers_only: bool = False
    itip: str | None = None
    mandatory: bool = False


def _booking_line(p: dict, f: Formatter) -> str:
    return _("“%(title)s”, %(space)s, %(when)s", title=p.get("title", ""),
             space=p.get("space", ""), when=f.when(p["start"], p["end"]))


def _booked_by(p: dict) -> list[str]:
    return [_("Booked on your behalf by %(who)s.", who=p["booked_by"])] if p.get(
        "booked_by") else []


def _reason(p: dict) -> list[str]:
    return [_("Reason: %(reason)s", reason=p["reason"])] if p.get("reason") else []


def _more_dates(p: dict) -> list[str]:
    count = p.get("count", 1)
    return [_("This concerns %(n)d dates of the series.", n=count)] if count > 1 else []


def _skipped(p: dict, f: Formatter) -> list[str]:
    return [f"– {f.when(s['start'], s['end'])}: {s['why']}" for s in p.get("skipped", [])]


def _digest_body(p: dict, f: Formatter) -> list[str]:
    lines = []
    if p.get("approvals_count"):
        lines.append(_("Bookings waiting for approval: %(n)d", n=p["approvals_count"]))
        lines += [f"– {a['member']}: {a['space']}, {f.when(a['start'], a['end'])}"
                  for a in p.get("approvals", [])]
    if p.get("payments_count"):
        lines.append(_("Payments declared, to confirm: %(n)d", n=p["payments_count"]))
        lines += [f"– {x['member']}: {f.money(x['amount_cents'])} ({f.day(x['paid_on'])})"
                  for x in p.get("payments", [])]
    return lines


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("booking_confirmed", _l("Booking confirmed"),
         lambda p, f: _("Booking confirmed: %(space)s", space=p["space"]),
         lambda p, f: [_("Your booking is confirmed:"), _booking_line(p, f), *_booked_by(p)],
         itip="REQUEST"),
    Kind("booking_pending", _l("Booking waiting for approval"),
         lambda p, f: _("Booking waiting for approval: %(space)s", space=p["space"]),
         lambda p, f: [_("Your booking waits for a co-manager's approval; you will be told "
                         "their answer:"), _booking_line(p, f), *_booked_by(p)]),
    Kind("booking_participant", _l("Named on someone else's booking"),
         lambda p, f: _("You take part: %(space)s", space=p["space"]),
         lambda p, f: [_("%(who)s booked for you too:", who=p.get("by", "")),
                       _booking_line(p, f)]),
    Kind("booking_participant_removed", _l("Taken off someone else's booking"),
         lambda p, f: _("You no longer take part: %(space)s", space=p["space"]),
         lambda p, f: [_("%(who)s took you off the participants of this booking:",
                         who=p.get("by", "")), _booking_line(p, f),
                       _("It no longer shows in your bookings, calendars and feed.")]),
    Kind("booking_approved", _l("Booking approved"),
         lambda p, f: _("Booking approved: %(space)s", space=p["space"]),
         lambda p, f: [_("A co-manager approved your booking:"), _booking_line(p, f)],
         itip="REQUEST"),
    Kind("booking_rejected", _l("Booking rejected"),
         lambda p, f: _("Booking rejected: %(space)s", space=p["space"]),
         lambda p, f: [_("A co-manager rejected your booking:"), _booking_line(p, f),
                       *_reason(p)]),
    Kind("booking_changed", _l("Booking changed by someone else"),
         lambda p, f: _("Booking changed: %(space)s", space=p["space"]),
         lambda p, f: [_("%(who)s changed your booking. It is now:", who=p.get("by", "")),
                       _booking_line(p, f), *_more_dates(p)], itip="REQUEST"),
    Kind("booking_cancelled", _l("Booking cancelled by someone else"),
         lambda p, f: (_("Your booking is cancelled: %(space)s closed", space=p["space"])
                       if p.get("closure") else
                       _("Booking cancelled: %(space)s", space=p["space"])),
         lambda p, f: [(_("Your booking is cancelled because the space is closed "
                          "(%(reason)s).", reason=p.get("closure_reason", ""))
                        if p.get("closure") else
                        _("%(who)s cancelled your booking:", who=p.get("by", ""))),
                       _booking_line(p, f), *_reason(p), *_more_dates(p)], itip="CANCEL"),
    Kind("series_partly_booked", _l("Series partly booked"),
         lambda p, f: _("Series partly booked: %(space)s", space=p["space"]),
         lambda p, f: [ngettext("%(num)d date of your series “%(title)s” is booked; these "
                                "could not be:",
                                "%(num)d dates of your series “%(title)s” are booked; these "
                                "could not be:", p["booked"], title=p.get("title", "")),
                       *_skipped(p, f)]),
    Kind("booking_no_show", _l("Booking marked as a no-show"),
         lambda p, f: _("No-show: %(space)s", space=p["space"]),
         lambda p, f: [_("You did not check in for this booking, so it is marked as a no-show:"),
                       _booking_line(p, f),
                       *([_("The rest of the slot was freed for others.")]
                         if p.get("released") else []),
                       *([_("A no-show fee of %(amount)s is added to your account.",
                            amount=f.money(p["fee_cents"]))] if p.get("fee_cents") else [])]),
    Kind("waitlist_offer", _l("A slot you wait for is free"),
         lambda p, f: _("Free for you: %(space)s", space=p["space"]),
         lambda p, f: [_("A time you wait for at %(space)s is free and held for you until "
                         "%(until)s:", space=p["space"], until=f.moment(p["expires"])),
                       f.when(p["start"], p["end"]),
                       _("Open your waiting list to book it; after that it goes to the next "
                         "in line.")]),
    Kind("waitlist_booked", _l("Booked for you from the waiting list"),
         lambda p, f: _("Booked from the waiting list: %(space)s", space=p["space"]),
         lambda p, f: [_("The time you waited for freed up and is booked for you, as you "
                         "asked:"), _booking_line(p, f)]),
    Kind("waitlist_removed", _l("Taken off a waiting list by a co-manager"),
         lambda p, f: _("Off the waiting list: %(space)s", space=p["space"]),
         lambda p, f: [_("%(who)s took you off the waiting list for this time at %(space)s:",
                         who=p.get("by", ""), space=p["space"]),
                       f.when(p["start"], p["end"]), *_reason(p),
                       _("If you still need this time, ask the co-managers or choose another "
                         "time in the booking form.")]),
    Kind("booking_reminder", _l("Reminder before a booking"),
         lambda p, f: _("Reminder: %(space)s", space=p["space"]),
         lambda p, f: [_("Your booking is coming up:"), _booking_line(p, f)]),
    Kind("payment_recorded", _l("Payment recorded"),
         lambda p, f: _("Payment recorded: %(amount)s", amount=f.money(p["amount_cents"])),
         lambda p, f: [_("A co-manager recorded your payment of %(amount)s of %(day)s.",
                         amount=f.money(p["amount_cents"]), day=f.day(p["paid_on"]))]),
    Kind("payment_confirmed", _l("Payment confirmed"),
         lambda p, f: _("Payment confirmed: %(amount)s", amount=f.money(p["amount_cents"])),
         lambda p, f: [_("A co-manager confirmed the payment of %(amount)s you declared "
                         "(%(day)s).", amount=f.money(p["amount_cents"]),
                         day=f.day(p["paid_on"]))]),
    Kind("payment_matched", _l("Bank transfer received"),
         lambda p, f: _("Transfer received: %(amount)s", amount=f.money(p["amount_cents"])),
         lambda p, f: [_("Your bank transfer of %(amount)s of %(day)s arrived on the "
                         "cooperative's account: it is counted as your payment.",
                         amount=f.money(p["amount_cents"]), day=f.day(p["paid_on"]))]),
    Kind("payment_reminder", _l("Reminder of an amount due"),
         lambda p, f: _("Amount due: %(amount)s", amount=f.money(p["amount_cents"])),
         lambda p, f: [_("Your account has owed %(amount)s for a while. If you have already "
                         "paid, thank you and ignore this message; otherwise you can pay by "
                         "transfer:", amount=f.money(p["amount_cents"])),
                       _("To %(beneficiary)s, IBAN %(iban)s, BIC %(bic)s, with the "
                         "communication %(communication)s.", beneficiary=p["beneficiary"],
                         iban=p["iban"], bic=p["bic"], communication=p["communication"]),
                       _("Your statement shows the details and a QR code a banking app "
                         "scans.")]),
    Kind("statement_ready", _l("The monthly statement is ready"),
         lambda p, f: _("Statement of %(month)s ready", month=f.month(p["month"])),
         lambda p, f: [_("The co-managers closed %(month)s: your statement for that month is "
                         "final. See what you owe and how to pay.", month=f.month(p["month"]))]),
    Kind("charter_version", _l("A new charter version to accept"),
         lambda p, f: _("Charter version %(n)d to accept", n=p["number"]),
         lambda p, f: [_("The co-managers published version %(n)d of the charter. Read it and "
                         "accept it before your next booking.", n=p["number"]),
                       *([p["summary"]] if p.get("summary") else [])]),
    Kind("proposal_opened", _l("A proposal is open for votes"),
         lambda p, f: _("Proposal open: %(title)s", title=p["title"]),
         lambda p, f: [_("A proposal is open for your vote until %(when)s.",
                         when=f.moment(p["closes_at"]))]),
    Kind("proposal_closing", _l("A proposal closes within 24 hours"),
         lambda p, f: _("Closing soon: %(title)s", title=p["title"]),
         lambda p, f: [_("The vote closes on %(when)s. Vote now if you have not.",
                         when=f.moment(p["closes_at"]))]),
    Kind("proposal_closed", _l("A proposal is closed"),
         lambda p, f: _("Proposal closed: %(title)s", title=p["title"]),
         lambda p, f: [_("The vote is closed. See the outcome and the counts on its page.")]),
    Kind("article_edit_proposed", _l("An edit proposed to a co-managers-only article"),
         lambda p, f: _("Edit proposed: %(title)s", title=p["title"]),
         lambda p, f: [_("%(who)s proposed a change to “%(title)s”. Read it, then accept it "
                         "or decline it.", who=p.get("by", ""), title=p["title"]),
                       *([_("What changed: %(summary)s", summary=p["summary"])]
                         if p.get("summary") else [])], comanagers_only=True),
    Kind("article_edit_decided", _l("Your proposed edit was accepted or declined"),
         lambda p, f: (_("Your edit is accepted: %(title)s", title=p["title"])
                       if p.get("accepted") else
                       _("Your edit is declined: %(title)s", title=p["title"])),
         lambda p, f: [(_("%(who)s accepted your change to “%(title)s”: it is now the "
                          "article's text.", who=p.get("by", ""), title=p["title"])
                        if p.get("accepted") else
                        _("%(who)s declined your change to “%(title)s”. Ask them why in a "
                          "question on the article if you want to try again.",
                          who=p.get("by", ""), title=p["title"]))]),
    Kind("question_answered", _l("An answer to your toolbox question"),
         lambda p, f: _("New answer: %(title)s", title=p["title"]),
         lambda p, f: [_("%(who)s answered your question “%(title)s”. If it helped, mark it "
                         "as the answer that helped.", who=p.get("by", ""), title=p["title"])]),
    Kind("article_question", _l("A question on an article you wrote"),
         lambda p, f: _("Question on your article: %(article)s", article=p["article"]),
         lambda p, f: [_("%(who)s asked “%(question)s” about your article “%(article)s”.",
                         who=p.get("by", ""), question=p["question"],
                         article=p["article"])]),
    Kind("approval_needed", _l("A booking needs approval"),
         lambda p, f: _("To approve: %(space)s", space=p["space"]),
         lambda p, f: [_("%(member)s asks to book:", member=p.get("requester", "")),
                       _booking_line(p, f)], comanagers_only=True),
    Kind("comanager_digest", _l("Daily digest for co-managers"),
         lambda p, f: _("What waits for you today"), _digest_body, comanagers_only=True),
)}


def kinds_for(is_comanager: bool) -> list[Kind]:
    """The kinds a member can receive, in the order the preferences page lists them."""
    return [k for k in KINDS.values() if is_comanager or not k.comanagers_only]
