"""GET /api/v1/surveys/{id}/results: the same figures and the same visibility as the page."""
from booking.domain import api_tokens
from booking.extensions import db
from booking.models.types import utcnow
from tests.survey.conftest import answer_form

SCALE_ONLY = [
    {"kind": "single", "text": {"fr": "Votre discipline", "en": "Your discipline"},
     "required": True, "options": [{"fr": "Musicien·ne", "en": "Musician"},
                                   {"fr": "Technicien·ne", "en": "Technician"}]},
    {"kind": "scale", "text": {"fr": "Utilité", "en": "Usefulness"}, "required": True,
     "scale_min_label": {"fr": "Inutile"}, "scale_max_label": {"fr": "Indispensable"}},
]


def _headers(member):
    _token, secret = api_tokens.create_token(db.session, member, "script", utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}


def _answer(app, make_member, survey, answers):
    member = make_member()
    client = app.test_client()
    client.post("/login", data={"email": member.email, "password": "correct horse battery"})
    response = client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, answers))
    assert response.status_code == 302


def test_comanager_reads_counts_shares_and_scale_figures(app, comanager, make_member,
                                                         make_survey):
    survey = make_survey(questions=SCALE_ONLY)
    for discipline, score in ((0, 5), (0, 4), (1, 2)):
        _answer(app, make_member, survey, {0: discipline, 1: score})
    body = app.test_client().get(f"/api/v1/surveys/{survey.id}/results",
                                 headers=_headers(comanager)).get_json()
    assert body["total"] == 3 and body["title"] == "Needs"
    discipline, usefulness = body["questions"]
    assert [(o["label"], o["count"]) for o in discipline["options"]] == [
        ("Musician", 2), ("Technician", 1)]
    assert discipline["options"][0]["share"] == round(2 / 3, 4)
    assert usefulness["mean"] == 11 / 3 and usefulness["median"] == 4


def test_members_see_results_only_once_published(app, member, make_survey):
    hidden = make_survey(questions=SCALE_ONLY)
    published = make_survey(questions=SCALE_ONLY, results_published=True)
    headers = _headers(member)
    client = app.test_client()
    refused = client.get(f"/api/v1/surveys/{hidden.id}/results", headers=headers)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.json["type"] == "urn:mutualise:problem:forbidden"
    assert "questions" not in refused.json and "total" not in refused.json
    shown = client.get(f"/api/v1/surveys/{published.id}/results", headers=headers)
    assert shown.status_code == 200
    assert (shown.json["title"], shown.json["total"]) == ("Needs", 0)
    assert [q["text"] for q in shown.json["questions"]] == ["Your discipline", "Usefulness"]
    missing = client.get("/api/v1/surveys/999999/results", headers=headers)
    assert missing.status_code == 404
    assert missing.json["type"] == "urn:mutualise:problem:not-found"
    anonymous = client.get(f"/api/v1/surveys/{published.id}/results")
    assert anonymous.status_code == 401
    assert anonymous.json["type"] == "urn:mutualise:problem:unauthorized"
    assert "questions" not in anonymous.json
