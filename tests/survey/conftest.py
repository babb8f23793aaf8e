"""Factories for surveys: a survey with one question of every type, and a way to answer it."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from booking.domain.survey import building, common
from booking.extensions import db

ALL_KINDS = [
    {"kind": "single", "text": {"fr": "Votre discipline", "nl": "Uw discipline",
                                "en": "Your discipline"},
     "required": True, "allow_other": True,
     "options": [{"fr": "Musicien·ne", "nl": "Muzikant", "en": "Musician"},
                 {"fr": "Technicien·ne", "nl": "Technicus", "en": "Technician"},
                 {"fr": "Décorateur·rice", "en": "Set builder"}]},
    {"kind": "multiple", "text": {"fr": "Ressources à partager"}, "required": True,
     "allow_other": True,
     "options": [{"fr": "Connaissances"}, {"fr": "Espaces"}, {"fr": "Outils"},
                 {"fr": "Matériel"}]},
    {"kind": "scale", "text": {"fr": "Utilité de la mutualisation"}, "required": True,
     "scale_min_label": {"fr": "Inutile"}, "scale_max_label": {"fr": "Indispensable"}},
    {"kind": "yesno", "text": {"fr": "Prêteriez-vous votre matériel ?"}},
    {"kind": "short_text", "text": {"fr": "Votre commune"}},
    {"kind": "long_text", "text": {"fr": "Commentaires"}},
    {"kind": "number", "text": {"fr": "Heures de répétition par semaine"}},
]


def brussels_today():
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Brussels")).date()


@pytest.fixture
def make_survey(app, comanager):
    """make_survey(questions=ALL_KINDS, audience="members", anonymous=False, **settings)"""

    def make(questions=None, audience="members", anonymous=False, publish=True,
             results_published=False, opens_on=None, closes_on=None, title=None):
        survey = building.create_survey(db.session, comanager, {
            "title": title or {"fr": "Besoins", "nl": "Behoeften", "en": "Needs"},
            "intro": {"fr": "Dites-nous tout."}, "audience": audience,
            "anonymous": anonymous, "results_published": results_published,
            "opens_on": opens_on, "closes_on": closes_on})
        section = survey.sections[0]
        section.title = {"fr": "Partie unique"}
        for spec in ALL_KINDS if questions is None else questions:
            options = [building.OptionEdit(None, label) for label in spec.get("options", [])]
            building.add_question(db.session, section, spec, options)
        if publish:
            building.publish_survey(survey)
        db.session.commit()
        return survey

    return make


def questions_of(survey):
    db.session.expire_all()  # requests ran in their own sessions
    return common.ordered_questions(common.load_survey(db.session, survey.id))


def answer_form(survey, answers: dict) -> dict:
    """answers maps question index -> value(s); "other:<text>" sets the other box.

    Option values given as integers are option indexes of that question.
    """
    questions = questions_of(survey)
    form = {}
    for index, value in answers.items():
        question = questions[index]
        values = value if isinstance(value, list) else [value]
        sent = []
        for item in values:
            if isinstance(item, int) and question.kind in ("single", "multiple"):
                sent.append(str(question.options[item].id))
            elif isinstance(item, str) and item.startswith("other:"):
                sent.append("other")
                form[f"q{question.id}_other"] = item[len("other:"):]
            else:
                sent.append(str(item))
        form[f"q{question.id}"] = sent
    return form


FULL_ANSWER = {0: 1, 1: [0, 2, "other:Un camion"], 2: 4, 3: "yes", 4: "Schaerbeek",
               5: "Un atelier plus haut.", 6: "3,5"}


@pytest.fixture
def app_config():
    """Many sign-ins per test: the login throttle would get in the way."""
    return {"LOGIN_RATE_LIMIT": "1000 per minute", "SURVEY_RATE_LIMIT": "1000 per minute"}
