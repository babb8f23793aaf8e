"""The current instant. Tests freeze it with FROZEN_NOW to book on fixed dates (DST days)."""
from datetime import datetime

from flask import current_app

from .models.types import utcnow


def now() -> datetime:
    return current_app.config.get("FROZEN_NOW") or utcnow()
