"""Rules that moved from the survey views into the domain: export cells, the list of surveys,
who is offered the results, and a response sent twice at the same instant."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.domain.survey import answering, export
from booking.domain.survey import results as result_rules
from booking.extensions import db
from booking.models import Plan, SurveyParticipation, SurveyResponse
from tests.survey.conftest import answer_form, brussels_today

FORMULAS = {0: "other:@SUM(A1)", 1: [0], 2: 3, 4: '=HYPERLINK("http://evil.example")',
            5: "+cmd|' /C calc'!A0", 6: "-3"}


def _csv(client, survey):
    text = client.get(f"/surveys/{survey.id}/export.csv").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return rows[0], rows[1:]


def test_csv_export_neutralises_answers_that_look_like_formulas(
        client, login, comanager, make_member, make_survey):
    survey = make_survey()
    person = login(make_member(name="=Evil Name"))
    assert client.post(f"/surveys/s/{survey.token}",
                       data=answer_form(survey, FORMULAS)).status_code == 302
    client.post("/logout")
    login(comanager)
    header, (row,) = _csv(client, survey)
    cell = dict(zip(header, row, strict=True))
    assert cell["Q5. Votre commune"] == '\'=HYPERLINK("http://evil.example")'
    assert cell["Q6. Commentaires"] == "'+cmd|' /C calc'!A0"
    assert cell["Q1. Votre discipline [Autre]"] == "'@SUM(A1)"
    assert cell["Membre"] == "'=Evil Name" and cell["Adresse e-mail"] == person.email
    assert cell["Q7. Heures de répétition par semaine"] == "-3"  # a number stays a number
    assert cell["Q2. Ressources à partager [Connaissances]"] == "1"


def test_csv_rows_hold_the_answers_as_given(app, client, login, comanager, member,
                                            make_survey):
    """The domain gives the cells as answered; neutralising is the CSV writer's job."""
    survey = make_survey(anonymous=True)
    login(member)
    client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FORMULAS))
    with app.test_request_context():
        header, rows = export.csv_table(db.session, survey, "fr")
        (row,) = list(rows)
    assert len(header) == len(row) and "Membre" not in header
    assert '=HYPERLINK("http://evil.example")' in row and "-3" in row


def test_members_see_closed_surveys_only_when_they_may_see_the_results(
        client, login, member, make_survey):
    long_ago, yesterday = brussels_today() - timedelta(days=30), \
        brussels_today() - timedelta(days=1)
    shown = make_survey(title={"fr": "Clos publié"}, results_published=True,
                        opens_on=long_ago, closes_on=yesterday)
    make_survey(title={"fr": "Clos caché"}, opens_on=long_ago, closes_on=yesterday)
    running = make_survey(title={"fr": "En cours"})
    login(member)
    page = client.get("/surveys/").get_data(as_text=True)
    assert "Clos publié" in page and "Clos caché" not in page and "En cours" in page
    assert f"/surveys/{shown.id}/results" in page
    assert f"/surveys/{running.id}/results" not in page


def test_comanagers_are_offered_the_results_of_every_survey(client, login, comanager,
                                                            make_survey):
    draft = make_survey(publish=False)
    login(comanager)
    assert f"/surveys/{draft.id}/results" in client.get("/surveys/").get_data(as_text=True)


def test_the_thank_you_page_offers_results_only_to_who_may_see_them(
        client, login, member, make_survey):
    hidden = make_survey()
    shown = make_survey(results_published=True, title={"fr": "Publié"})
    login(member)
    for survey in (hidden, shown):
        assert client.post(f"/surveys/s/{survey.token}",
                           data=answer_form(survey, FORMULAS)).status_code == 302
    assert f"/surveys/{hidden.id}/results" not in client.get(
        f"/surveys/s/{hidden.token}/thanks").get_data(as_text=True)
    assert f"/surveys/{shown.id}/results" in client.get(
        f"/surveys/s/{shown.token}/thanks").get_data(as_text=True)


def test_plans_are_offered_as_filters_on_named_members_surveys_only(app, make_survey):
    db.session.add_all([Plan(name="Solo"), Plan(name="Compagnie")])
    db.session.commit()
    named, anonymous = make_survey(), make_survey(anonymous=True)
    public = make_survey(audience="public")
    assert [p.name for p in result_rules.filter_plans(db.session, named)] == ["Compagnie",
                                                                              "Solo"]
    assert result_rules.filter_plans(db.session, anonymous) == []
    assert result_rules.filter_plans(db.session, public) == []


def test_a_response_sent_twice_at_the_same_instant_is_refused(app, member, make_survey,
                                                               monkeypatch):
    """Both requests passed the "already answered?" check: the database's unique
    participation refuses the second, and the domain says so in words."""
    survey = make_survey(anonymous=True, questions=[
        {"kind": "short_text", "text": {"fr": "Votre commune"}}])
    question = survey.sections[0].questions[0]
    db.session.add(SurveyParticipation(survey_id=survey.id, member_id=member.id))
    db.session.commit()
    monkeypatch.setattr(answering, "has_answered", lambda *args, **kwargs: False)
    with app.test_request_context(), pytest.raises(answering.AlreadyAnswered):
        answering.submit_response(
            db.session, survey, {question.id: answering.RawAnswer(values=["Ixelles"])},
            today=brussels_today(), member=member)
    db.session.rollback()
    assert db.session.execute(select(func.count(SurveyResponse.id))).scalar() == 0
    assert db.session.execute(select(func.count(SurveyParticipation.id))).scalar() == 1
