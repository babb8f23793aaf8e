"""Results: figures checked against hand-computed ones, filters, free texts, exports."""
import csv
import io
import json

from booking.domain.survey import common
from booking.domain.survey import results as result_rules
from booking.extensions import db
from booking.models import Plan
from tests.survey.conftest import answer_form, questions_of

# Four members; question indexes as in ALL_KINDS.
ANSWERS = [
    {0: 0, 1: [0, 1], 2: 5, 3: "yes", 5: "Un atelier partagé à Schaerbeek", 6: "2"},
    {0: 0, 1: [1], 2: 4, 3: "yes", 5: "Des outils de gestion communs", 6: "4"},
    {0: 1, 1: [1, 3, "other:Un camion"], 2: 2, 3: "no", 6: "10"},
    {0: "other:Danseuse", 1: [2], 2: 4},
]


def _fill(client, login, make_member, survey, plans=None):
    members = []
    for index, answers in enumerate(ANSWERS):
        person = make_member(plan_id=plans[index % len(plans)].id if plans else None)
        login(person)
        assert client.post(f"/surveys/s/{survey.token}",
                           data=answer_form(survey, answers)).status_code == 302
        client.post("/logout")
        members.append(person)
    return members


def _results(survey, **filters):
    loaded = common.load_survey(db.session, survey.id)
    return result_rules.survey_results(db.session, loaded,
                                          result_rules.ResultFilters(**filters))


def test_results_match_hand_computed_figures(client, login, make_member, make_survey):
    survey = make_survey()
    _fill(client, login, make_member, survey)
    results = _results(survey)
    single, multiple, scale, yesno, short, long_, number = results.questions
    assert results.total == 4
    assert [(o.count, round(o.share, 3)) for o in single.options] == [(2, .5), (1, .25), (0, 0)]
    assert (single.other.count, single.texts) == (1, ["Danseuse"])
    assert [o.count for o in multiple.options] == [1, 3, 1, 1]
    assert round(multiple.options[1].share, 3) == .75 and multiple.other.count == 1
    assert [(int(v), n) for v, n, _ in scale.distribution] == [(1, 0), (2, 1), (3, 0), (4, 2),
                                                               (5, 1)]
    assert scale.mean == 3.75 and scale.median == 4.0
    assert [(int(v), n) for v, n, _ in yesno.distribution] == [(1, 2), (0, 1)]
    assert yesno.respondents == 3
    assert (number.mean, number.median, number.respondents) == (16 / 3, 4.0, 3)
    assert short.respondents == 0 and long_.text_count == 2
    assert sorted(long_.texts) == ["Des outils de gestion communs",
                                   "Un atelier partagé à Schaerbeek"]


def test_results_page_shows_counts_shares_and_bars(client, login, comanager, make_member,
                                                   make_survey):
    survey = make_survey()
    _fill(client, login, make_member, survey)
    login(comanager)
    page = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert "4 réponses" in page
    assert "75\u00a0%" in page or "75\u202f%" in page or "75 %" in page
    assert 'width="75.0"' in page  # the bar of "Espaces"
    assert "3,75" in page  # scale mean, French decimal comma
    assert "Un camion" in page and "Danseuse" in page and "Un atelier partagé" in page
    assert 'style="' not in page


def test_filter_by_answer_and_cross_tab(client, login, make_member, make_survey):
    survey = make_survey()
    _fill(client, login, make_member, survey)
    single = questions_of(survey)[0]
    musicians = _results(survey, question_id=single.id, option_id=single.options[0].id)
    assert musicians.total == 2
    assert [o.count for o in musicians.questions[1].options] == [1, 2, 0, 0]
    crossed = _results(survey, cross_question_id=single.id)
    spaces = crossed.questions[1].options[1]
    assert spaces.breakdown == {single.options[0].id: 2, single.options[1].id: 1}


def test_filter_by_plan_on_a_named_survey(client, login, comanager, make_member, make_survey):
    plans = [Plan(name="Musicien·ne"), Plan(name="Compagnie")]
    db.session.add_all(plans)
    db.session.commit()
    survey = make_survey()
    _fill(client, login, make_member, survey, plans=plans)
    assert _results(survey, plan_id=plans[1].id).total == 2
    login(comanager)
    page = client.get(f"/surveys/{survey.id}/results?plan={plans[1].id}").get_data(as_text=True)
    assert "2 réponses" in page


def test_free_text_answers_are_paginated_and_searchable(client, login, comanager, make_member,
                                                        make_survey):
    survey = make_survey(questions=[{"kind": "short_text", "text": {"fr": "Une idée"}}])
    for i in range(55):
        person = make_member()
        login(person)
        client.post(f"/surveys/s/{survey.token}",
                    data=answer_form(survey, {0: f"Idée numéro {i}" + (" vélo" if i < 3 else "")}))
        client.post("/logout")
    login(comanager)
    question = questions_of(survey)[0]
    first = client.get(f"/surveys/{survey.id}/results/{question.id}/texts").get_data(
        as_text=True)
    assert "55 réponses" in first and first.count("Idée numéro") == 50 and "Page 1 sur 2" in first
    second = client.get(f"/surveys/{survey.id}/results/{question.id}/texts?page=2").get_data(
        as_text=True)
    assert second.count("Idée numéro") == 5
    found = client.get(f"/surveys/{survey.id}/results/{question.id}/texts?search=vélo")
    assert found.get_data(as_text=True).count("Idée numéro") == 3
    none = client.get(f"/surveys/{survey.id}/results/{question.id}/texts?search=%25")
    assert none.get_data(as_text=True).count("Idée numéro") == 0


def test_csv_export_has_a_row_per_response_and_a_column_per_option(
        client, login, comanager, make_member, make_survey):
    survey = make_survey(anonymous=True)
    _fill(client, login, make_member, survey)
    login(comanager)
    response = client.get(f"/surveys/{survey.id}/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 4
    assert header[:2] == ["Réponse", "Jour"]
    assert [h for h in header if h.startswith("Q2.")] == [
        "Q2. Ressources à partager [Connaissances]", "Q2. Ressources à partager [Espaces]",
        "Q2. Ressources à partager [Outils]", "Q2. Ressources à partager [Matériel]",
        "Q2. Ressources à partager [Autre]"]
    spaces = header.index("Q2. Ressources à partager [Espaces]")
    assert sorted(row[spaces] for row in body) == ["0", "1", "1", "1"]
    discipline = header.index("Q1. Votre discipline")
    assert sorted(row[discipline] for row in body) == ["", "Musicien·ne", "Musicien·ne",
                                                       "Technicien·ne"]
    assert "Danseuse" in [row[discipline + 1] for row in body]
    scale = header.index("Q3. Utilité de la mutualisation")
    assert sorted(row[scale] for row in body) == ["2", "4", "4", "5"]


def test_json_export_lists_questions_and_answers(client, login, comanager, make_member,
                                                 make_survey):
    survey = make_survey(anonymous=True)
    _fill(client, login, make_member, survey)
    login(comanager)
    data = json.loads(client.get(f"/surveys/{survey.id}/export.json").get_data(as_text=True))
    assert [q["kind"] for q in data["questions"]] == ["single", "multiple", "scale", "yesno",
                                                      "short_text", "long_text", "number"]
    answers = [r["answers"] for r in data["responses"]]
    assert sorted(a["q3"] for a in answers) == [2, 4, 4, 5]
    assert sorted(a.get("q7", 0) for a in answers) == [0, 2, 4, 10]
    assert {"other": "Un camion"} in next(a["q2"] for a in answers if len(a["q2"]) == 3)


def test_results_are_shown_to_members_only_when_published(client, login, member, make_survey):
    hidden = make_survey()
    shown = make_survey(results_published=True, title={"fr": "Publié"})
    login(member)
    refused = client.get(f"/surveys/{hidden.id}/results")
    assert refused.status_code == 403
    body = refused.get_data(as_text=True)
    assert "Vous n’avez pas accès à cette page" in body
    assert "Besoins" not in body and "Votre discipline" not in body  # nothing of the survey
    page = client.get(f"/surveys/{shown.id}/results")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Publié</h1>" in body and "Votre discipline" in body


def test_results_page_runs_a_bounded_number_of_queries(client, login, comanager, make_member,
                                                       make_survey, count_queries):
    survey = make_survey()
    login(comanager)
    single = questions_of(survey)[0]
    url = f"/surveys/{survey.id}/results?cross={single.id}&answer={single.id}:" \
          f"{single.options[0].id}"
    _fill(client, login, make_member, survey)
    login(comanager)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for _ in range(3):
        _fill(client, login, make_member, survey)
    login(comanager)
    with count_queries() as bigger:
        assert client.get(url).status_code == 200
    assert bigger.count == small.count <= 16
