"""JSON Schemas of the charter and proposals API (merged into the API's components)."""
from __future__ import annotations

from ..models.governance import (
    CONSENT_CHOICES,
    DECISION_KINDS,
    HORIZONS,
    MAJORITY_CHOICES,
    OUTCOMES,
    PROPOSAL_STATUSES,
    THRESHOLDS,
    VOTERS,
)
from ..models.ledger import CATEGORIES
from .schemas import ID, INSTANT, MAX_INT, NULLABLE_ID, NULLABLE_INSTANT

OPTION_INDEX = {"type": "integer", "minimum": 0, "maximum": 19}
COUNT = {"type": "integer", "minimum": 0}

GOVERNANCE_SCHEMAS = {
    "Charter": {
        "type": "object",
        "required": ["version", "published_at", "summary", "body_html", "accepted",
                     "requires_acceptance", "deposit_cents", "deposit_held_cents",
                     "deposit_required_to_book", "read_url"],
        "properties": {
            "version": {"type": "integer", "minimum": 1}, "published_at": INSTANT,
            "summary": {"type": "string"},
            "body_html": {"type": "string", "description": "The Markdown, sanitised."},
            "accepted": {"type": "boolean",
                         "description": "Whether the caller accepted the version in force."},
            "requires_acceptance": {"type": "boolean",
                                    "description": "false: a minor version, no new "
                                                   "acceptance needed."},
            "deposit_cents": {**COUNT, "description": "The deposit asked of the caller's plan."},
            "deposit_held_cents": {**COUNT, "description": "The caller's deposits held."},
            "deposit_required_to_book": {"type": "boolean"},
            "read_url": {"type": "string", "description": "The page to read and accept it."},
        },
    },
    "CharterPublish": {
        "type": "object", "additionalProperties": False,
        "required": ["body_markdown", "summary", "requires_acceptance"],
        "properties": {
            "body_markdown": {"type": "string", "minLength": 1, "maxLength": 100000},
            "summary": {"type": "string", "maxLength": 2000,
                        "description": "What changed since the previous version."},
            "requires_acceptance": {"type": "boolean",
                                    "description": "false marks a minor version."},
            "deposit_required_to_book": {"type": "boolean"},
            "deposits": {"type": "array", "maxItems": 50, "items": {
                "type": "object", "additionalProperties": False,
                "required": ["plan_id", "amount_cents"],
                "properties": {"plan_id": ID,
                               "amount_cents": {"type": "integer", "minimum": 0,
                                                "maximum": 100_000_000}}}},
        },
    },
    "CharterAccept": {
        "type": "object", "additionalProperties": False, "required": ["version"],
        "properties": {"version": {"type": "integer", "minimum": 1, "maximum": MAX_INT}},
    },
    "CharterAcceptance": {
        "type": "object",
        "required": ["member_id", "name", "accepted_version", "accepted_at", "up_to_date",
                     "deposit_cents", "deposit_held_cents"],
        "properties": {
            "member_id": ID, "name": {"type": "string"},
            "accepted_version": {"type": ["integer", "null"]},
            "accepted_at": NULLABLE_INSTANT, "up_to_date": {"type": "boolean"},
            "deposit_cents": COUNT, "deposit_held_cents": COUNT,
        },
    },
    "ProposalCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["title", "body_markdown", "kind", "horizon", "closes_at"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            "body_markdown": {"type": "string", "maxLength": 50000},
            "kind": {"type": "string", "enum": list(DECISION_KINDS)},
            "options": {"type": "array", "maxItems": 20,
                        "items": {"type": "string", "minLength": 1, "maxLength": 200},
                        "description": "For choice, score and time polls: 2 to 20."},
            "multiple": {"type": "boolean", "description": "choice: several options allowed."},
            "horizon": {"type": "string", "enum": list(HORIZONS),
                        "description": "short: under 6 months; medium: 6 to 24; long: beyond."},
            "estimated_cost_cents": {"type": ["integer", "null"], "minimum": 0,
                                     "maximum": 1_000_000_000},
            "closes_at": INSTANT,
            "voters": {"type": "string", "enum": list(VOTERS)},
            "quorum_percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "threshold": {"type": "string", "enum": list(THRESHOLDS)},
            "anonymous": {"type": "boolean"},
            "results_before_close": {"type": "boolean"},
            "votes_changeable": {"type": "boolean"},
            "survey_question_ids": {"type": "array", "maxItems": 50, "items": ID},
        },
    },
    "Proposal": {
        "type": "object",
        "required": ["id", "title", "body_html", "kind", "options", "horizon", "status",
                     "outcome", "counts", "my_vote", "closes_at"],
        "properties": {
            "id": ID, "title": {"type": "string"}, "body_markdown": {"type": "string"},
            "body_html": {"type": "string"},
            "kind": {"type": "string", "enum": list(DECISION_KINDS)},
            "multiple": {"type": "boolean"},
            "options": {"type": "array", "items": {"type": "string"}},
            "horizon": {"type": "string", "enum": list(HORIZONS)},
            "estimated_cost_cents": {"type": ["integer", "null"]},
            "opened_at": INSTANT, "closes_at": INSTANT, "closed_at": NULLABLE_INSTANT,
            "voters": {"type": "string", "enum": list(VOTERS)},
            "quorum_percent": {"type": "integer"},
            "threshold": {"type": "string", "enum": list(THRESHOLDS)},
            "anonymous": {"type": "boolean"}, "results_before_close": {"type": "boolean"},
            "votes_changeable": {"type": "boolean"},
            "status": {"type": "string", "enum": list(PROPOSAL_STATUSES)},
            "outcome": {"type": ["string", "null"], "enum": [*OUTCOMES, None]},
            "counts": {
                "type": ["object", "null"],
                "description": "null while hidden (open, results shown only after closing).",
                "properties": {
                    "eligible": COUNT, "voted": COUNT,
                    "choices": {"type": "object", "additionalProperties": COUNT},
                    "options": {"type": "array", "items": COUNT,
                                "description": "Votes per option, or total score."},
                    "winner": {"type": ["integer", "null"]},
                }},
            "my_vote": {
                "type": ["object", "null"],
                "description": "null when the caller has not voted; on an anonymous proposal "
                               "only `voted` is known, even to the voter.",
                "properties": {"voted": {"type": "boolean"},
                               "choice": {"type": ["string", "null"]},
                               "options": {"type": ["array", "null"], "items": COUNT},
                               "scores": {"type": ["array", "null"], "items": COUNT},
                               "reason": {"type": ["string", "null"]}}},
            "may_vote": {"type": "boolean"},
            "expense_id": NULLABLE_ID,
            "survey_question_ids": {"type": "array", "items": ID},
            "author_id": NULLABLE_ID,
        },
    },
    "VoteCast": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "choice": {"anyOf": [
                {"type": "string", "enum": sorted({*CONSENT_CHOICES, *MAJORITY_CHOICES})},
                OPTION_INDEX,
                {"type": "array", "maxItems": 20, "items": OPTION_INDEX}]},
            "scores": {"type": "array", "maxItems": 20,
                       "items": {"type": "integer", "minimum": 0, "maximum": 5}},
            "reason": {"type": "string", "maxLength": 5000,
                       "description": "Required with a block."},
        },
    },
    "ProposalPlan": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "first_month": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$",
                            "description": "The first month of the spread, e.g. 2027-01; "
                                           "default: next month."},
            "spread_months": {"type": "integer", "minimum": 1, "maximum": 240},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "method": {"type": "string", "enum": ["usage", "equal", "shares"]},
        },
    },
}
