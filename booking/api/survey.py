"""A needs survey's results, in the caller's language."""
from __future__ import annotations

from flask import jsonify
from flask_babel import get_locale

from ..domain import survey as survey_rules
from ..extensions import db
from .auth import current_member
from .blueprint import bp
from .openapi import endpoint, ref
from .problems import ApiProblem


@endpoint(bp, "/surveys/<int:survey_id>/results", "GET", summary="A survey's results",
          tag="surveys", response=ref("SurveyResults"), errors=(403,),
          description="Counts and shares per option, scale mean, median and distribution, in "
                      "the caller's language. Co-managers always; members once the results "
                      "are published. Free-text answers are counted, not listed.")
def survey_results(survey_id):
    survey = survey_rules.load_survey(db.session, survey_id)
    if survey is None:
        raise ApiProblem(404)
    if not survey_rules.can_see_results(survey, current_member()):
        raise ApiProblem(403)
    locale = str(get_locale())
    results = survey_rules.survey_results(db.session, survey)
    return jsonify({
        "survey_id": survey.id, "title": survey_rules.translated(survey.title, locale),
        "total": results.total,
        "questions": [{
            "id": q.question.id, "number": q.number, "kind": q.question.kind,
            "text": survey_rules.translated(q.question.text, locale),
            "respondents": q.respondents,
            "options": [{"id": o.option.id,
                         "label": survey_rules.translated(o.option.label, locale),
                         "count": o.count, "share": round(o.share, 4)}
                        for o in q.options if o.option is not None],
            "other_count": q.other.count if q.other else None,
            "mean": q.mean, "median": q.median,
            "distribution": [{"value": float(value), "count": count}
                             for value, count, _share in q.distribution],
            "text_count": q.text_count,
        } for q in results.questions],
    })
