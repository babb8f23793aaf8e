"""The needs survey: building it (building), answering it (answering), its results
(results) and exports (export), and the ready-made survey on pooling needs (default);
common holds what they share (texts in three languages, state, who sees the results).

The names below are the ones other areas use (the JSON API, the demo data); the survey's
own views and tests import the module that does the job.
"""
from .answering import RawAnswer, submit_response
from .common import can_see_results, load_survey, ordered_questions, translated
from .results import survey_results

__all__ = ["RawAnswer", "can_see_results", "load_survey", "ordered_questions",
           "submit_response", "survey_results", "translated"]
