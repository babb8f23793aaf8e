"""The needs survey: co-managers build it, members (or anyone with the link) answer it, and
the results are shown, filtered and exported."""
from __future__ import annotations

import csv
import hmac
import io
import json
import secrets
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..domain import survey as survey_rules
from ..domain import survey_templates
from ..domain.errors import DomainError
from ..extensions import csrf, db, limiter, login_manager
from ..forms import EmptyForm, choices
from ..models import Plan, Survey, SurveyParticipation, SurveyResponse
from ..models.surveys import CHOICE_KINDS
from ..security import role_required
from ..timezones import to_local
from .forms import KIND_LABELS, QuestionForm, SectionForm, SurveyForm

bp = Blueprint("survey", __name__, url_prefix="/surveys")

BROWSER_COOKIE = "mutualise_survey"
HONEYPOT = "website"


def _locale() -> str:
    return str(get_locale() or "fr")


def _today():
    return to_local(clock.now()).date()


def _is_comanager() -> bool:
    return current_user.is_authenticated and current_user.is_comanager


def _survey_or_404(survey_id: int) -> Survey:
    survey = survey_rules.load_survey(db.session, survey_id)
    if survey is None:
        abort(404)
    return survey


def _check_post() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# --- List and builder ---------------------------------------------------------------------

@bp.route("/")
@login_required
def list_surveys():
    today = _today()
    query = select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())
    if not current_user.is_comanager:
        query = query.where(Survey.status == "published", Survey.audience == "members")
    surveys = db.session.execute(query).scalars().all()
    states = {s.id: survey_rules.survey_state(s, today) for s in surveys}
    if not current_user.is_comanager:
        surveys = [s for s in surveys if states[s.id] == "open"
                   or (states[s.id] == "closed" and s.results_published)]
    ids = [s.id for s in surveys]
    answered = set(db.session.execute(
        select(SurveyParticipation.survey_id).where(
            SurveyParticipation.survey_id.in_(ids),
            SurveyParticipation.member_id == current_user.id)).scalars()) if ids else set()
    counts = dict(db.session.execute(
        select(SurveyResponse.survey_id, func.count()).where(SurveyResponse.survey_id.in_(ids))
        .group_by(SurveyResponse.survey_id)).all()) if ids and current_user.is_comanager else {}
    has_template = current_user.is_comanager and \
        survey_templates.find_needs_survey(db.session) is not None
    return render_template("survey/list.html", surveys=surveys, states=states,
                           answered=answered, counts=counts, has_template=has_template)


@bp.route("/default", methods=["POST"])
@role_required("comanager")
def create_default():
    _check_post()
    survey = survey_templates.create_needs_survey(db.session, current_user)
    db.session.commit()
    flash(_("The survey “Pooling needs” is ready as a draft: read it through, adjust it, "
            "then publish it."), "success")
    return redirect(url_for("survey.build", survey_id=survey.id))


def _settings_values(form: SurveyForm) -> dict:
    return {"title": form.title.form.texts, "intro": form.intro.form.texts,
            "opens_on": form.opens_on.data, "closes_on": form.closes_on.data,
            "audience": form.audience.data, "anonymous": form.anonymous.data,
            "results_published": form.results_published.data}


def _settings_page(survey: Survey | None):
    form = SurveyForm()
    if request.method == "GET":
        if survey is not None:
            form.title.form.fill(survey.title)
            form.intro.form.fill(survey.intro)
            form.opens_on.data, form.closes_on.data = survey.opens_on, survey.closes_on
            form.audience.data, form.anonymous.data = survey.audience, survey.anonymous
            form.results_published.data = survey.results_published
        else:
            form.anonymous.data = True
    page_error = None
    if form.validate_on_submit():
        try:
            if survey is None:
                survey = survey_rules.create_survey(db.session, current_user,
                                                    _settings_values(form))
            else:
                survey_rules.update_survey(db.session, survey, _settings_values(form))
        except DomainError as error:
            db.session.rollback()
            page_error = str(error)
        else:
            db.session.commit()
            flash(_("Survey saved."), "success")
            return redirect(url_for("survey.build", survey_id=survey.id))
    return render_template("survey/settings.html", form=form, survey=survey,
                           page_error=page_error)


@bp.route("/new", methods=["GET", "POST"])
@role_required("comanager")
def new():
    return _settings_page(None)


@bp.route("/<int:survey_id>/settings", methods=["GET", "POST"])
@role_required("comanager")
def edit(survey_id: int):
    return _settings_page(_survey_or_404(survey_id))


def _embed_origins() -> list[str]:
    return current_app.config.get("SURVEY_EMBED_ORIGINS", "").split()


@bp.route("/<int:survey_id>")
@role_required("comanager")
def build(survey_id: int):
    survey = _survey_or_404(survey_id)
    responses = survey_rules.response_count(db.session, survey)
    answer_url = current_app.config["BASE_URL"] + url_for("survey.answer", token=survey.token)
    embed_url = current_app.config["BASE_URL"] + url_for("survey.embed", token=survey.token)
    return render_template("survey/build.html", survey=survey, responses=responses,
                           state=survey_rules.survey_state(survey, _today()),
                           kind_labels=KIND_LABELS, answer_url=answer_url, embed_url=embed_url,
                           embed_origins=_embed_origins())


@bp.route("/<int:survey_id>/publish", methods=["POST"])
@role_required("comanager")
def publish(survey_id: int):
    _check_post()
    survey = _survey_or_404(survey_id)
    try:
        survey_rules.publish_survey(survey)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The survey is published."), "success")
    return redirect(url_for("survey.build", survey_id=survey.id))


@bp.route("/<int:survey_id>/close", methods=["POST"])
@role_required("comanager")
def close(survey_id: int):
    _check_post()
    survey = _survey_or_404(survey_id)
    survey_rules.close_survey(survey, _today())
    db.session.commit()
    flash(_("The survey closes tonight: answers are taken until the end of today."), "success")
    return redirect(url_for("survey.build", survey_id=survey.id))


@bp.route("/<int:survey_id>/sections/new", methods=["GET", "POST"])
@bp.route("/<int:survey_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@role_required("comanager")
def section(survey_id: int, section_id: int | None = None):
    survey = _survey_or_404(survey_id)
    current = _section_of(survey, section_id) if section_id else None
    form = SectionForm()
    if request.method == "GET" and current is not None:
        form.title.form.fill(current.title)
        form.intro.form.fill(current.intro)
    if form.validate_on_submit():
        if current is None:
            survey_rules.add_section(db.session, survey, form.title.form.texts,
                                     form.intro.form.texts)
        else:
            survey_rules.update_section(current, form.title.form.texts, form.intro.form.texts)
        db.session.commit()
        flash(_("Section saved."), "success")
        return redirect(url_for("survey.build", survey_id=survey.id))
    return render_template("survey/section.html", form=form, survey=survey, section=current)


def _section_of(survey: Survey, section_id: int):
    found = next((s for s in survey.sections if s.id == section_id), None)
    if found is None:
        abort(404)
    return found


def _question_of(survey: Survey, question_id: int):
    found = next((q for q in survey_rules.ordered_questions(survey) if q.id == question_id),
                 None)
    if found is None:
        abort(404)
    return found


@bp.route("/<int:survey_id>/sections/<int:section_id>/move", methods=["POST"])
@role_required("comanager")
def move_section(survey_id: int, section_id: int):
    _check_post()
    survey = _survey_or_404(survey_id)
    survey_rules.move_item(survey.sections, _section_of(survey, section_id),
                           request.form.get("direction", "up"))
    db.session.commit()
    return redirect(url_for("survey.build", survey_id=survey.id))


@bp.route("/<int:survey_id>/sections/<int:section_id>/delete", methods=["POST"])
@role_required("comanager")
def delete_section(survey_id: int, section_id: int):
    _check_post()
    survey = _survey_or_404(survey_id)
    try:
        survey_rules.delete_section(db.session, survey, _section_of(survey, section_id))
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Section deleted."), "success")
    return redirect(url_for("survey.build", survey_id=survey.id))


def _option_edits(form: QuestionForm, question) -> list[survey_rules.OptionEdit]:
    known = {str(o.id): o.id for o in question.options} if question is not None else {}
    return [survey_rules.OptionEdit(
        id=known.get(row.form.id.data), label={c: row.form[c].data or "" for c in
                                               ("fr", "nl", "en")},
        remove=bool(row.form.remove.data)) for row in form.options.entries]


def _question_values(form: QuestionForm) -> dict:
    return {"kind": form.kind.data, "text": form.text.form.texts,
            "help": form.help.form.texts, "required": form.required.data,
            "allow_other": form.allow_other.data,
            "scale_min_label": form.scale_min_label.form.texts,
            "scale_max_label": form.scale_max_label.form.texts}


BLANK_OPTION_ROWS = 3


@bp.route("/<int:survey_id>/questions/new", methods=["GET", "POST"])
@bp.route("/<int:survey_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@role_required("comanager")
def question(survey_id: int, question_id: int | None = None):
    survey = _survey_or_404(survey_id)
    current = _question_of(survey, question_id) if question_id else None
    form = QuestionForm()
    form.section_id.choices = choices(
        (s.id, survey_rules.translated(s.title, _locale()) or _("Section %(n)d", n=i))
        for i, s in enumerate(survey.sections, start=1))
    if request.method == "GET":
        if current is not None:
            form.section_id.data, form.kind.data = current.section_id, current.kind
            form.text.form.fill(current.text)
            form.help.form.fill(current.help)
            form.required.data, form.allow_other.data = current.required, current.allow_other
            form.scale_min_label.form.fill(current.scale_min_label)
            form.scale_max_label.form.fill(current.scale_max_label)
            for option in current.options:
                form.options.append_entry({"id": str(option.id), **option.label})
        else:
            section_arg = request.args.get("section", type=int)
            form.section_id.data = section_arg or survey.sections[-1].id
        for _blank in range(BLANK_OPTION_ROWS):
            form.options.append_entry()
    page_error = None
    if form.validate_on_submit():
        section = _section_of(survey, form.section_id.data)
        try:
            if current is None:
                survey_rules.add_question(db.session, section, _question_values(form),
                                          _option_edits(form, None))
            else:
                survey_rules.update_question(db.session, current, _question_values(form),
                                             _option_edits(form, current), section)
        except DomainError as error:
            db.session.rollback()
            page_error = str(error)
        else:
            db.session.commit()
            flash(_("Question saved."), "success")
            return redirect(url_for("survey.build", survey_id=survey.id))
    if request.method == "POST":
        for _blank in range(BLANK_OPTION_ROWS - 1):
            form.options.append_entry()
    answered = current is not None and survey_rules.response_count(db.session, survey) > 0
    return render_template("survey/question.html", form=form, survey=survey, question=current,
                           page_error=page_error, answered=answered)


@bp.route("/<int:survey_id>/questions/<int:question_id>/move", methods=["POST"])
@role_required("comanager")
def move_question(survey_id: int, question_id: int):
    _check_post()
    survey = _survey_or_404(survey_id)
    current = _question_of(survey, question_id)
    survey_rules.move_item(current.section.questions, current,
                           request.form.get("direction", "up"))
    db.session.commit()
    return redirect(url_for("survey.build", survey_id=survey.id) + f"#question-{current.id}")


@bp.route("/<int:survey_id>/questions/<int:question_id>/delete", methods=["POST"])
@role_required("comanager")
def delete_question(survey_id: int, question_id: int):
    _check_post()
    survey = _survey_or_404(survey_id)
    try:
        survey_rules.delete_question(db.session, _question_of(survey, question_id))
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Question deleted."), "success")
    return redirect(url_for("survey.build", survey_id=survey.id))


# --- Answering ----------------------------------------------------------------------------

def _raw_answers(survey: Survey) -> dict[int, survey_rules.RawAnswer]:
    return {q.id: survey_rules.RawAnswer(values=request.form.getlist(f"q{q.id}"),
                                         other=request.form.get(f"q{q.id}_other", ""))
            for q in survey_rules.ordered_questions(survey)}


def _cookie_is_secure() -> bool:
    return not (current_app.debug or current_app.testing)


def _answer_token(browser_token: str) -> str:
    """The hidden field a public form carries: tied to the browser's cookie, it stands in for
    the session's CSRF token, which browsers do not send to a frame on another site."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"survey-answer:" + browser_token.encode(), "sha256").hexdigest()


def _csrf_protect() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _answer_page(token: str, embed: bool):
    browser_token = request.cookies.get(BROWSER_COOKIE)
    public_post_ok = bool(browser_token) and hmac.compare_digest(
        request.form.get("answer_token", ""), _answer_token(browser_token or ""))
    if request.method == "POST" and not public_post_ok:
        _csrf_protect()
    survey = survey_rules.load_survey_by_token(db.session, token)
    if survey is None or (survey.status == "draft" and not _is_comanager()):
        abort(404)
    template = "survey/embed.html" if embed else "survey/answer.html"
    members_only = survey.audience == "members"
    if members_only and not current_user.is_authenticated:
        if embed:
            return _embed_headers(render_template("survey/embed_members_only.html",
                                                  survey=survey))
        return login_manager.unauthorized()
    if request.method == "POST" and members_only:
        _csrf_protect()  # the member is known by the session: its CSRF token is required
    new_cookie = None
    if members_only:
        browser_token = None
    elif not browser_token:
        browser_token = new_cookie = secrets.token_urlsafe(24)
    today = _today()
    member = current_user if current_user.is_authenticated and members_only else None
    own = survey_rules.named_response(db.session, survey, member) if member else None
    already = own is None and survey_rules.has_answered(db.session, survey, member=member,
                                                        browser_token=browser_token)
    raw = survey_rules.raw_from_response(own)
    errors, page_error = {}, None
    thanks = url_for("survey.embed_thanks" if embed else "survey.thanks", token=survey.token)
    if request.method == "POST":
        raw = _raw_answers(survey)
        if not members_only and request.form.get(HONEYPOT):
            current_app.logger.info("survey %s: honeypot filled, answer dropped", survey.id)
            return redirect(thanks)
        try:
            if not members_only and not public_post_ok:
                raise DomainError(_("Your browser did not keep our cookie: allow cookies for "
                                    "this site, reload the page and send the form again."))
            survey_rules.submit_response(db.session, survey, raw, today=today, member=member,
                                         browser_token=browser_token)
            db.session.commit()
        except survey_rules.AnswersInvalid as error:
            db.session.rollback()
            errors, page_error = error.errors, str(error)
        except IntegrityError:  # a second response sent at the same instant
            db.session.rollback()
            page_error = _("You have already answered this survey: one response each.")
        except DomainError as error:
            db.session.rollback()
            page_error = str(error)
        else:
            if own is not None:
                flash(_("Your answers are updated."), "success")
            return redirect(thanks)
    questions = survey_rules.ordered_questions(survey)
    response = current_app.make_response((render_template(
        template, survey=survey, raw=raw, errors=errors, page_error=page_error,
        state=survey_rules.survey_state(survey, today), already=already, own=own,
        question_count=len(questions), honeypot=HONEYPOT,
        answer_token=_answer_token(browser_token) if browser_token else "",
        required_count=sum(q.required for q in questions)),
        422 if errors else 200))
    if new_cookie:
        response.set_cookie(BROWSER_COOKIE, new_cookie, max_age=400 * 86400, httponly=True,
                            secure=_cookie_is_secure(),
                            samesite="None" if _cookie_is_secure() else "Lax")
    return _embed_headers(response) if embed else response


def _survey_rate_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT"]


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(_survey_rate_limit, methods=["POST"])
def answer(token: str):
    return _answer_page(token, embed=False)


@bp.route("/s/<token>/embed", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(_survey_rate_limit, methods=["POST"])
def embed(token: str):
    return _answer_page(token, embed=True)


def _embed_headers(response):
    """Let the configured sites (and this one) show the page in a frame."""
    response = current_app.make_response(response)
    ancestors = " ".join(["'self'", *_embed_origins()])
    from ..security import CONTENT_SECURITY_POLICY

    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'self'", f"frame-ancestors {ancestors}")
    return response


def _thanks_page(token: str, embed: bool):
    survey = survey_rules.load_survey_by_token(db.session, token)
    if survey is None or survey.status == "draft":
        abort(404)
    page = render_template("survey/thanks.html", survey=survey, embed=embed,
                           results_url=_public_results_url(survey))
    return _embed_headers(page) if embed else page


def _public_results_url(survey: Survey) -> str | None:
    if not survey.results_published:
        return None
    if survey.audience == "public":
        return url_for("survey.public_results", token=survey.token)
    return url_for("survey.results", survey_id=survey.id)


@bp.route("/s/<token>/thanks")
def thanks(token: str):
    return _thanks_page(token, embed=False)


@bp.route("/s/<token>/embed/thanks")
def embed_thanks(token: str):
    return _thanks_page(token, embed=True)


# --- Results ------------------------------------------------------------------------------

def _filters(survey: Survey) -> survey_rules.ResultFilters:
    filters = survey_rules.ResultFilters(
        plan_id=request.args.get("plan", type=int) if not survey.anonymous else None,
        cross_question_id=request.args.get("cross", type=int))
    answer = request.args.get("answer", "")
    if ":" in answer:
        question_id, _sep, option_id = answer.partition(":")
        if question_id.isdigit() and option_id.isdigit():
            filters.question_id, filters.option_id = int(question_id), int(option_id)
    return filters


def _can_see_results(survey: Survey) -> bool:
    return survey_rules.can_see_results(
        survey, current_user if current_user.is_authenticated else None)


def _results_page(survey: Survey):
    if not _can_see_results(survey):
        abort(403 if current_user.is_authenticated else 404)
    filters = _filters(survey)
    results = survey_rules.survey_results(db.session, survey, filters)
    plans = db.session.execute(select(Plan).order_by(Plan.name)).scalars().all() \
        if not survey.anonymous and survey.audience == "members" else []
    choice_questions = [q for q in survey_rules.ordered_questions(survey)
                        if q.kind in CHOICE_KINDS]
    return render_template("survey/results.html", survey=survey, results=results,
                           filters=filters, plans=plans, choice_questions=choice_questions,
                           kind_labels=KIND_LABELS, public_view=not _is_comanager())


@bp.route("/<int:survey_id>/results")
@login_required
def results(survey_id: int):
    return _results_page(_survey_or_404(survey_id))


@bp.route("/s/<token>/results")
def public_results(token: str):
    survey = survey_rules.load_survey_by_token(db.session, token)
    if survey is None:
        abort(404)
    if survey.audience == "members" and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return _results_page(survey)


@bp.route("/<int:survey_id>/results/<int:question_id>/texts")
@login_required
def texts(survey_id: int, question_id: int):
    survey = _survey_or_404(survey_id)
    if not _can_see_results(survey):
        abort(403)
    current = _question_of(survey, question_id)
    search = request.args.get("search", "")[:100]
    page = survey_rules.free_text_answers(db.session, survey, current, _filters(survey),
                                          search, request.args.get("page", 1, type=int))
    return render_template("survey/texts.html", survey=survey, question=current, page=page,
                           search=search)


# --- Exports ------------------------------------------------------------------------------

def _csv_safe(value: str) -> str:
    """Spreadsheets run cells that start like a formula: make them plain text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _number_text(value) -> str:
    return format(Decimal(value).normalize(), "f")


def _export_cells(survey: Survey, columns, response, locale: str) -> dict[str, object]:
    grouped = survey_rules.answers_by_question(response)
    labels = {o.id: survey_rules.translated(o.label, locale)
              for q in survey_rules.ordered_questions(survey) for o in q.options}
    cells: dict[str, object] = {}
    for column in columns:
        answers = grouped.get(column.question.id, [])
        if column.is_other:
            cells[column.key] = next((a.text_value for a in answers if a.option_id is None
                                      and a.text_value is not None), "")
        elif column.option is not None:
            cells[column.key] = 1 if any(a.option_id == column.option.id for a in answers) else 0
        elif column.question.kind == "single":
            cells[column.key] = next((labels[a.option_id] for a in answers
                                      if a.option_id is not None), "")
        elif column.question.kind == "yesno":
            cells[column.key] = next(((_("Yes") if a.number_value else _("No"))
                                      for a in answers), "")
        elif column.question.kind in ("scale", "number"):
            cells[column.key] = next((_number_text(a.number_value) for a in answers), "")
        else:
            cells[column.key] = next((a.text_value for a in answers), "")
    return cells


@bp.route("/<int:survey_id>/export.csv")
@role_required("comanager")
def export_csv(survey_id: int):
    survey = _survey_or_404(survey_id)
    locale = _locale()
    columns = survey_rules.export_columns(survey, locale)
    named = not survey.anonymous
    header = [_("Response"), _("Day")]
    if named:
        header += [_("Member"), _("Email"), _("Plan")]
    header += [str(c.header) for c in columns]
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheets read the accents right
    writer = csv.writer(out)
    writer.writerow(header)
    for response in survey_rules.export_responses(db.session, survey):
        row = [response.id, response.submitted_on.isoformat()]
        if named:
            row += [response.member.name, response.member.email,
                    response.plan.name if response.plan else ""]
        cells = _export_cells(survey, columns, response, locale)
        row += [_csv_safe(str(cells[c.key])) for c in columns]
        writer.writerow(row)
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="survey-{survey.id}-responses.csv"'})


@bp.route("/<int:survey_id>/export.json")
@role_required("comanager")
def export_json(survey_id: int):
    survey = _survey_or_404(survey_id)
    questions = survey_rules.ordered_questions(survey)
    data = {
        "survey": {"id": survey.id, "title": survey.title, "audience": survey.audience,
                   "anonymous": survey.anonymous},
        "questions": [{"key": f"q{n}", "id": q.id, "kind": q.kind, "text": q.text,
                       "required": q.required, "allow_other": q.allow_other,
                       "options": [{"id": o.id, "label": o.label} for o in q.options]}
                      for n, q in enumerate(questions, start=1)],
        "responses": [],
    }
    for response in survey_rules.export_responses(db.session, survey):
        grouped = survey_rules.answers_by_question(response)
        entry = {"id": response.id, "day": response.submitted_on.isoformat()}
        if not survey.anonymous:
            entry["member"] = {"id": response.member_id, "name": response.member.name,
                               "email": response.member.email,
                               "plan": response.plan.name if response.plan else None}
        answers = {}
        for n, q in enumerate(questions, start=1):
            given = grouped.get(q.id, [])
            if not given:
                continue
            if q.kind in CHOICE_KINDS:
                chosen = [{"option_id": a.option_id} if a.option_id is not None
                          else {"other": a.text_value} for a in given]
                answers[f"q{n}"] = chosen if q.kind == "multiple" else chosen[0]
            elif q.kind == "yesno":
                answers[f"q{n}"] = bool(given[0].number_value)
            elif q.kind in ("scale", "number"):
                number = Decimal(given[0].number_value)
                answers[f"q{n}"] = int(number) if number == number.to_integral() \
                    else float(number)
            else:
                answers[f"q{n}"] = given[0].text_value
        entry["answers"] = answers
        data["responses"].append(entry)
    return Response(json.dumps(data, ensure_ascii=False, indent=1),
                    mimetype="application/json", headers={
                        "Content-Disposition":
                            f'attachment; filename="survey-{survey.id}-responses.json"'})


# --- Template helpers ---------------------------------------------------------------------

@bp.app_template_filter("tr")
def _translated_filter(texts: dict | None) -> str:
    """A survey text in the reader's language, falling back to French."""
    return survey_rules.translated(texts, _locale())


@bp.app_template_filter("share")
def _share_filter(value: float) -> str:
    """A share as the reader writes it (75,5 % in French), one decimal at most."""
    pattern = get_locale().percent_formats[None].pattern
    if "." not in pattern:
        pattern = pattern.replace("0", "0.#", 1)
    return format_percent(value, pattern)


@bp.app_template_filter("figure")
def _figure_filter(value) -> str:
    return "" if value is None else format_decimal(value, "#,##0.##")
