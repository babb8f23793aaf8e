"""Answering a survey: the members' form, the public link and its embedded frame (a cookie
stands for the browser, an HMAC token for the CSRF token), and the thank-you page."""
from __future__ import annotations

import hmac
import secrets

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..actions import user_action
from ..domain.errors import DomainError
from ..domain.survey import answering, common
from ..extensions import csrf, db, limiter, login_manager
from ..models import Survey
from .pages import PageError, bp, embed_origins, is_comanager, today, viewer

BROWSER_COOKIE = "mutualise_survey"
HONEYPOT = "website"


def _raw_answers(survey: Survey) -> dict[int, answering.RawAnswer]:
    return {q.id: answering.RawAnswer(values=request.form.getlist(f"q{q.id}"),
                                      other=request.form.get(f"q{q.id}_other", ""))
            for q in common.ordered_questions(survey)}


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
    survey = common.load_survey_by_token(db.session, token)
    if survey is None or (survey.status == "draft" and not is_comanager()):
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
    day = today()
    member = current_user if current_user.is_authenticated and members_only else None
    own = answering.named_response(db.session, survey, member) if member else None
    already = own is None and answering.has_answered(db.session, survey, member=member,
                                                     browser_token=browser_token)
    raw = answering.raw_from_response(own)
    errors, page_error = {}, PageError()
    thanks = url_for("survey.embed_thanks" if embed else "survey.thanks", token=survey.token)
    if request.method == "POST":
        raw = _raw_answers(survey)
        if not members_only and request.form.get(HONEYPOT):
            current_app.logger.info("survey %s: honeypot filled, answer dropped", survey.id)
            return redirect(thanks)
        updated = _("Your answers are updated.") if own is not None else None
        with user_action(updated, page_error) as done:
            if not members_only and not public_post_ok:
                raise DomainError(_("Your browser did not keep our cookie: allow cookies for "
                                    "this site, reload the page and send the form again."))
            answering.submit_response(db.session, survey, raw, today=day, member=member,
                                      browser_token=browser_token)
        if done:
            return redirect(thanks)
        if isinstance(done.error, answering.AnswersInvalid):
            errors = done.error.errors
    questions = common.ordered_questions(survey)
    response = current_app.make_response((render_template(
        template, survey=survey, raw=raw, errors=errors, page_error=page_error.message,
        state=common.survey_state(survey, day), already=already, own=own,
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
    ancestors = " ".join(["'self'", *embed_origins()])
    from ..security import CONTENT_SECURITY_POLICY

    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'self'", f"frame-ancestors {ancestors}")
    return response


def _thanks_page(token: str, embed: bool):
    survey = common.load_survey_by_token(db.session, token)
    if survey is None or survey.status == "draft":
        abort(404)
    page = render_template("survey/thanks.html", survey=survey, embed=embed,
                           results_url=_public_results_url(survey))
    return _embed_headers(page) if embed else page


def _public_results_url(survey: Survey) -> str | None:
    if not common.can_see_results(survey, viewer()):
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
