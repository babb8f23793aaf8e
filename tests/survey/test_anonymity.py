"""Anonymous surveys: no view, export or row links a response to the member who gave it."""
import json
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.extensions import db
from booking.models import Plan, SurveyParticipation, SurveyResponse
from tests.survey.conftest import FULL_ANSWER, answer_form, questions_of


def _answer_as(client, login, person, survey, answers=FULL_ANSWER):
    login(person)
    response = client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, answers))
    assert response.status_code == 302
    client.post("/logout")


def test_anonymous_responses_carry_no_member_plan_or_time(client, login, make_member,
                                                          make_survey):
    plan = Plan(name="Technicien·ne")
    db.session.add(plan)
    db.session.commit()
    people = [make_member(name=f"Personne {i}", plan_id=plan.id) for i in range(4)]
    survey = make_survey(anonymous=True)
    for person in people:
        _answer_as(client, login, person, survey)
    responses = db.session.execute(select(SurveyResponse)).scalars().all()
    assert len(responses) == 4
    for response in responses:
        assert response.member_id is None and response.plan_id is None
        assert uuid.UUID(response.id).version == 4
        assert all(uuid.UUID(answer.id).version == 4 for answer in response.answers)
        assert not hasattr(response.submitted_on, "hour")  # a day, not an instant
    has_answered = db.session.execute(select(SurveyParticipation.member_id)).scalars().all()
    assert sorted(has_answered) == sorted(p.id for p in people)


def test_no_view_or_export_of_an_anonymous_survey_names_a_member(
        client, login, comanager, make_member, make_survey):
    people = [make_member(name=f"Zoé Témoin{i}", email=f"temoin{i}@example.org")
              for i in range(3)]
    survey = make_survey(anonymous=True, results_published=True)
    for person in people:
        _answer_as(client, login, person, survey)
    login(comanager)
    long_text = questions_of(survey)[5]
    pages = [client.get(f"/surveys/{survey.id}/results").get_data(as_text=True),
             client.get(f"/surveys/{survey.id}/results/{long_text.id}/texts").get_data(
                 as_text=True),
             client.get(f"/surveys/{survey.id}/export.csv").get_data(as_text=True),
             client.get(f"/surveys/{survey.id}/export.json").get_data(as_text=True)]
    for page in pages:
        assert "Témoin" not in page and "temoin" not in page
    exported = json.loads(pages[3])
    assert len(exported["responses"]) == 3
    assert all(set(r) == {"id", "day", "answers"} for r in exported["responses"])
    header = pages[2].splitlines()[0]
    assert "Membre" not in header and "Courriel" not in header


def test_named_survey_exports_say_who_answered(client, login, comanager, member, make_survey):
    survey = make_survey()
    _answer_as(client, login, member, survey)
    login(comanager)
    assert "Léa Musicienne" in client.get(f"/surveys/{survey.id}/export.csv").get_data(
        as_text=True)


def test_the_database_refuses_an_anonymous_response_with_a_member(app, member, make_survey):
    survey = make_survey(anonymous=True)
    db.session.add(SurveyResponse(id=str(uuid.uuid4()), survey_id=survey.id, anonymous=True,
                                  member_id=member.id, submitted_on=survey.created_at.date()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_an_anonymous_response_with_a_plan(app, make_survey):
    plan = Plan(name="Compagnie")
    db.session.add(plan)
    db.session.commit()
    survey = make_survey(anonymous=True)
    db.session.add(SurveyResponse(id=str(uuid.uuid4()), survey_id=survey.id, anonymous=True,
                                  plan_id=plan.id, submitted_on=survey.created_at.date()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_sequential_response_ids(app, make_survey):
    survey = make_survey(anonymous=True)
    db.session.add(SurveyResponse(id="1", survey_id=survey.id, anonymous=True,
                                  submitted_on=survey.created_at.date()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
