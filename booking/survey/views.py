"""The needs survey, for co-managers: the list, the builder, the results and the exports.
Answering (the members' form, the public link, the embedded frame) is in answer_views."""
from __future__ import annotations

import json

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..actions import user_action
from ..domain.survey import building, common, export
from ..domain.survey import default as default_survey
from ..domain.survey import results as result_rules
from ..exports import csv_response
from ..extensions import db, login_manager
from ..forms import choices
from ..models import Survey
from ..security import role_required
from . import answer_views  # noqa: F401  (its routes are on the same blueprint)
from .forms import KIND_LABELS, QuestionForm, SectionForm, SurveyForm
from .pages import (
    PageError,
    bp,
    check_post,
    embed_origins,
    is_comanager,
    reader_locale,
    survey_or_404,
    today,
    viewer,
)

__all__ = ["bp"]


# --- List and builder ---------------------------------------------------------------------

@bp.route("/")
@login_required
def list_surveys():
    listing = common.surveys_for(db.session, current_user, today())
    has_template = current_user.is_comanager and \
        default_survey.find_needs_survey(db.session) is not None
    return render_template("survey/list.html", listing=listing, has_template=has_template)


@bp.route("/default", methods=["POST"])
@role_required("comanager")
def create_default():
    check_post()
    with user_action(_("The survey “Pooling needs” is ready as a draft: read it through, "
                       "adjust it, then publish it.")) as done:
        survey = default_survey.create_needs_survey(db.session, current_user)
    if not done:
        return redirect(url_for("survey.list_surveys"))
    return redirect(url_for("survey.build", survey_id=survey.id))


def _settings_page(survey: Survey | None):
    form = SurveyForm()
    if request.method == "GET":
        form.fill(survey)
    page_error = PageError()
    if form.validate_on_submit():
        with user_action(_("Survey saved."), page_error) as done:
            if survey is None:
                saved = building.create_survey(db.session, current_user, form.values())
            else:
                saved = building.update_survey(db.session, survey, form.values())
        if done:
            return redirect(url_for("survey.build", survey_id=saved.id))
    return render_template("survey/settings.html", form=form, survey=survey,
                           page_error=page_error.message)


@bp.route("/new", methods=["GET", "POST"])
@role_required("comanager")
def new():
    return _settings_page(None)


@bp.route("/<int:survey_id>/settings", methods=["GET", "POST"])
@role_required("comanager")
def edit(survey_id: int):
    return _settings_page(survey_or_404(survey_id))


@bp.route("/<int:survey_id>")
@role_required("comanager")
def build(survey_id: int):
    survey = survey_or_404(survey_id)
    responses = common.response_count(db.session, survey)
    answer_url = current_app.config["BASE_URL"] + url_for("survey.answer", token=survey.token)
    embed_url = current_app.config["BASE_URL"] + url_for("survey.embed", token=survey.token)
    return render_template("survey/build.html", survey=survey, responses=responses,
                           state=common.survey_state(survey, today()),
                           kind_labels=KIND_LABELS, answer_url=answer_url, embed_url=embed_url,
                           embed_origins=embed_origins())


@bp.route("/<int:survey_id>/publish", methods=["POST"])
@role_required("comanager")
def publish(survey_id: int):
    check_post()
    survey = survey_or_404(survey_id)
    with user_action(_("The survey is published.")):
        building.publish_survey(survey)
    return redirect(url_for("survey.build", survey_id=survey.id))


@bp.route("/<int:survey_id>/close", methods=["POST"])
@role_required("comanager")
def close(survey_id: int):
    check_post()
    survey = survey_or_404(survey_id)
    with user_action(_("The survey closes tonight: answers are taken until the end of "
                       "today.")):
        building.close_survey(survey, today())
    return redirect(url_for("survey.build", survey_id=survey.id))


@bp.route("/<int:survey_id>/sections/new", methods=["GET", "POST"])
@bp.route("/<int:survey_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@role_required("comanager")
def section(survey_id: int, section_id: int | None = None):
    survey = survey_or_404(survey_id)
    current = _section_of(survey, section_id) if section_id else None
    form = SectionForm()
    if request.method == "GET" and current is not None:
        form.title.form.fill(current.title)
        form.intro.form.fill(current.intro)
    if form.validate_on_submit():
        with user_action(_("Section saved.")) as done:
            if current is None:
                building.add_section(db.session, survey, form.title.form.texts,
                                     form.intro.form.texts)
            else:
                building.update_section(current, form.title.form.texts, form.intro.form.texts)
        if done:
            return redirect(url_for("survey.build", survey_id=survey.id))
    return render_template("survey/section.html", form=form, survey=survey, section=current)


def _section_of(survey: Survey, section_id: int):
    found = next((s for s in survey.sections if s.id == section_id), None)
    if found is None:
        abort(404)
    return found


def _question_of(survey: Survey, question_id: int):
    found = next((q for q in common.ordered_questions(survey) if q.id == question_id), None)
    if found is None:
        abort(404)
    return found


@bp.route("/<int:survey_id>/sections/<int:section_id>/move", methods=["POST"])
@role_required("comanager")
def move_section(survey_id: int, section_id: int):
    check_post()
    survey = survey_or_404(survey_id)
    with user_action():
        building.move_item(survey.sections, _section_of(survey, section_id),
                           request.form.get("direction", "up"))
    return redirect(url_for("survey.build", survey_id=survey.id))


@bp.route("/<int:survey_id>/sections/<int:section_id>/delete", methods=["POST"])
@role_required("comanager")
def delete_section(survey_id: int, section_id: int):
    check_post()
    survey = survey_or_404(survey_id)
    with user_action(_("Section deleted.")):
        building.delete_section(db.session, survey, _section_of(survey, section_id))
    return redirect(url_for("survey.build", survey_id=survey.id))


BLANK_OPTION_ROWS = 3


@bp.route("/<int:survey_id>/questions/new", methods=["GET", "POST"])
@bp.route("/<int:survey_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@role_required("comanager")
def question(survey_id: int, question_id: int | None = None):
    survey = survey_or_404(survey_id)
    current = _question_of(survey, question_id) if question_id else None
    form = QuestionForm()
    form.section_id.choices = choices(
        (s.id, common.translated(s.title, reader_locale()) or _("Section %(n)d", n=i))
        for i, s in enumerate(survey.sections, start=1))
    if request.method == "GET":
        if current is not None:
            form.fill(current)
        else:
            section_arg = request.args.get("section", type=int)
            form.section_id.data = section_arg or survey.sections[-1].id
        for _blank in range(BLANK_OPTION_ROWS):
            form.options.append_entry()
    page_error = PageError()
    if form.validate_on_submit():
        section = _section_of(survey, form.section_id.data)
        with user_action(_("Question saved."), page_error) as done:
            if current is None:
                building.add_question(db.session, section, form.values(),
                                      form.option_edits(None))
            else:
                building.update_question(db.session, current, form.values(),
                                         form.option_edits(current), section)
        if done:
            return redirect(url_for("survey.build", survey_id=survey.id))
    if request.method == "POST":
        for _blank in range(BLANK_OPTION_ROWS - 1):
            form.options.append_entry()
    answered = current is not None and common.response_count(db.session, survey) > 0
    return render_template("survey/question.html", form=form, survey=survey, question=current,
                           page_error=page_error.message, answered=answered)


@bp.route("/<int:survey_id>/questions/<int:question_id>/move", methods=["POST"])
@role_required("comanager")
def move_question(survey_id: int, question_id: int):
    check_post()
    survey = survey_or_404(survey_id)
    current = _question_of(survey, question_id)
    with user_action():
        building.move_item(current.section.questions, current,
                           request.form.get("direction", "up"))
    return redirect(url_for("survey.build", survey_id=survey.id) + f"#question-{current.id}")


@bp.route("/<int:survey_id>/questions/<int:question_id>/delete", methods=["POST"])
@role_required("comanager")
def delete_question(survey_id: int, question_id: int):
    check_post()
    survey = survey_or_404(survey_id)
    with user_action(_("Question deleted.")):
        building.delete_question(db.session, _question_of(survey, question_id))
    return redirect(url_for("survey.build", survey_id=survey.id))


# --- Results ------------------------------------------------------------------------------

def _filters(survey: Survey) -> result_rules.ResultFilters:
    filters = result_rules.ResultFilters(
        plan_id=request.args.get("plan", type=int) if not survey.anonymous else None,
        cross_question_id=request.args.get("cross", type=int))
    answer = request.args.get("answer", "")
    if ":" in answer:
        question_id, _sep, option_id = answer.partition(":")
        if question_id.isdigit() and option_id.isdigit():
            filters.question_id, filters.option_id = int(question_id), int(option_id)
    return filters


def _check_can_see_results(survey: Survey) -> None:
    if not common.can_see_results(survey, viewer()):
        abort(403 if current_user.is_authenticated else 404)


def _results_page(survey: Survey):
    _check_can_see_results(survey)
    filters = _filters(survey)
    return render_template("survey/results.html", survey=survey,
                           results=result_rules.survey_results(db.session, survey, filters),
                           filters=filters, plans=result_rules.filter_plans(db.session, survey),
                           choice_questions=result_rules.choice_questions(survey),
                           kind_labels=KIND_LABELS, public_view=not is_comanager())


@bp.route("/<int:survey_id>/results")
@login_required
def results(survey_id: int):
    return _results_page(survey_or_404(survey_id))


@bp.route("/s/<token>/results")
def public_results(token: str):
    survey = common.load_survey_by_token(db.session, token)
    if survey is None:
        abort(404)
    if survey.audience == "members" and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return _results_page(survey)


@bp.route("/<int:survey_id>/results/<int:question_id>/texts")
@login_required
def texts(survey_id: int, question_id: int):
    survey = survey_or_404(survey_id)
    _check_can_see_results(survey)
    current = _question_of(survey, question_id)
    search = request.args.get("search", "")[:100]
    page = result_rules.free_text_answers(db.session, survey, current, _filters(survey),
                                          search, request.args.get("page", 1, type=int))
    return render_template("survey/texts.html", survey=survey, question=current, page=page,
                           search=search)


# --- Exports ------------------------------------------------------------------------------

@bp.route("/<int:survey_id>/export.csv")
@role_required("comanager")
def export_csv(survey_id: int):
    survey = survey_or_404(survey_id)
    header, rows = export.csv_table(db.session, survey, reader_locale())
    return csv_response(f"survey-{survey.id}-responses.csv", header, rows)


@bp.route("/<int:survey_id>/export.json")
@role_required("comanager")
def export_json(survey_id: int):
    survey = survey_or_404(survey_id)
    data = export.json_document(db.session, survey)
    return Response(json.dumps(data, ensure_ascii=False, indent=1),
                    mimetype="application/json", headers={
                        "Content-Disposition":
                            f'attachment; filename="survey-{survey.id}-responses.json"'})
