"""Survey results on a big data set: 15 questions of every type, 5,000 responses.

Prints median and p95 (milliseconds) and SQL statements per request for the results page
(plain, filtered by an answer, broken down by a question), a page of free-text answers and
the CSV export.

    .venv/bin/python bench/survey.py                      # SQLite file in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench \
        .venv/bin/python bench/survey.py
"""
from __future__ import annotations

import os
import random
import statistics
import time as clock
import uuid
from datetime import UTC, date, datetime, timedelta

from dataset import db, migrated_app
from sqlalchemy import event, insert, text
from werkzeug.security import generate_password_hash

from booking.domain.survey import building, common
from booking.models import Member, SurveyAnswer, SurveyParticipation, SurveyResponse

RESPONSES = int(os.environ.get("BENCH_RESPONSES", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
PASSWORD = "bench password"
WORDS = ("atelier", "salle", "camion", "lumière", "son", "gestion", "contrat", "stockage",
         "décor", "répétition", "backline", "comptabilité", "vélo", "scie", "projecteur")
QUESTIONS = [  # 15 questions: (kind, options, allow_other)
    ("single", 4, True), ("single", 3, False), ("single", 5, False),
    ("multiple", 5, True), ("multiple", 4, False), ("multiple", 6, True),
    ("scale", 0, False), ("scale", 0, False), ("scale", 0, False),
    ("yesno", 0, False), ("yesno", 0, False), ("number", 0, False),
    ("short_text", 0, False), ("long_text", 0, False), ("long_text", 0, False),
]


def build(app) -> int:
    """A published anonymous survey, then its responses and answers by bulk insert."""
    with app.app_context():
        db.session.execute(insert(Member), [{
            "email": "comanager@example.org", "name": "Co-manager", "role": "comanager",
            "password_hash": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
            "active": True, "phone": ""}])
        author = db.session.get(Member, 1)
        survey = building.create_survey(db.session, author, {
            "title": {"fr": "Banc d’essai"}, "audience": "members", "anonymous": True})
        section = survey.sections[0]
        for number, (kind, options, other) in enumerate(QUESTIONS, start=1):
            building.add_question(db.session, section, {
                "kind": kind, "text": {"fr": f"Question {number}"}, "allow_other": other},
                [building.OptionEdit(None, {"fr": f"Option {n}"}) for n in range(options)])
        building.publish_survey(survey)
        db.session.commit()
        survey_id = survey.id
        questions = common.ordered_questions(survey)
        rng = random.Random(42)
        first_day = date.today() - timedelta(days=30)
        responses, answers, participations = [], [], []
        for n in range(RESPONSES):
            response_id = str(uuid.uuid4())
            responses.append({"id": response_id, "survey_id": survey_id, "anonymous": True,
                              "submitted_on": first_day + timedelta(days=rng.randint(0, 30))})
            participations.append({"survey_id": survey_id, "browser_token_hash": f"{n:064d}",
                                   "answered_at": datetime.now(UTC)})
            for question in questions:
                answers.extend(_answers(rng, response_id, question))
        db.session.execute(insert(SurveyResponse), responses)
        db.session.execute(insert(SurveyParticipation), participations)
        for i in range(0, len(answers), 10000):
            db.session.execute(insert(SurveyAnswer), answers[i:i + 10000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return survey_id


def _answers(rng: random.Random, response_id: str, question) -> list[dict]:
    def row(**values):
        return {"id": str(uuid.uuid4()), "response_id": response_id,
                "question_id": question.id, "option_id": None, "text_value": None,
                "number_value": None} | values

    if rng.random() < .1:
        return []  # an unanswered optional question
    if question.kind == "single":
        if question.allow_other and rng.random() < .1:
            return [row(text_value=" ".join(rng.sample(WORDS, 2)))]
        return [row(option_id=rng.choice(question.options).id)]
    if question.kind == "multiple":
        chosen = [row(option_id=o.id) for o in rng.sample(question.options,
                                                          rng.randint(1, 3))]
        if question.allow_other and rng.random() < .1:
            chosen.append(row(text_value=" ".join(rng.sample(WORDS, 2))))
        return chosen
    if question.kind == "scale":
        return [row(number_value=rng.randint(1, 5))]
    if question.kind == "yesno":
        return [row(number_value=rng.randint(0, 1))]
    if question.kind == "number":
        return [row(number_value=rng.randint(0, 40))]
    return [row(text_value=" ".join(rng.sample(WORDS, rng.randint(3, 12))))]


def measure(app, label: str, paths: list[str], counter) -> tuple[str, int, float, float, int]:
    client = app.test_client()
    client.post("/login", data={"email": "comanager@example.org", "password": PASSWORD})
    timings, queries = [], []
    for path in paths:
        counter.clear()
        started = clock.perf_counter()
        response = client.get(path)
        timings.append((clock.perf_counter() - started) * 1000)
        queries.append(len(counter))
        if response.status_code != 200:
            raise SystemExit(f"{label}: unexpected answer {response.status_code}")
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return label, len(timings), statistics.median(timings), p95, max(queries)


def main() -> None:
    app, url = migrated_app()
    started = clock.perf_counter()
    survey_id = build(app)
    with app.app_context():
        answers = db.session.execute(text("SELECT count(*) FROM survey_answers")).scalar()
        survey = common.load_survey(db.session, survey_id)
        questions = common.ordered_questions(survey)
        first, text_question = questions[0], questions[13]
    print(f"Data set: 1 survey, {len(QUESTIONS)} questions, {RESPONSES:,} responses, "
          f"{answers:,} answers, built in {clock.perf_counter() - started:.0f} s "
          f"({url.split(':')[0]}).")

    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
    base = f"/surveys/{survey_id}"
    rows = [
        measure(app, "results page", [f"{base}/results"] * RUNS, statements),
        measure(app, "results, filtered by an answer",
                [f"{base}/results?answer={first.id}:{first.options[i % 4].id}"
                 for i in range(RUNS)], statements),
        measure(app, "results, broken down by a question",
                [f"{base}/results?cross={first.id}"] * RUNS, statements),
        measure(app, "free-text answers, searched",
                [f"{base}/results/{text_question.id}/texts?search={WORDS[i % len(WORDS)]}"
                 for i in range(RUNS)], statements),
        measure(app, "CSV export", [f"{base}/export.csv"] * max(3, RUNS // 4), statements),
    ]
    print("\n| operation | runs | median ms | p95 ms | SQL statements |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, runs, median, p95, queries in rows:
        print(f"| {label} | {runs} | {median:.1f} | {p95:.1f} | {queries} |")


if __name__ == "__main__":
    main()
