"""JSON Schemas (2020-12, as OpenAPI 3.1 uses) of what the API reads and writes.

Request schemas are enforced on every call (booking.api.inputs.validated_body), so the
description and the behaviour cannot drift apart.
"""
from __future__ import annotations

from ..models.ledger import CATEGORIES, ENTRY_KINDS, METHODS, PAYMENT_METHODS

MAX_INT = 2**31 - 1
ID = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_INT}
INSTANT = {"type": "string", "format": "date-time",
           "description": "RFC 3339 with an offset, e.g. 2026-12-01T18:00:00+01:00.",
           "examples": ["2026-12-01T18:00:00+01:00"]}
NULLABLE_INSTANT = {**INSTANT, "type": ["string", "null"]}
CLOCK = {"type": "string", "pattern": r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"}
DAY_HOURS = {"type": "array", "maxItems": 12,
             "items": {"type": "array", "prefixItems": [CLOCK, CLOCK], "minItems": 2,
                       "maxItems": 2}}
DATE = {"type": "string", "format": "date", "description": "A local date, YYYY-MM-DD.",
        "examples": ["2026-11-01"]}
CENTS = {"type": "integer", "minimum": 1, "maximum": 1_000_000_000,
         "description": "A positive amount in euro cents (12050 = 120,50 €)."}
SIGNED_CENTS = {"type": "integer",
                "description": "Euro cents: + owed to the collective, - paid or credited."}
BASIS = {"type": "object",
         "description": "Why the amount is what it is: {method: usage, minutes, total, space}, "
                        "{method: shares, shares, total}, {method: equal, count}, {method: "
                        "mixed, percent, parts: [...]}, {method: contribution | overage, "
                        "minutes, rate_cents}; {} when there is nothing to explain."}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPACE_KINDS = ["rehearsal_room", "decor_workshop", "storage", "equipment"]


PARTICIPANT_IDS = {"type": "array", "items": ID, "minItems": 1, "maxItems": 1000,
                   "uniqueItems": True}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _int(minimum: int, maximum: int, description: str = "") -> dict:
    schema = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if description:
        schema["description"] = description
    return schema


SPACE_SETTINGS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 120},
    "kind": {"type": "string", "enum": SPACE_KINDS},
    "description": {"type": "string", "maxLength": 5000},
    "address": {"type": "string", "maxLength": 255},
    "capacity": _int(0, 10000, "How many people fit."),
    "hourly_weight": {"type": "number", "minimum": 0, "maximum": 100,
                      "description": "Weight of one hour here when costs are shared by "
                                     "usage (1.5 = one hour counts 1.5)."},
    "hourly_rate_cents": _int(0, 10_000_000, "Price of an overage hour, in cents."),
    "needs_approval": {"type": "boolean"},
    "show_titles": {"type": "boolean",
                    "description": "Whether every member sees booking titles (else null)."},
    "active": {"type": "boolean", "description": "false: archived, no new bookings."},
    "opening_hours": _ref("OpeningHours"),
    "slot_minutes": {"type": "integer", "enum": [15, 30, 60]},
    "min_minutes": _int(15, 20160),
    "max_minutes": _int(15, 20160),
    "horizon_days": _int(1, 730),
    "notice_minutes": _int(0, 43200),
    "buffer_minutes": _int(0, 1440),
    "cancel_notice_hours": _int(0, 720),
    "checkin_required": {"type": "boolean",
                         "description": "Members check in; without it a booking is a no-show."},
    "checkin_opens_minutes": _int(0, 1440, "Check-in opens this long before the start."),
    "checkin_grace_minutes": _int(1, 1440, "No-show when not checked in this long after "
                                           "the start."),
    "checkin_release": {"type": "boolean",
                        "description": "A no-show frees the rest of the slot (cancelled)."},
    "no_show_cost": {"type": "string", "enum": ["quota", "fee"],
                     "description": "The hours count in the quota anyway, or a fee is posted."},
    "no_show_fee_cents": _int(0, 1_000_000, "The no-show fee, in cents."),
    "waitlist_offer_minutes": _int(1, 10080, "How long a freed slot is held for the first "
                                             "on its waiting list."),
}
# What a caller sends: the same, with opening hours also written as text.
SPACE_INPUT = {**SPACE_SETTINGS, "opening_hours": _ref("OpeningHoursInput")}

COMPONENTS: dict = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "description": "urn:mutualise:problem:<slug>"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "conflicts": {"type": "array", "items": _ref("Interval")},
            "suggestions": {"type": "array", "items": _ref("AvailableSlot")},
            "errors": {"type": "array", "items": {
                "type": "object", "properties": {"field": {"type": "string"},
                                                 "detail": {"type": "string"}}}},
        },
    },
    "Interval": {
        "type": "object", "required": ["start", "end"],
        "properties": {"start": INSTANT, "end": INSTANT},
    },
    "OpeningHours": {
        "type": "object", "additionalProperties": False,
        "description": "Local wall-clock ranges per weekday; [] is closed; 24:00 is midnight.",
        "properties": {day: DAY_HOURS for day in WEEKDAYS},
        "examples": [{"mon": [["08:00", "23:00"]], "sun": []}],
    },
    "Space": {
        "type": "object",
        "required": ["id", "name", "kind", "capacity", "hourly_weight", "needs_approval",
                     "active", "opening_hours", "slot_minutes", "min_minutes", "max_minutes",
                     "horizon_days", "notice_minutes", "buffer_minutes"],
        "properties": {"id": ID, **SPACE_SETTINGS},
    },
    "OpeningHoursInput": {
        "type": "object", "additionalProperties": False,
        "description": "Per weekday, ranges as in the answers, or written as on the space "
                       "form: \"10h-22h\", \"10:00-22:00\", \"8h30-12h, 13h-23h\" (\"\" "
                       "is closed; 24:00 or 24h is midnight). Answers always give the ranges.",
        "properties": {day: {"oneOf": [DAY_HOURS, {"type": "string", "maxLength": 200}]}
                       for day in WEEKDAYS},
        "examples": [{"mon": "10h-22h", "tue": [["08:00", "23:00"]], "sun": ""}],
    },
    "SpaceCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["name", "kind", "opening_hours"],
        "properties": SPACE_INPUT,
    },
    "SpaceUpdate": {
        "type": "object", "additionalProperties": False, "properties": SPACE_INPUT,
    },
    "ClosureCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["space_id", "start", "end", "reason"],
        "properties": {"space_id": {**NULLABLE_ID, "description": "null closes every space."},
                       "start": INSTANT, "end": INSTANT,
                       "reason": {"type": "string", "minLength": 1, "maxLength": 200},
                       "cancel_hit_bookings": {
                           "type": "boolean", "default": False,
                           "description": "Cancel the future active bookings the closure "
                                          "hits, as the closure's page does; each member is "
                                          "notified with `message`."},
                       "message": {"type": "string", "maxLength": 1000,
                                   "description": "Why their bookings are cancelled: "
                                                  "required with cancel_hit_bookings."}},
    },
    "Closure": {
        "type": "object", "required": ["id", "space_id", "start", "end", "reason"],
        "properties": {"id": ID, "space_id": NULLABLE_ID, "start": INSTANT, "end": INSTANT,
                       "reason": {"type": "string"},
                       "affected_booking_ids": {
                           "type": "array", "items": ID,
                           "description": "Active bookings the closure still hits (those "
                                          "not cancelled: all of them without "
                                          "cancel_hit_bookings, past ones with it)."},
                       "cancelled_booking_ids": {
                           "type": "array", "items": ID,
                           "description": "Bookings cancelled by this call "
                                          "(cancel_hit_bookings)."}},
    },
    "Booking": {
        "type": "object",
        "required": ["id", "space_id", "member_id", "start", "end", "title", "status",
                     "sequence"],
        "properties": {
            "id": ID, "space_id": ID, "member_id": ID, "series_id": NULLABLE_ID,
            "start": INSTANT, "end": INSTANT,
            "title": {"type": ["string", "null"],
                      "description": "null when the space hides others' titles."},
            "note": {"type": ["string", "null"]},
            "status": {"type": "string",
                       "enum": ["pending", "confirmed", "cancelled", "rejected"]},
            "sequence": {"type": "integer", "description": "Bumped at each change."},
            "late_cancellation": {"type": "boolean"},
            "equipment": {"type": "array", "items": _ref("EquipmentLine"),
                          "description": "Equipment reserved with the space."},
            "checked_in_at": NULLABLE_INSTANT,
            "no_show": {"type": "boolean",
                        "description": "Not checked in on a space requiring check-in."},
            "reason": {"type": ["string", "null"],
                       "description": "Why it was cancelled or rejected (owner and "
                                      "co-managers only)."},
            "updated_at": INSTANT,
            "overage_minutes": {"type": "integer", "minimum": 0,
                                "description": "Minutes beyond a quota billed as overage."},
            "created_by": {**NULLABLE_ID,
                           "description": "Who made it: the member, or the co-manager who "
                                          "booked on their behalf (null before 2026-12)."},
            "for_organisation": {"type": "boolean",
                                 "description": "Booked for the member's organisation."},
            "participant_ids": {"type": "array", "items": ID,
                                "description": "Members named as taking part (owner, "
                                               "participants and co-managers only)."},
            "role": {"type": "string", "enum": ["booker", "participant"],
                     "description": "With mine=true: the caller's part in it."},
        },
    },
    "Availability": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("AvailableSlot")}},
    },
    "AvailableSlot": {
        "type": "object",
        "required": ["space_id", "start", "end", "needs_approval", "quota_left_minutes"],
        "properties": {
            "space_id": ID, "start": INSTANT, "end": INSTANT,
            "needs_approval": {"type": "boolean"},
            "quota_left_minutes": {"type": ["integer", "null"],
                                   "description": "Quota minutes left in the slot's period "
                                                  "(null: no quota applies)."},
            "overage_minutes": {"type": "integer", "minimum": 0},
            "why": {"type": "array", "items": {"type": "string"},
                    "description": "Why it needs approval or costs overage."},
        },
    },
    "Recurrence": {
        "type": "object", "additionalProperties": False, "required": ["freq"],
        "properties": {"freq": {"type": "string", "enum": ["weekly", "monthly"]},
                       "interval": _int(1, 12), "count": _int(1, 200),
                       "until": {"type": "string", "format": "date",
                                 "description": "Last date (YYYY-MM-DD), local."}},
    },
    "BookingCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["space_id", "start", "end", "title"],
        "properties": {"space_id": ID, "start": INSTANT, "end": INSTANT,
                       "title": {"type": "string", "minLength": 1, "maxLength": 200},
                       "note": {"type": "string", "maxLength": 2000},
                       "recurrence": _ref("Recurrence"),
                       "member_id": {**ID, "description": "Co-managers: book on behalf of "
                                                          "this member (403 otherwise)."},
                       "participant_ids": {"type": "array", "items": ID, "maxItems": 50,
                                           "description": "Members taking part."},
                       "for_organisation": {"type": "boolean",
                                            "description": "Book for the member's "
                                                           "organisation (its pool counts)."},
                       "equipment": {
                           "type": "array", "maxItems": 20, "items": _ref("EquipmentRequest"),
                           "description": "Units of equipment to reserve with the space "
                                          "(single bookings; not with recurrence)."}},
    },
    "EquipmentRequest": {
        "type": "object", "additionalProperties": False, "required": ["item_id", "quantity"],
        "properties": {"item_id": ID, "quantity": _int(1, 10000)},
    },
    "EquipmentChange": {
        "type": "object", "additionalProperties": False, "required": ["equipment"],
        "properties": {"equipment": {
            "type": "array", "maxItems": 20, "items": _ref("EquipmentRequest"),
            "description": "Every item the booking is to hold, with its units."}},
    },
    "EquipmentLine": {
        "type": "object", "required": ["item_id", "name", "quantity"],
        "properties": {"item_id": ID, "name": {"type": "string"},
                       "quantity": {"type": "integer"}},
    },
    "EquipmentItem": {
        "type": "object", "required": ["id", "name", "quantity", "space_ids", "active"],
        "properties": {"id": ID, "name": {"type": "string"}, "description": {"type": "string"},
                       "quantity": {"type": "integer"},
                       "hourly_weight": {"type": "number",
                                         "description": "What one unit adds per hour when "
                                                        "costs are shared by usage."},
                       "space_ids": {"type": "array", "items": ID,
                                     "description": "Spaces it may be used in; [] any."},
                       "active": {"type": "boolean"}},
    },
    "WaitlistCreate": {
        "type": "object", "additionalProperties": False, "required": ["space_id", "start", "end"],
        "properties": {"space_id": ID, "start": INSTANT, "end": INSTANT,
                       "auto_book": {"type": "boolean",
                                     "description": "Book it for me if it frees up (when every "
                                                    "rule passes); else an offer is sent."}},
    },
    "WaitlistEntry": {
        "type": "object",
        "required": ["id", "space_id", "member_id", "start", "end", "auto_book", "status",
                     "position"],
        "properties": {
            "id": ID, "space_id": ID, "member_id": ID, "start": INSTANT, "end": INSTANT,
            "auto_book": {"type": "boolean"},
            "status": {"type": "string",
                       "enum": ["waiting", "offered", "booked", "expired", "cancelled",
                                "removed"],
                       "description": "cancelled: the member left the line; removed: a "
                                      "co-manager took them off it (they were told why)."},
            "position": {"type": ["integer", "null"],
                         "description": "Place in the line (1 = next); null once served."},
            "offer_expires_at": NULLABLE_INSTANT, "booking_id": NULLABLE_ID,
        },
    },
    "WaitlistRemove": {
        "type": "object", "additionalProperties": False, "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500,
                                  "description": "Why; the member reads it."}},
    },
    "WaitlistAccept": {
        "type": "object", "additionalProperties": False, "required": ["title"],
        "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200}},
    },
    "SeriesCreated": {
        "type": "object", "required": ["series_id", "created", "skipped"],
        "properties": {
            "series_id": ID,
            "created": {"type": "array", "items": _ref("Booking")},
            "skipped": {"type": "array", "items": {
                "type": "object", "required": ["start", "end", "problem"],
                "properties": {"start": INSTANT, "end": INSTANT,
                               "problem": {"type": "string"}}}},
        },
    },
    "BookingUpdate": {
        "type": "object", "additionalProperties": False,
        "properties": {"start": INSTANT, "end": INSTANT,
                       "title": {"type": "string", "minLength": 1, "maxLength": 200},
                       "note": {"type": "string", "maxLength": 2000},
                       "scope": {"type": "string", "enum": ["one", "following", "all"],
                                 "description": "For a series: this date only (default), "
                                                "this one and the following, or all."},
                       "participant_ids": {"type": "array", "items": ID, "maxItems": 50,
                                           "description": "Members taking part, replacing "
                                                          "those named (this booking only; "
                                                          "[]: none)."}},
    },
    "Cancel": {
        "type": "object", "additionalProperties": False,
        "properties": {"reason": {"type": "string", "maxLength": 2000},
                       "scope": {"type": "string", "enum": ["one", "following", "all"]}},
    },
    "Reject": {
        "type": "object", "additionalProperties": False, "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000}},
    },
    "Me": {
        "type": "object", "required": ["id", "name", "email", "role", "plan", "feed_url"],
        "properties": {
            "id": ID, "name": {"type": "string"}, "email": {"type": "string"},
            "phone": {"type": "string"},
            "role": {"type": "string", "enum": ["member", "comanager", "admin"]},
            "locale": {"type": ["string", "null"]},
            "organisation": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["id", "name"],
                "properties": {"id": ID, "name": {"type": "string"}}}]},
            "plan": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["id", "name"],
                "properties": {"id": ID, "name": {"type": "string"},
                               "monthly_fee_cents": {"type": "integer"},
                               "shares": {"type": "integer"}}}]},
            "feed_url": {"type": ["string", "null"],
                         "description": "Always null: feed tokens are stored hashed, so "
                                        "the feed URL is shown once, when made (POST "
                                        "/me/feed or the profile page)."},
            "has_feed": {"type": "boolean",
                         "description": "Whether the caller has working feed addresses."},
        },
    },
    "FeedLinks": {
        "type": "object",
        "required": ["feed_url", "webcal_url", "spaces", "all_spaces_url"],
        "properties": {
            "feed_url": {"type": "string", "format": "uri",
                         "description": "The caller's bookings (https), for any calendar "
                                        "app; secret: anyone with it reads them."},
            "webcal_url": {"type": "string",
                           "description": "The same as webcal://, to subscribe in one click."},
            "spaces": {"type": "array", "items": {
                "type": "object", "required": ["space_id", "name", "url", "webcal_url"],
                "properties": {"space_id": ID, "name": {"type": "string"},
                               "url": {"type": "string", "format": "uri"},
                               "webcal_url": {"type": "string"}}},
                       "description": "Each space's calendar (bookings and closures)."},
            "all_spaces_url": {"type": ["string", "null"],
                               "description": "Co-managers: every space, with who booked; "
                                              "null for members."},
        },
    },
    "QuotaUsage": {
        "type": "object",
        "required": ["rule_id", "rule", "period", "period_start", "period_end", "used",
                     "limit", "left", "over_limit"],
        "properties": {
            "rule_id": ID, "rule": {"type": "string", "description": "The rule in words."},
            "period": {"type": "string", "enum": ["week", "month"]},
            "period_start": INSTANT, "period_end": INSTANT,
            "used": {"type": "number", "description": "Hours (weighted) counted."},
            "limit": {"type": "number", "description": "Hours allowed."},
            "left": {"type": "number", "description": "Hours left."},
            "over_limit": {"type": "string", "enum": ["refuse", "approval", "overage"]},
        },
    },
    "QuotaRuleCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["period", "hours", "over_limit"],
        "description": "Exactly one of plan_id, member_id, organisation_id; exactly one of "
                       "space_id, space_kind.",
        "properties": {
            "plan_id": NULLABLE_ID, "member_id": NULLABLE_ID, "organisation_id": NULLABLE_ID,
            "space_id": NULLABLE_ID,
            "space_kind": {"type": ["string", "null"], "enum": [*SPACE_KINDS, None]},
            "period": {"type": "string", "enum": ["week", "month"]},
            "hours": {"type": "number", "minimum": 0, "maximum": 10000},
            "over_limit": {"type": "string", "enum": ["refuse", "approval", "overage"]},
            "peak_weight": {"type": "number", "minimum": 1, "maximum": 10,
                            "description": "Weight of peak hours (1.5 = count 1.5x)."},
            "peak_from": {"oneOf": [{"type": "null"}, CLOCK],
                          "description": "Local time from which evening hours are peak."},
            "peak_weekends": {"type": "boolean"},
        },
    },
    "QuotaRule": {
        "type": "object", "required": ["id", "period", "hours", "over_limit"],
        "properties": {
            "id": ID, "plan_id": NULLABLE_ID, "member_id": NULLABLE_ID,
            "organisation_id": NULLABLE_ID, "space_id": NULLABLE_ID,
            "space_kind": {"type": ["string", "null"]},
            "period": {"type": "string"}, "hours": {"type": "number"},
            "over_limit": {"type": "string"}, "peak_weight": {"type": "number"},
            "peak_from": {"type": ["string", "null"]}, "peak_weekends": {"type": "boolean"},
            "description": {"type": "string"},
        },
    },
    "UsageRow": {
        "type": "object",
        "required": ["member_id", "space_id", "hours", "weighted_hours", "share"],
        "properties": {
            "member_id": ID, "member_name": {"type": "string"}, "space_id": ID,
            "hours": {"type": "number"}, "weighted_hours": {"type": "number"},
            "share": {"type": "number",
                      "description": "Percent of all weighted hours of the period."},
            "late_cancellations": {"type": "integer"},
            "overage_hours": {"type": "number"},
        },
    },
    "LedgerEntry": {
        "type": "object",
        "required": ["id", "date", "kind", "description", "amount_cents", "balance_cents",
                     "basis"],
        "properties": {
            "id": ID, "date": DATE, "kind": {"type": "string", "enum": list(ENTRY_KINDS)},
            "description": {"type": "string"}, "amount_cents": SIGNED_CENTS,
            "balance_cents": {"type": "integer", "description": "Running balance after it."},
            "basis": BASIS, "allocation_id": NULLABLE_ID, "payment_id": NULLABLE_ID,
            "reverses_id": {**NULLABLE_ID, "description": "The entry a reversal cancels."},
            "reason": {"type": "string", "description": "Why a correction was made."},
        },
    },
    "SurveyResults": {
        "type": "object", "required": ["survey_id", "title", "total", "questions"],
        "properties": {
            "survey_id": ID, "title": {"type": "string"},
            "total": {"type": "integer", "description": "Responses counted."},
            "questions": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "number", "kind", "text", "respondents", "options"],
                "properties": {
                    "id": ID, "number": {"type": "integer"}, "kind": {"type": "string"},
                    "text": {"type": "string"}, "respondents": {"type": "integer"},
                    "options": {"type": "array", "items": {
                        "type": "object", "required": ["id", "label", "count", "share"],
                        "properties": {"id": ID, "label": {"type": "string"},
                                       "count": {"type": "integer"},
                                       "share": {"type": "number",
                                                 "description": "0 to 1 of respondents"}}}},
                    "other_count": {"type": ["integer", "null"]},
                    "mean": {"type": ["number", "null"]},
                    "median": {"type": ["number", "null"]},
                    "distribution": {"type": "array", "items": {
                        "type": "object", "required": ["value", "count"],
                        "properties": {"value": {"type": "number"},
                                       "count": {"type": "integer"}}}},
                    "text_count": {"type": "integer",
                                   "description": "Free-text answers (read them on the "
                                                  "results page)."},
                }}},
        },
    },
    "MyLedger": {
        "type": "object", "required": ["member_id", "balance_cents", "entries"],
        "properties": {
            "member_id": ID,
            "balance_cents": {"type": "integer",
                              "description": "+ the caller owes the collective, - is owed."},
            "organisation_id": {
                **NULLABLE_ID,
                "description": "When set, the caller's charges go to this organisation's "
                               "account (it pays for its members), not to these entries."},
            "entries": {"type": "array", "items": _ref("LedgerEntry")},
        },
    },
    "Balance": {
        "type": "object",
        "required": ["member_id", "organisation_id", "name", "balance_cents"],
        "description": "One account: a member's (organisation_id null) or an organisation's "
                       "that pays for its members (member_id null).",
        "properties": {"member_id": NULLABLE_ID, "organisation_id": NULLABLE_ID,
                       "name": {"type": "string"},
                       "balance_cents": {"type": "integer",
                                         "description": "+ owed to the collective."}},
    },
    "AllocationKey": {
        "type": "object", "additionalProperties": False, "required": ["method"],
        "properties": {
            "method": {"type": "string", "enum": list(METHODS),
                       "description": "usage: by weighted hours booked in the period (in "
                                      "space_id only, when given); equal; shares: by the "
                                      "plans' cost shares; mixed: fixed_percent by fixed_base, "
                                      "the rest by usage."},
            "fixed_percent": _int(0, 100, "For mixed (required there): the percent shared "
                                          "by fixed_base."),
            "fixed_base": {"type": "string", "enum": ["shares", "equal"],
                           "description": "For mixed: how the fixed part is shared "
                                          "(default shares)."},
        },
    },
    "ExpenseCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["label", "category", "amount_cents", "period_start", "period_end",
                     "allocation"],
        "properties": {
            "label": {"type": "string", "minLength": 1, "maxLength": 200},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "amount_cents": CENTS, "period_start": DATE,
            "period_end": {**DATE, "description": "Last day covered (included), on or after "
                                                  "period_start."},
            "spent_on": {**DATE, "description": "Date of the invoice (default: today)."},
            "space_id": {**NULLABLE_ID, "description": "The space the cost concerns; usage "
                                                       "then counts hours in it only."},
            "spread_months": _int(1, 240, "Spread over this many monthly portions from the "
                                          "month of period_start (default 1)."),
            "allocation": _ref("AllocationKey"),
            "participant_ids": {**PARTICIPANT_IDS, "description": (
                "For the equal key (or a mixed key with fixed_base equal): the ids of the "
                "active members who share the equal part, as the cost page's checklist "
                "chooses them. Left out: the active members with a plan (not admins, not "
                "members without a plan). 422 for an id that is not an active member, or "
                "for another key.")},
        },
    },
    "AllocationRequest": {
        "type": "object", "additionalProperties": False,
        "description": "Optional: an empty body shares as saved for the expense.",
        "properties": {
            "participant_ids": {**PARTICIPANT_IDS, "description": (
                "Who shares the equal part (ids of active members), as on the cost page: "
                "with preview=true tried without being saved; when posting, saved for the "
                "expense (later posts and corrections use it) and then posted. Left out: "
                "the expense's saved choice, else the active members with a plan. 422 for "
                "an id that is not an active member, or for a key without an equal part.")},
        },
    },
    "Expense": {
        "type": "object",
        "required": ["id", "label", "category", "amount_cents", "period_start", "period_end",
                     "allocation", "portions"],
        "properties": {
            "id": ID, "label": {"type": "string"},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "amount_cents": {"type": "integer"}, "spent_on": DATE, "period_start": DATE,
            "period_end": DATE, "space_id": NULLABLE_ID, "spread_months": {"type": "integer"},
            "participant_ids": {"type": ["array", "null"], "items": ID,
                                "description": "Who shares the equal part, when chosen; "
                                               "null: the active members with a plan."},
            "allocation": {
                "type": "object", "required": ["method"],
                "properties": {"method": {"type": "string", "enum": list(METHODS)},
                               "fixed_percent": {"type": ["integer", "null"]},
                               "fixed_base": {"type": ["string", "null"]}}},
            "portions": {"type": "array", "items": {
                "type": "object",
                "required": ["portion", "period_start", "period_end", "amount_cents", "posted"],
                "properties": {"portion": {"type": "integer", "minimum": 0},
                               "period_start": DATE, "period_end": DATE,
                               "amount_cents": {"type": "integer"},
                               "posted": {"type": "boolean"}}}},
        },
    },
    "AllocationLine": {
        "type": "object", "required": ["member_id", "organisation_id", "amount_cents", "basis"],
        "properties": {
            "member_id": {**NULLABLE_ID,
                          "description": "The member whose use or share makes this part."},
            "organisation_id": {**NULLABLE_ID,
                                "description": "The account charged when the member's "
                                               "organisation pays for its members."},
            "amount_cents": SIGNED_CENTS,
            "percent": {"type": "number", "description": "Percent of the portion."},
            "kind": {"type": "string", "enum": ["allocation", "adjustment"],
                     "description": "adjustment: the credit of a member who advanced the "
                                    "cost."},
            "basis": BASIS,
        },
    },
    "PaymentCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["member_id", "amount_cents", "date", "method"],
        "properties": {
            "member_id": ID, "amount_cents": CENTS,
            "date": {**DATE, "description": "Day the money was received."},
            "method": {"type": "string", "enum": list(PAYMENT_METHODS)},
            "reference": {"type": "string", "maxLength": 120},
        },
    },
    "Payment": {
        "type": "object",
        "required": ["id", "member_id", "amount_cents", "date", "method", "reference",
                     "status"],
        "properties": {
            "id": ID, "member_id": ID, "amount_cents": {"type": "integer"}, "date": DATE,
            "method": {"type": "string", "enum": list(PAYMENT_METHODS)},
            "reference": {"type": "string"},
            "status": {"type": "string", "enum": ["declared", "confirmed", "rejected"]},
        },
    },
}
