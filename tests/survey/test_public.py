"""Public surveys: anyone with the link, one response per browser, bots kept out, embeddable."""
import re

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import SurveyParticipation, SurveyResponse
from tests.survey.conftest import FULL_ANSWER, answer_form


@pytest.fixture
def app_config():
    return {"SURVEY_EMBED_ORIGINS": "https://www.example.be https://example.be",
            "SURVEY_RATE_LIMIT": "4 per minute"}


def _token(page: str) -> str:
    return re.search(r'name="answer_token" value="([0-9a-f]+)"', page).group(1)


def _answer(client, survey, answers=FULL_ANSWER, path=""):
    page = client.get(f"/surveys/s/{survey.token}{path}").get_data(as_text=True)
    data = answer_form(survey, answers)
    data["answer_token"] = _token(page)
    return client.post(f"/surveys/s/{survey.token}{path}", data=data)


def _responses() -> int:
    return db.session.execute(select(func.count(SurveyResponse.id))).scalar()


def test_anyone_with_the_link_answers_once_per_browser(app, make_survey):
    survey = make_survey(audience="public")
    first = app.test_client()
    token = _token(first.get(f"/surveys/s/{survey.token}").get_data(as_text=True))
    response = first.post(f"/surveys/s/{survey.token}",
                          data=answer_form(survey, FULL_ANSWER) | {"answer_token": token})
    assert response.status_code == 302
    saved = db.session.execute(select(SurveyResponse)).scalar_one()
    assert saved.anonymous and saved.member_id is None and saved.plan_id is None
    participation = db.session.execute(select(SurveyParticipation)).scalar_one()
    assert participation.member_id is None and len(participation.browser_token_hash) == 64
    assert "déjà répondu" in first.get(f"/surveys/s/{survey.token}").get_data(as_text=True)
    again = first.post(f"/surveys/s/{survey.token}", data=answer_form(
        survey, {0: 0, 1: [1], 2: 2}) | {"answer_token": token})
    assert "déjà répondu" in again.get_data(as_text=True)
    assert _answer(app.test_client(), survey).status_code == 302  # another browser
    assert _responses() == 2


def test_the_honeypot_drops_bot_answers_quietly(app, make_survey):
    survey = make_survey(audience="public")
    client = app.test_client()
    page = client.get(f"/surveys/s/{survey.token}").get_data(as_text=True)
    data = answer_form(survey, FULL_ANSWER) | {"answer_token": _token(page),
                                               "website": "http://spam.example"}
    response = client.post(f"/surveys/s/{survey.token}", data=data)
    assert response.status_code == 302 and response.location.endswith("/thanks")
    assert _responses() == 0


def test_a_public_answer_without_the_browser_cookie_is_refused(app, make_survey):
    survey = make_survey(audience="public")
    response = app.test_client().post(f"/surveys/s/{survey.token}",
                                      data=answer_form(survey, FULL_ANSWER))
    assert "cookie" in response.get_data(as_text=True)
    assert _responses() == 0


def test_answers_are_rate_limited(app, make_survey):
    survey = make_survey(audience="public")
    statuses = [_answer(app.test_client(), survey).status_code for _ in range(5)]
    assert statuses == [302, 302, 302, 302, 429]
    assert _responses() == 4


def test_embed_page_has_no_app_chrome_and_allows_the_configured_sites(app, make_survey):
    survey = make_survey(audience="public")
    client = app.test_client()
    response = client.get(f"/surveys/s/{survey.token}/embed")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "mainnav" not in page and "Votre discipline" in page
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.example.be https://example.be" in csp
    assert "script-src 'self'" in csp
    assert "X-Frame-Options" not in response.headers
    normal = client.get(f"/surveys/s/{survey.token}")
    assert "frame-ancestors 'self';" in normal.headers["Content-Security-Policy"] + ";"
    assert normal.headers["X-Frame-Options"] == "SAMEORIGIN"
    answered = _answer(app.test_client(), survey, path="/embed")
    assert answered.status_code == 302 and answered.location.endswith("/embed/thanks")


def test_thank_you_page_links_to_published_results(app, make_survey):
    survey = make_survey(audience="public", results_published=True)
    client = app.test_client()
    response = _answer(client, survey)
    thanks = client.get(response.location).get_data(as_text=True)
    assert f"/surveys/s/{survey.token}/results" in thanks
    results = client.get(f"/surveys/s/{survey.token}/results")
    assert results.status_code == 200 and "Musicien·ne" in results.get_data(as_text=True)
    hidden = make_survey(audience="public", title={"fr": "Privé"})
    assert app.test_client().get(f"/surveys/s/{hidden.token}/results").status_code == 404


def test_a_member_survey_embed_asks_to_answer_on_the_site(app, make_survey):
    survey = make_survey()
    page = app.test_client().get(f"/surveys/s/{survey.token}/embed").get_data(as_text=True)
    assert "membres" in page and f"/surveys/s/{survey.token}" in page
