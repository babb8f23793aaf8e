"""Helpers for the governance tests: a published charter, a proposal through the API."""
from __future__ import annotations

from datetime import timedelta

import pytest

from booking.domain import governance
from booking.extensions import db
from tests.conftest import local

NOW = local(2026, 11, 30, 9)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def publish(app, make_member):
    """publish(actor=None, body=..., requires_acceptance=True, **extra) -> CharterVersion"""

    def make(actor=None, body="# Charte\n\nOn range la salle.", summary="", requires=True,
             **extra):
        actor = actor or make_member("comanager")
        version = governance.publish_charter(db.session, actor=actor, body_markdown=body,
                                             summary=summary, requires_acceptance=requires,
                                             now=NOW, **extra)
        db.session.commit()
        return version

    return make


def proposal_body(**extra) -> dict:
    body = {"title": "Acheter un piano", "body_markdown": "Un **piano** droit.",
            "kind": "majority", "horizon": "short", "estimated_cost_cents": 300000,
            "closes_at": (NOW + timedelta(days=7)).isoformat(), "voters": "members",
            "quorum_percent": 0, "threshold": "simple", "anonymous": False,
            "results_before_close": False}
    body.update(extra)
    return body
