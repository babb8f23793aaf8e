"""Demo activity beyond accounts: spaces, a closure and a few weeks of bookings."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from . import clock
from .domain import bookings as booking_rules
from .domain.accounts import find_member_by_email
from .domain.errors import DomainError
from .domain.periods import month_end, month_start
from .extensions import db
from .models import Closure, EquipmentItem, Expense, Organisation, Plan, QuotaRule, Space
from .timezones import from_local, to_local

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEMO_SPACES = [
    {"name": "Studio Bemol", "kind": "rehearsal_room", "capacity": 8, "colour": "ocean",
     "description": "Salle de répétition insonorisée, 40 m², backline batterie et ampli basse.",
     "address": "Rue de la Poste 112, 1030 Schaerbeek", "slot_minutes": 30, "min_minutes": 60,
     "max_minutes": 360, "hourly_weight_pct": 100, "hourly_rate_cents": 1200,
     "opening_hours": {d: [["09:00", "24:00"]] for d in WEEKDAYS}},
    {"name": "Studio Dièse", "kind": "rehearsal_room", "capacity": 4, "colour": "plum",
     "description": "Petite salle pour répétitions acoustiques et travail vocal.",
     "address": "Rue de la Poste 112, 1030 Schaerbeek", "slot_minutes": 30, "min_minutes": 60,
     "max_minutes": 240, "hourly_weight_pct": 75, "hourly_rate_cents": 800,
     "opening_hours": {d: [["09:00", "23:00"]] for d in WEEKDAYS[:6]}},
    {"name": "Atelier Grand Format", "kind": "decor_workshop", "capacity": 12,
     "colour": "terracotta", "needs_approval": True, "buffer_minutes": 30,
     "description": "Atelier de 300 m² sous 7 m de plafond pour construire les grands décors.",
     "access_instructions": "Clé au boîtier (code communiqué par les cogestionnaires). "
                            "Quai de chargement côté cour.",
     "address": "Chaussée de Haecht 300, 1030 Schaerbeek", "slot_minutes": 60,
     "min_minutes": 120, "max_minutes": 600, "hourly_weight_pct": 150, "hourly_rate_cents": 2000,
     "opening_hours": {d: [["08:00", "12:00"], ["13:00", "20:00"]] for d in WEEKDAYS[:5]}
     | {"sat": [["09:00", "17:00"]], "sun": []}},
    {"name": "Réserve", "kind": "storage", "capacity": 2, "colour": "slate", "slot_minutes": 60,
     "description": "Stockage de décors et de flight-cases.", "min_minutes": 60,
     "max_minutes": 480, "hourly_weight_pct": 25,
     "opening_hours": {d: [["08:00", "20:00"]] for d in WEEKDAYS[:6]}},
]
DEMO_BOOKINGS = [  # (space, member email, day offset, start hour, hours, title)
    ("Studio Bemol", "lea@example.org", 1, 19, 3, "Répétition quartet"),
    ("Studio Bemol", "youssef@example.org", 2, 18, 2, "Fanfare : pupitre cuivres"),
    ("Studio Bemol", "lea@example.org", 3, 14, 2, "Travail en solo"),
    ("Studio Dièse", "youssef@example.org", 1, 10, 2, "Batterie, travail technique"),
    ("Studio Dièse", "lea@example.org", 4, 20, 2, "Voix et guitare"),
    ("Atelier Grand Format", "sofia@example.org", 2, 8, 4, "Construction châssis « Tempête »"),
    ("Atelier Grand Format", "jan@example.org", 3, 13, 5, "Montage des praticables"),
    ("Réserve", "sofia@example.org", 5, 9, 2, "Rangement décors"),
]


DEMO_QUOTAS = [  # (plan or organisation, kind, period, hours, over limit, evening weighting)
    ("plan", "Musicien·ne", "rehearsal_room", "month", 20, "refuse", None),
    ("plan", "Compagnie", "decor_workshop", "month", 40, "approval", time(18)),
    ("plan", "Technicien·ne", "decor_workshop", "month", 30, "overage", None),
    ("organisation", "Fanfare Brass'ele", "rehearsal_room", "week", 12, "refuse", None),
]


def _load_demo_quotas() -> None:
    plans = {p.name: p.id for p in db.session.execute(select(Plan)).scalars()}
    organisations = {o.name: o.id for o in db.session.execute(select(Organisation)).scalars()}
    for holder, name, kind, period, hours, over, evening in DEMO_QUOTAS:
        db.session.add(QuotaRule(
            plan_id=plans.get(name) if holder == "plan" else None,
            organisation_id=organisations.get(name) if holder == "organisation" else None,
            space_kind=kind, period=period, limit_minutes=hours * 60, over_limit=over,
            peak_weight_pct=150 if evening else 100, peak_from=evening,
            peak_weekends=bool(evening)))


def _load_demo_costs(today, tz: str) -> None:
    """A rent waiting to be shared by usage, an insurance already shared by shares, and a
    payment a member declared: enough to try every ledger page."""
    from .domain import ledger

    first = month_start(today)
    last = month_end(today)
    comanager = find_member_by_email(db.session, "comanager@example.org")
    db.session.add(Expense(label="Loyer de l’atelier et des studios", category="rent",
                           amount_cents=240_000, spent_on=first, period_start=first,
                           period_end=last, method="usage", created_by_id=comanager.id))
    insurance = Expense(label="Assurance incendie", category="insurance", amount_cents=36_000,
                        spent_on=first, period_start=first, period_end=last, method="shares",
                        created_by_id=comanager.id)
    db.session.add(insurance)
    db.session.flush()
    ledger.post_allocation(db.session, insurance, 0, actor=comanager, tz=tz)
    lea = find_member_by_email(db.session, "lea@example.org")
    ledger.declare_payment(db.session, member=lea, amount_cents=5_000, paid_on=today,
                           method="transfer", reference="Virement assurance")


DEMO_CHARTER = """# Charte de la coopérative

## Conditions d'utilisation
- On réserve avant de venir, on annule dès qu'on sait qu'on ne viendra pas.
- On laisse l'espace rangé et on signale tout dégât le jour même.

## Garanties
- Une caution est demandée à l'adhésion ; elle est rendue au départ.
- Un dégât est réparé aux frais de qui l'a causé ; une part impayée suspend les réservations.

## Décider ensemble
- Les propositions sont ouvertes à tous les membres et décidées par consentement ou à la
  majorité, selon leur portée.
"""
DEMO_MEMBERS = ("comanager@example.org", "lea@example.org", "jan@example.org",
                "sofia@example.org", "youssef@example.org")


def _load_demo_governance() -> None:
    """A charter the demo members have accepted, and a few proposals for the roadmap."""
    from .domain import governance

    now = clock.now()
    author = find_member_by_email(db.session, "comanager@example.org")
    if author is None:
        return
    version = governance.publish_charter(
        db.session, actor=author, body_markdown=DEMO_CHARTER, summary="Première version",
        requires_acceptance=True, now=now)
    for email in DEMO_MEMBERS:
        member = find_member_by_email(db.session, email)
        if member is not None:
            governance.accept_charter(db.session, member=member, number=version.number, now=now)
    ideas = [  # (title, kind, horizon, cost in cents, days open, options)
        ("Acheter un piano droit pour le Studio Dièse", "majority", "short", 350000, 10, []),
        ("Isoler la toiture de l'atelier", "consent", "medium", 1800000, 20, []),
        ("Acheter et rénover un bâtiment commun", "consent", "long", None, 45, []),
        ("Date de l'assemblée générale", "time", "short", None, 5,
         ["Lundi 19 h", "Mercredi 19 h", "Samedi 10 h"]),
    ]
    for title, kind, horizon, cost, days, options in ideas:
        draft = governance.ProposalDraft(
            title=title, body_markdown="", kind=kind, horizon=horizon, options=options,
            estimated_cost_cents=cost, closes_at=now + timedelta(days=days),
            threshold="no_block" if kind == "consent" else "simple", quorum_percent=25)
        governance.create_proposal(db.session, author=author, now=now, draft=draft)


def load_demo_activity() -> bool:
    """Returns True when anything was added; does nothing once the demo spaces exist."""
    if db.session.execute(select(Space.id).limit(1)).first():
        return False
    _load_demo_quotas()
    _load_demo_governance()
    tz = current_app.config["TIMEZONE"]
    spaces = {}
    for values in DEMO_SPACES:
        space = Space(**values)
        db.session.add(space)
        spaces[space.name] = space
    rooms = [spaces["Studio Bemol"], spaces["Studio Dièse"]]
    db.session.add_all([
        EquipmentItem(name="Système de sonorisation (façade 2 × 1 kW)", quantity=1,
                      description="Table de mixage 16 voies, deux enceintes, retours.",
                      spaces=rooms, hourly_weight_pct=25),
        EquipmentItem(name="Projecteurs LED PAR", quantity=20,
                      description="Avec pieds et câbles DMX.", spaces=[]),
        EquipmentItem(name="Camionnette 12 m³", quantity=2,
                      description="Clés à l'accueil ; faire le plein avant de la rendre.",
                      spaces=[], hourly_weight_pct=50),
        EquipmentItem(name="Tour d'échafaudage", quantity=1,
                      spaces=[spaces["Atelier Grand Format"]])])
    db.session.flush()
    today = to_local(clock.now(), tz).date()
    for space_name, email, offset, hour, hours, title in DEMO_BOOKINGS:
        member = find_member_by_email(db.session, email)
        start = from_local(datetime.combine(today + timedelta(days=offset), time(hour)), tz)
        try:
            booking_rules.create_booking(
                db.session, space=spaces[space_name], member=member, start=start,
                end=start + timedelta(hours=hours), title=title, now=clock.now(), tz=tz)
        except DomainError:
            continue  # a closed day for that space: the demo simply has one booking less
    _load_demo_costs(today, tz)
    maintenance = from_local(datetime.combine(today + timedelta(days=6), time(8)), tz)
    db.session.add(Closure(space=spaces["Atelier Grand Format"], start_at=maintenance,
                           end_at=maintenance + timedelta(hours=12),
                           reason="Entretien de la scie à panneaux"))
    return True


DEMO_SURVEY_ANSWERS = [  # email: (resources, good practices, usefulness, discipline, comments)
    ("lea@example.org", [0, 1], "La Maison des Musiques partage ses studios entre collectifs.",
     "5", 0, ""),
    ("jan@example.org", [0, 3], "Notre asbl de techniciens mutualise le parc lumière.", "4", 1,
     "Un outil commun pour les fiches de paie aiderait beaucoup."),
    ("sofia@example.org", [1, 2, 3, "other"], "", "5", 2,
     "Il manque un atelier assez haut pour les grands décors."),
]  # Youssef has not answered yet: a member can try the survey in the demo.


def load_demo_survey() -> bool:
    """The ready-made needs survey, open to members, with a few answers; once."""
    from .domain import survey as survey_rules
    from .domain.survey import default as default_survey

    if default_survey.find_needs_survey(db.session) is not None:
        return False
    today = to_local(clock.now(), current_app.config["TIMEZONE"]).date()
    author = find_member_by_email(db.session, "comanager@example.org")
    survey = default_survey.create_needs_survey(
        db.session, author, publish=True, opens_on=today - timedelta(days=7),
        closes_on=today + timedelta(days=60))
    survey.results_published = True
    db.session.flush()
    questions = survey_rules.ordered_questions(survey)
    for email, resources, practices, useful, discipline, comments in DEMO_SURVEY_ANSWERS:
        member = find_member_by_email(db.session, email)
        if member is None:
            continue
        raw = {
            questions[0].id: survey_rules.RawAnswer(
                values=[r if r == "other" else str(questions[0].options[r].id)
                        for r in resources],
                other="Un véhicule utilitaire" if "other" in resources else ""),
            questions[1].id: survey_rules.RawAnswer(values=[practices]),
            questions[2].id: survey_rules.RawAnswer(values=[useful]),
            questions[3].id: survey_rules.RawAnswer(
                values=[str(questions[3].options[discipline].id)]),
            questions[4].id: survey_rules.RawAnswer(values=[comments]),
        }
        survey_rules.submit_response(db.session, survey, raw, today=today, member=member)
    return True


def load_demo_toolbox() -> bool:
    """The starter toolbox articles, a "how to use this space" article for the workshop, and
    a question waiting for an answer; once."""
    from .domain import knowledge
    from .domain.knowledge.starter_content import load_starter_articles

    author = find_member_by_email(db.session, "comanager@example.org")
    added = load_starter_articles(db.session, author) > 0
    workshop = db.session.execute(select(Space).where(
        Space.name == "Atelier Grand Format")).scalar_one_or_none()
    if added and workshop is not None:
        knowledge.create_article(db.session, author, knowledge.ArticleDraft(
            "Utiliser l’Atelier Grand Format",
            "## Accès\n\nLa clé est au boîtier ; le code est donné par les cogestionnaires.\n\n"
            "## Avant de partir\n\n- [ ] Scie à panneaux débranchée\n- [ ] Quai de "
            "chargement fermé\n- [ ] Sol balayé\n", ["atelier", "décors"]),
            lang="fr", kind="checklist", space_id=workshop.id)
    lea = find_member_by_email(db.session, "lea@example.org")
    if added and lea is not None:
        knowledge.ask_question(db.session, lea, "Notre assurance couvre-t-elle le matériel en "
                               "tournée à l’étranger ?")
    return added
