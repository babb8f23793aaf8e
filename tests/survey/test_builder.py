"""Co-managers build surveys; once answered, a survey cannot be changed in ways that break it."""
import re

from sqlalchemy import func, select

from booking.domain.survey import common
from booking.extensions import db
from booking.models import Survey, SurveyOption, SurveyQuestion
from tests.survey.conftest import FULL_ANSWER, answer_form, questions_of

SETTINGS = {"title-fr": "Besoins 2026", "title-nl": "Behoeften 2026", "title-en": "Needs 2026",
            "intro-fr": "Bonjour", "audience": "members", "anonymous": "y"}


def _question_form(section_id, kind="single", options=(), **extra):
    data = {"section_id": section_id, "kind": kind, "text-fr": "Votre discipline",
            "text-nl": "Uw discipline", "text-en": "Your discipline", "required": "y"}
    for i, (option_id, fr, nl, en) in enumerate(options):
        data |= {f"options-{i}-id": option_id or "", f"options-{i}-fr": fr,
                 f"options-{i}-nl": nl, f"options-{i}-en": en}
    return data | extra


def test_comanager_builds_and_publishes_a_survey(client, login, comanager, member):
    login(comanager)
    response = client.post("/surveys/new", data=SETTINGS)
    assert response.status_code == 302
    survey = db.session.execute(select(Survey)).scalar_one()
    assert survey.title == {"fr": "Besoins 2026", "nl": "Behoeften 2026", "en": "Needs 2026"}
    assert survey.anonymous and survey.status == "draft"
    section_id = survey.sections[0].id
    client.post(f"/surveys/{survey.id}/questions/new", data=_question_form(section_id, options=[
        (None, "Musicien·ne", "Muzikant", "Musician"), (None, "Technicien·ne", "", ""),
        (None, "", "", "")]))
    client.post(f"/surveys/{survey.id}/questions/new", data=_question_form(
        section_id, kind="scale", **{"text-fr": "Utile ?", "scale_min_label-fr": "Pas du tout",
                                     "scale_max_label-fr": "Très"}))
    client.post(f"/surveys/{survey.id}/sections/new", data={"title-fr": "Vous"})
    questions = questions_of(survey)
    assert [q.kind for q in questions] == ["single", "scale"]
    assert [o.label for o in questions[0].options] == [
        {"fr": "Musicien·ne", "nl": "Muzikant", "en": "Musician"}, {"fr": "Technicien·ne"}]
    client.post(f"/surveys/{survey.id}/questions/{questions[1].id}/move",
                data={"direction": "up"})
    assert [q.kind for q in questions_of(survey)] == ["scale", "single"]
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "Utile ?" in page and "Vous" in page and "Muzikant" not in page
    assert client.post(f"/surveys/{survey.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).status == "published"
    client.post("/logout")
    login(member)
    assert "Besoins 2026" in client.get("/surveys/").get_data(as_text=True)


def test_a_survey_needs_a_french_title_and_choices_need_options(client, login, comanager,
                                                                make_survey):
    login(comanager)
    response = client.post("/surveys/new", data=SETTINGS | {"title-fr": ""})
    assert response.status_code == 200 and "en français" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Survey.id))).scalar() == 0
    survey = make_survey(publish=False, questions=[{"kind": "short_text", "text": {"fr": "Q"}}])
    response = client.post(f"/surveys/{survey.id}/questions/new",
                           data=_question_form(survey.sections[0].id, options=[]))
    assert "au moins une option" in response.get_data(as_text=True)
    assert len(questions_of(survey)) == 1


def _input(page: str, field_id: str) -> str:
    return re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page).group(0)


def test_builder_errors_are_tied_to_their_fields(client, login, comanager, make_survey):
    """A screen reader on the French title, or on an option row, reads why it is refused."""
    survey = make_survey(publish=False, questions=[{"kind": "short_text", "text": {"fr": "Q"}}])
    login(comanager)
    page = client.post(f"/surveys/{survey.id}/questions/new", data=_question_form(
        survey.sections[0].id, options=[], **{"text-fr": ""})).get_data(as_text=True)
    french = _input(page, "text-fr")
    assert 'aria-invalid="true"' in french
    [error_id] = re.search(r'aria-describedby="([^"]+)"', french).group(1).split()
    assert re.search(rf'<p class="error" id="{error_id}">[^<]*en français', page)
    assert 'aria-invalid' not in _input(page, "text-nl")
    option = _input(page, "options-0-fr")
    assert 'aria-invalid="true"' in option
    [error_id] = re.search(r'aria-describedby="([^"]+)"', option).group(1).split()
    assert re.search(rf'<p class="error" id="{error_id}">[^<]*au moins une option', page)
    page = client.post(f"/surveys/{survey.id}/questions/new", data=_question_form(
        survey.sections[0].id, options=[(None, "Danse", "", ""), (None, "", "Muziek", "")])
    ).get_data(as_text=True)
    assert "aria-invalid" not in _input(page, "options-0-fr")
    [error_id] = re.search(r'aria-describedby="([^"]+)"', _input(page, "options-1-fr")).group(
        1).split()
    assert re.search(rf'<p class="error" id="{error_id}">[^<]*libellé en français', page)
    assert "aria-invalid" not in _input(page, "options-2-fr")  # a blank row, ignored


def test_publishing_an_empty_survey_is_refused(client, login, comanager, make_survey):
    survey = make_survey(publish=False, questions=[])
    login(comanager)
    client.post(f"/surveys/{survey.id}/publish")
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "au moins une question" in page
    assert db.session.get(Survey, survey.id).status == "draft"


def test_options_can_be_added_and_unchosen_ones_removed(client, login, comanager, make_survey):
    survey = make_survey(publish=False)
    question = questions_of(survey)[0]
    login(comanager)
    options = [(str(o.id), o.label["fr"], "", "") for o in question.options]
    data = _question_form(question.section_id, options=[*options, (None, "Danseur·se", "", "")])
    data["options-1-remove"] = "y"
    assert client.post(f"/surveys/{survey.id}/questions/{question.id}/edit",
                       data=data).status_code == 302
    labels = [o.label["fr"] for o in questions_of(survey)[0].options]
    assert labels == ["Musicien·ne", "Décorateur·rice", "Danseur·se"]


def test_answered_questions_cannot_be_broken(client, login, comanager, member, make_survey):
    survey = make_survey()
    login(member)
    client.post(f"/surveys/s/{survey.token}", data=answer_form(survey, FULL_ANSWER))
    client.post("/logout")
    login(comanager)
    question = questions_of(survey)[0]  # the member chose its second option
    options = [(str(o.id), o.label["fr"], "", "") for o in question.options]

    changed_type = _question_form(question.section_id, kind="multiple", options=options,
                                  allow_other="y")
    page = client.post(f"/surveys/{survey.id}/questions/{question.id}/edit",
                       data=changed_type).get_data(as_text=True)
    assert "son type ne peut plus changer" in page

    removing_chosen = _question_form(question.section_id, options=options, allow_other="y")
    removing_chosen["options-1-remove"] = "y"
    page = client.post(f"/surveys/{survey.id}/questions/{question.id}/edit",
                       data=removing_chosen).get_data(as_text=True)
    assert "Technicien·ne" in page and "ne peut pas être retirée" in page
    assert db.session.execute(select(func.count(SurveyOption.id))
                              .where(SurveyOption.question_id == question.id)).scalar() == 3

    client.post(f"/surveys/{survey.id}/questions/{question.id}/delete")
    assert db.session.get(SurveyQuestion, question.id) is not None

    page = client.post(f"/surveys/{survey.id}/settings",
                       data=SETTINGS | {"title-fr": "Besoins"}).get_data(as_text=True)
    assert "ne peuvent plus changer" in page
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).anonymous is False

    renamed = _question_form(question.section_id, allow_other="y", options=[
        *options[:2], (options[2][0], "Constructeur·rice de décors", "", ""),
        (None, "Danseur·se", "", "")])
    assert client.post(f"/surveys/{survey.id}/questions/{question.id}/edit",
                       data=renamed).status_code == 302
    assert [o.label["fr"] for o in questions_of(survey)[0].options][2:] == [
        "Constructeur·rice de décors", "Danseur·se"]


def test_members_cannot_reach_builder_results_or_exports(client, login, member, make_survey):
    survey = make_survey()
    question = questions_of(survey)[0]
    login(member)
    for method, path in [
        ("get", "/surveys/new"), ("get", f"/surveys/{survey.id}"),
        ("get", f"/surveys/{survey.id}/settings"), ("post", f"/surveys/{survey.id}/publish"),
        ("post", f"/surveys/{survey.id}/close"), ("post", "/surveys/default"),
        ("get", f"/surveys/{survey.id}/questions/{question.id}/edit"),
        ("post", f"/surveys/{survey.id}/questions/{question.id}/delete"),
        ("get", f"/surveys/{survey.id}/results"), ("get", f"/surveys/{survey.id}/export.csv"),
        ("get", f"/surveys/{survey.id}/export.json"),
        ("get", f"/surveys/{survey.id}/results/{question.id}/texts"),
    ]:
        assert getattr(client, method)(path).status_code == 403, path
    assert db.session.get(SurveyQuestion, question.id) is not None


def test_members_see_open_surveys_only(client, login, member, make_survey):
    make_survey(title={"fr": "Ouvert"})
    make_survey(title={"fr": "Brouillon"}, publish=False)
    make_survey(title={"fr": "Public"}, audience="public")
    login(member)
    page = client.get("/surveys/").get_data(as_text=True)
    assert "Ouvert" in page and "Brouillon" not in page and "Public" not in page


def test_default_survey_is_offered_once_on_an_empty_list(client, login, comanager):
    login(comanager)
    assert "Créer le sondage par défaut" in client.get("/surveys/").get_data(as_text=True)
    client.post("/surveys/default")
    client.post("/surveys/default")
    survey = db.session.execute(select(Survey)).scalar_one()
    assert survey.title["fr"] == "Besoins de mutualisation" and survey.status == "draft"
    questions = common.ordered_questions(survey)
    assert [q.kind for q in questions] == ["multiple", "long_text", "scale", "single",
                                           "long_text"]
    assert all(q.text.get(code) for q in questions for code in ("fr", "nl", "en"))
    assert "Créer le sondage par défaut" not in client.get("/surveys/").get_data(as_text=True)


def test_demo_data_loads_the_default_survey_once_with_answers(runner):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    survey = db.session.execute(select(Survey)).scalar_one()
    assert survey.status == "published" and survey.anonymous
    # Léa, Jan and Sofia answered; Youssef has not, so the demo lets a member try it.
    assert common.response_count(db.session, survey) == 3
