"""The ready-made survey "Besoins de mutualisation", written from the notes of the
« cafés de la mutualisation » (ATPS, Iles and FACIR, 2016), in French, Dutch and English."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Member, Survey
from .building import (
    OptionEdit,
    add_question,
    add_section,
    create_survey,
    publish_survey,
    update_section,
)

NEEDS_SURVEY_KEY = "needs-pooling"

NEEDS_SURVEY = {
    "title": {
        "fr": "Besoins de mutualisation",
        "nl": "Behoeften aan mutualisering",
        "en": "Pooling needs",
    },
    "intro": {
        "fr": "Lors des « cafés de la mutualisation », l’ATPS et Iles ont réuni des artistes et "
              "des techniciens autour de ce qu’il serait utile de mettre en commun pour "
              "soutenir le développement de l’activité des professionnels du spectacle : des "
              "espaces (par exemple des locaux adaptés à la construction de grands décors) et "
              "des connaissances (les outils de gestion, les astuces et les bons tuyaux que "
              "chacun reconstitue seul). FACIR poursuit ces réflexions avec les musiciens. "
              "Dites-nous ce que vous aimeriez mutualiser : vos réponses guideront les "
              "prochains choix de la coopérative. Comptez cinq minutes.",
        "nl": "Tijdens de « cafés de la mutualisation » brachten ATPS en Iles artiesten en "
              "technici samen rond de vraag wat het nuttig zou zijn om te delen om de "
              "activiteit van podiumprofessionals te ondersteunen: ruimtes (bijvoorbeeld "
              "lokalen die geschikt zijn om grote decors te bouwen) en kennis (de "
              "beheersinstrumenten, trucs en goede tips die iedereen nu alleen moet "
              "uitvinden). FACIR zet die denkoefening voort met muzikanten. Vertel ons wat u "
              "graag zou delen: uw antwoorden sturen de volgende keuzes van de coöperatie. "
              "Reken op vijf minuten.",
        "en": "At the “cafés de la mutualisation”, ATPS and Iles brought artists and "
              "technicians together to discuss what it would help to pool to support the work "
              "of performing-arts professionals: spaces (for instance premises fit for "
              "building large sets) and knowledge (the management tools, tricks and good tips "
              "everyone now works out alone). FACIR carries on this reflection with musicians. "
              "Tell us what you would like to pool: your answers will guide the cooperative’s "
              "next choices. It takes about five minutes.",
    },
    "sections": [
        {
            "title": {"fr": "Ce que vous mettriez en commun", "nl": "Wat u zou delen",
                      "en": "What you would pool"},
            "questions": [
                {
                    "kind": "multiple", "required": True, "allow_other": True,
                    "text": {
                        "fr": "Selon vous, quelles ressources faudrait-il mettre en commun ?",
                        "nl": "Welke middelen zouden volgens u gedeeld moeten worden?",
                        "en": "Which resources do you think should be pooled?",
                    },
                    "help": {
                        "fr": "Plusieurs réponses possibles.",
                        "nl": "Meerdere antwoorden mogelijk.",
                        "en": "You can choose several answers.",
                    },
                    "options": [
                        {"fr": "Des connaissances (gestion, administration, bons tuyaux)",
                         "nl": "Kennis (beheer, administratie, goede tips)",
                         "en": "Knowledge (management, paperwork, good tips)"},
                        {"fr": "Des espaces (salles de répétition, ateliers, stockage)",
                         "nl": "Ruimtes (repetitielokalen, werkplaatsen, opslag)",
                         "en": "Spaces (rehearsal rooms, workshops, storage)"},
                        {"fr": "Des outils (outils de gestion, logiciels, modèles de contrats)",
                         "nl": "Instrumenten (beheerstools, software, modelcontracten)",
                         "en": "Tools (management tools, software, contract templates)"},
                        {"fr": "Du matériel (son, lumière, backline, véhicules)",
                         "nl": "Materiaal (geluid, licht, backline, voertuigen)",
                         "en": "Equipment (sound, lights, backline, vehicles)"},
                    ],
                },
                {
                    "kind": "long_text",
                    "text": {
                        "fr": "Avez-vous connaissance d’exemples de bonnes pratiques de "
                              "mutualisation ?",
                        "nl": "Kent u voorbeelden van goede praktijken van mutualisering?",
                        "en": "Do you know examples of good pooling practices?",
                    },
                    "help": {
                        "fr": "Par exemple des techniciens réunis en asbl pour gérer eux-mêmes "
                              "leurs emplois et leurs investissements, un atelier partagé, un "
                              "outil de gestion commun…",
                        "nl": "Bijvoorbeeld technici die zich in een vzw verenigen om zelf hun "
                              "jobs en investeringen te beheren, een gedeelde werkplaats, een "
                              "gemeenschappelijk beheersinstrument…",
                        "en": "For instance technicians who formed a non-profit to manage "
                              "their own jobs and investments, a shared workshop, a common "
                              "management tool…",
                    },
                },
                {
                    "kind": "scale", "required": True,
                    "text": {
                        "fr": "La mutualisation vous semble-t-elle utile au développement de "
                              "votre activité professionnelle ?",
                        "nl": "Vindt u mutualisering nuttig voor de ontwikkeling van uw "
                              "professionele activiteit?",
                        "en": "Do you find pooling useful for the development of your "
                              "professional activity?",
                    },
                    "scale_min_label": {"fr": "Pas du tout utile", "nl": "Helemaal niet nuttig",
                                        "en": "Not useful at all"},
                    "scale_max_label": {"fr": "Très utile", "nl": "Zeer nuttig",
                                        "en": "Very useful"},
                },
            ],
        },
        {
            "title": {"fr": "Vous", "nl": "Over u", "en": "About you"},
            "questions": [
                {
                    "kind": "single", "required": True, "allow_other": True,
                    "text": {"fr": "Quelle est votre discipline ?",
                             "nl": "Wat is uw discipline?",
                             "en": "What is your discipline?"},
                    "options": [
                        {"fr": "Musicien·ne", "nl": "Muzikant", "en": "Musician"},
                        {"fr": "Technicien·ne du spectacle", "nl": "Podiumtechnicus",
                         "en": "Stage technician"},
                        {"fr": "Constructeur·rice de décors", "nl": "Decorbouwer",
                         "en": "Set builder"},
                    ],
                },
                {
                    "kind": "long_text",
                    "text": {"fr": "Commentaires", "nl": "Opmerkingen", "en": "Comments"},
                    "help": {
                        "fr": "Vos réflexions sur la mutualisation : avec qui, à quelles "
                              "conditions, avec quelles garanties, à court ou à long terme.",
                        "nl": "Uw ideeën over mutualisering: met wie, onder welke "
                              "voorwaarden, met welke garanties, op korte of lange termijn.",
                        "en": "Your thoughts on pooling: with whom, on what terms, with what "
                              "guarantees, in the short or the long run.",
                    },
                },
            ],
        },
    ],
}


def find_needs_survey(session: Session) -> Survey | None:
    return session.execute(select(Survey).where(Survey.template_key == NEEDS_SURVEY_KEY)
                           ).scalar_one_or_none()


def create_needs_survey(session: Session, author: Member | None, *, publish: bool = False,
                        opens_on: date | None = None, closes_on: date | None = None,
                        anonymous: bool = True) -> Survey:
    """The ready-made survey, once: returns the existing one when it was already created."""
    existing = find_needs_survey(session)
    if existing is not None:
        return existing
    survey = create_survey(session, author, {
        "title": NEEDS_SURVEY["title"], "intro": NEEDS_SURVEY["intro"], "audience": "members",
        "anonymous": anonymous, "opens_on": opens_on, "closes_on": closes_on})
    survey.template_key = NEEDS_SURVEY_KEY
    first = survey.sections[0]
    for index, spec in enumerate(NEEDS_SURVEY["sections"]):
        section = first if index == 0 else add_section(session, survey, {})
        update_section(section, spec["title"])
        for question in spec["questions"]:
            options = [OptionEdit(None, label)
                       for label in question.get("options", [])]
            add_question(session, section, question, options)
    if publish:
        publish_survey(survey)
    session.flush()
    return survey
