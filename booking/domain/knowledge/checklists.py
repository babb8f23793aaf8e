"""Checklists a member can use: the Markdown task list boxes, and each member's own ticks
kept apart from the article (ticking never changes the text)."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import clock
from ...models import Article, ChecklistProgress, Member

TASK = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+\[( |x|X)\]\s+(.*)$", re.MULTILINE)


def task_items(markdown: str) -> list[str]:
    """The text of each task list box (`- [ ] ...`), in order: box number = index."""
    return [match.group(2).strip() for match in TASK.finditer(markdown or "")]


def ticks_of(session: Session, article: Article, member: Member) -> set[int]:
    progress = session.execute(select(ChecklistProgress).where(
        ChecklistProgress.article_id == article.id,
        ChecklistProgress.member_id == member.id)).scalar_one_or_none()
    return set(progress.ticked) if progress else set()


def save_ticks(session: Session, article: Article, member: Member, ticked: set[int]) -> None:
    """Keep the member's ticks (numbers of boxes that exist; the others are ignored)."""
    count = len(task_items(article.body_markdown))
    kept = sorted(i for i in ticked if 0 <= i < count)
    progress = session.execute(select(ChecklistProgress).where(
        ChecklistProgress.article_id == article.id,
        ChecklistProgress.member_id == member.id)).scalar_one_or_none()
    if progress is None:
        progress = ChecklistProgress(article_id=article.id, member_id=member.id)
        session.add(progress)
    progress.ticked = kept
    progress.updated_at = clock.now()
    session.flush()
