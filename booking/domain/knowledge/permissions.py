"""Who may do what in the toolbox: every member reads and writes, except that an article
marked "co-managers edit only" takes a member's change as a proposal."""
from __future__ import annotations

from ...models import Article, Member


def can_edit_directly(article: Article, member: Member) -> bool:
    return member.is_comanager or not article.comanagers_only


def can_see(article: Article, member: Member) -> bool:
    """A hidden (deleted) article is seen by co-managers only, who can show it again."""
    return member.is_comanager or not article.hidden


def can_manage(member: Member) -> bool:
    """Restoring hidden articles, deciding on proposals, marking articles co-managers only."""
    return member.is_comanager
