"""The toolbox (issue 14): the cooperative's shared management know-how.

articles (writing, revisions, restore, proposals), permissions, diff, search, checklists,
files (attachments), questions, listing (front page lists), starter (seed content).
"""
from .articles import (
    KIND_ALIASES,
    ArticleDraft,
    NotAllowedHere,
    article_kind,
    body_html,
    clean_tags,
    count_view,
    create_article,
    decide_proposal,
    edit_article,
    is_stale,
    link_translation,
    pending_proposals,
    proposal_base_text,
    restore_revision,
    revision_by_number,
    revisions,
    set_comanagers_only,
    set_hidden,
    set_space_guide,
    translations,
)
from .checklists import save_ticks, task_items, ticks_of
from .diff import DiffPiece, has_changes, word_diff
from .files import add_attachment, detect_template_type
from .listing import (
    SpaceGuide,
    article_page,
    hidden_articles,
    popular_articles,
    recent_articles,
    related_articles,
    space_guide,
    space_guides,
    tag_counts,
)
from .permissions import can_edit_directly, can_manage, can_see
from .questions import (
    accept_answer,
    add_to_article,
    answer_question,
    ask_question,
    open_questions,
    question_with_answers,
    questions_on,
    recent_questions,
)
from .search import SearchHit, search_articles

__all__ = [
    "KIND_ALIASES", "ArticleDraft", "DiffPiece", "article_kind", "body_html", "NotAllowedHere",
    "SearchHit", "accept_answer",
    "add_attachment", "add_to_article", "answer_question", "article_page", "ask_question",
    "can_edit_directly", "can_manage", "can_see", "clean_tags", "count_view", "create_article",
    "decide_proposal", "detect_template_type", "edit_article", "has_changes",
    "hidden_articles", "is_stale", "link_translation", "proposal_base_text", "open_questions",
    "pending_proposals",
    "popular_articles", "question_with_answers", "questions_on", "recent_articles",
    "recent_questions", "related_articles", "restore_revision", "revision_by_number",
    "revisions", "save_ticks", "search_articles", "set_comanagers_only", "set_hidden",
    "set_space_guide",
    "SpaceGuide", "space_guide", "space_guides", "tag_counts", "task_items", "ticks_of",
    "translations", "word_diff",
]
