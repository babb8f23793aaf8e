"""Members answer surveys: every question type, every validation, nothing saved on bad input."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import SurveyAnswer, SurveyParticipation, SurveyResponse
from tests.survey.conftest import (
    FULL_ANSWER,
    answer_form,
    brussels_today,
    questions_of,
)


def _counts():
    return (db.session.execute(select(func.count(SurveyResponse.id))).scalar(),
            db.session.execute(select(func.count(SurveyAnswer.id))).scalar(),
            db.session.execute(select(func.count(SurveyParticipation.id))).scalar())


def test_member_answers_every_question_type(client, login, member, make_survey):
    survey = make_survey()
    login(member)
    page = client.get(f"/surveys/s/{survey.token}").get_data(as_text=True)
    assert "Votre discipline" in page and "Heures de répétition" in page and "Indispensable" in page
    response = client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FULL_ANSWER))
    assert response.status_code == 302 and response.location.endswith("/thanks")
    assert "Merci" in client.get(response.location).get_data(as_text=True)
    saved = db.session.execute(select(SurveyResponse)).scalar_one()
    assert saved.member_id == member.id and saved.submitted_on == brussels_today()
    questions = questions_of(survey)
    by_question = {}
    for answer in saved.answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    single, multiple, scale, yesno, short, long_, number = questions
    assert [a.option_id for a in by_question[single.id]] == [single.options[1].id]
    assert sorted(a.option_id or 0 for a in by_question[multiple.id]) == sorted(
        [multiple.options[0].id, multiple.options[2].id, 0])
    assert [a.text_value for a in by_question[multiple.id] if a.option_id is None] == ["Un camion"]
    assert by_question[scale.id][0].number_value == 4
    assert by_question[yesno.id][0].number_value == 1
    assert by_question[short.id][0].text_value == "Schaerbeek"
    assert by_question[long_.id][0].text_value == "Un atelier plus haut."
    assert by_question[number.id][0].number_value == Decimal("3.5")


def test_optional_questions_can_be_left_empty(client, login, member, make_survey):
    survey = make_survey()
    login(member)
    response = client.post(f"/surveys/s/{survey.token}",
                           data=answer_form(survey, {0: 0, 1: [1], 2: 3}))
    assert response.status_code == 302
    assert _counts()[:2] == (1, 3)


@pytest.mark.parametrize("answers, question_index, message", [
    ({1: [0], 2: 3}, 0, "Veuillez répondre à cette question"),
    ({0: 0, 2: 3}, 1, "Veuillez répondre à cette question"),
    ({0: 0, 1: [0]}, 2, "Veuillez répondre à cette question"),
    ({0: "999999", 1: [0], 2: 3}, 0, "ne fait pas partie des réponses proposées"),
    ({0: 0, 1: [0, "424242"], 2: 3}, 1, "ne fait pas partie des réponses proposées"),
    ({0: [0, 1], 1: [0], 2: 3}, 0, "une seule réponse"),
    ({0: "other", 1: [0], 2: 3}, 0, "précisez"),
    ({0: 0, 1: [0], 2: 6}, 2, "de 1 à 5"),
    ({0: 0, 1: [0], 2: 3, 3: "peut-être"}, 3, "oui ou non"),
    ({0: 0, 1: [0], 2: 3, 4: "x" * 201}, 4, "200 caractères"),
    ({0: 0, 1: [0], 2: 3, 5: "x" * 5001}, 5, "5000 caractères"),
    ({0: 0, 1: [0, "other:" + "y" * 201], 2: 3}, 1, "200 caractères"),
    ({0: 0, 1: [0], 2: 3, 6: "beaucoup"}, 6, "Saisissez un nombre"),
])
def test_bad_answers_are_refused_with_a_message_per_question(
        client, login, member, make_survey, answers, question_index, message):
    survey = make_survey()
    login(member)
    response = client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, answers))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    question = questions_of(survey)[question_index]
    error_block = page.split(f'id="q{question.id}-error"')[1][:300]
    assert message in error_block.replace("\u202f", " ").replace("\xa0", " ")
    assert _counts() == (0, 0, 0)


def test_an_option_of_another_survey_is_refused(client, login, member, make_survey):
    other = make_survey(title={"fr": "Autre"})
    survey = make_survey()
    login(member)
    form = answer_form(survey, {1: [0], 2: 3})
    form[f"q{questions_of(survey)[0].id}"] = [str(questions_of(other)[0].options[0].id)]
    response = client.post(f"/surveys/s/{survey.token}", data=form)
    assert response.status_code == 422 and "ne fait pas partie" in response.get_data(as_text=True)
    assert _counts() == (0, 0, 0)


def test_answers_after_closing_are_refused(client, login, member, make_survey):
    survey = make_survey(opens_on=brussels_today() - timedelta(days=10),
                         closes_on=brussels_today() - timedelta(days=1))
    login(member)
    assert "ne sont plus acceptées" in client.get(f"/surveys/s/{survey.token}").get_data(
        as_text=True)
    response = client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FULL_ANSWER))
    assert response.status_code == 200
    assert "ne sont plus acceptées" in response.get_data(as_text=True)
    assert _counts() == (0, 0, 0)


def test_answers_before_opening_are_refused(client, login, member, make_survey):
    survey = make_survey(opens_on=brussels_today() + timedelta(days=3))
    login(member)
    response = client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FULL_ANSWER))
    assert "revenez à ce moment-là" in response.get_data(as_text=True)
    assert _counts() == (0, 0, 0)


def test_a_second_anonymous_response_is_refused_and_the_first_kept(
        client, login, member, make_survey):
    survey = make_survey(anonymous=True)
    login(member)
    client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FULL_ANSWER))
    before = sorted(str((a.question_id, a.option_id, a.text_value, a.number_value))
                    for a in db.session.execute(select(SurveyAnswer)).scalars())
    assert "déjà répondu" in client.get(f"/surveys/s/{survey.token}").get_data(as_text=True)
    response = client.post(f"/surveys/s/{survey.token}",
                           data=answer_form(survey, {0: 2, 1: [3], 2: 1}))
    assert "déjà répondu" in response.get_data(as_text=True)
    db.session.expire_all()
    after = sorted(str((a.question_id, a.option_id, a.text_value, a.number_value))
                   for a in db.session.execute(select(SurveyAnswer)).scalars())
    assert after == before and _counts()[0] == 1


def test_member_changes_a_named_response_until_it_closes(client, login, member, make_survey):
    survey = make_survey()
    login(member)
    client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FULL_ANSWER))
    first_id = db.session.execute(select(SurveyResponse.id)).scalar_one()
    page = client.get(f"/surveys/s/{survey.token}").get_data(as_text=True)
    assert "Schaerbeek" in page and "Mettre à jour mes réponses" in page
    response = client.post(f"/surveys/s/{survey.token}",
                           data=answer_form(survey, {0: 2, 1: [3], 2: 1}))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.execute(select(SurveyResponse)).scalar_one()
    assert saved.id == first_id and len(saved.answers) == 3
    assert questions_of(survey)[0].options[2].id in {a.option_id for a in saved.answers}


def test_a_refused_edit_keeps_the_earlier_answers(client, login, member, make_survey):
    survey = make_survey()
    login(member)
    client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FULL_ANSWER))
    response = client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, {0: 0}))
    assert response.status_code == 422
    db.session.expire_all()
    assert _counts() == (1, 9, 1)


def test_a_forged_or_draft_survey_cannot_be_answered(client, login, member, make_survey):
    draft = make_survey(publish=False)
    login(member)
    assert client.post("/surveys/s/not-a-survey", data={"q1": "1"}).status_code == 404
    assert client.post(f"/surveys/s/{draft.token}",
                       data=answer_form(draft, FULL_ANSWER)).status_code == 404
    assert client.get(f"/surveys/s/{draft.token}").status_code == 404
    assert _counts() == (0, 0, 0)


def test_comanager_previews_a_draft_but_cannot_answer_it(client, login, comanager, make_survey):
    draft = make_survey(publish=False)
    login(comanager)
    assert "Aperçu" in client.get(f"/surveys/s/{draft.token}").get_data(as_text=True)
    response = client.post(f"/surveys/s/{draft.token}", data=answer_form(draft, FULL_ANSWER))
    assert "prépar" in response.get_data(as_text=True)
    assert _counts() == (0, 0, 0)


def test_member_survey_needs_signing_in(client, make_survey):
    survey = make_survey()
    login_url = f"/login?next=%2Fsurveys%2Fs%2F{survey.token}"
    response = client.get(f"/surveys/s/{survey.token}")
    assert (response.status_code, response.location) == (302, login_url)
    response = client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FULL_ANSWER))
    assert (response.status_code, response.location) == (302, login_url)
    assert _counts() == (0, 0, 0)


def test_respondent_reads_the_survey_in_their_language_with_french_fallback(
        client, login, make_member, make_survey):
    survey = make_survey()
    login(make_member(locale="nl"))
    page = client.get(f"/surveys/s/{survey.token}").get_data(as_text=True)
    assert "Behoeften" in page and "Uw discipline" in page and "Muzikant" in page
    assert "Décorateur·rice" in page  # no Dutch label: French shown
    assert "Ressources à partager" in page
