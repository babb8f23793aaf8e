"""Joining an organisation: a member only asks; a co-manager approves or refuses.

An organisation may pay its members' charges and gives them its quotas, so belonging to one
is never the member's own decision.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import Member, Organisation, OrganisationJoinRequest
from .accounts import record_audit
from .errors import DomainError


def pending_request(session: Session, member: Member) -> OrganisationJoinRequest | None:
    return session.execute(
        select(OrganisationJoinRequest).where(OrganisationJoinRequest.member_id == member.id)
    ).scalar_one_or_none()


def pending_requests(session: Session) -> list[OrganisationJoinRequest]:
    """Every open request, oldest first, with its member and organisation loaded."""
    return list(session.execute(
        select(OrganisationJoinRequest)
        .options(joinedload(OrganisationJoinRequest.member),
                 joinedload(OrganisationJoinRequest.organisation))
        .order_by(OrganisationJoinRequest.created_at, OrganisationJoinRequest.id)).scalars())


def ask_to_join(session: Session, member: Member, organisation_id: int) -> OrganisationJoinRequest:
    """Replace the member's open request, if any, by one for this organisation."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise DomainError(_l("Choose an organisation from the list."))
    if member.organisation_id == organisation.id:
        raise DomainError(_l("You already belong to %(name)s.", name=organisation.name))
    old = pending_request(session, member)
    if old is not None:
        session.delete(old)
        session.flush()
    request = OrganisationJoinRequest(member_id=member.id, organisation_id=organisation.id)
    session.add(request)
    session.flush()
    record_audit(session, member, "organisation.join_requested", "organisation",
                 organisation.id, member.email)
    return request


def cancel_request(session: Session, member: Member) -> None:
    request = pending_request(session, member)
    if request is not None:
        session.delete(request)
        session.flush()


def answer_request(session: Session, actor: Member, request: OrganisationJoinRequest,
                   approve: bool) -> None:
    """A co-manager's answer: on approval the member joins the organisation."""
    if not actor.is_comanager:
        raise DomainError(_l("Only a co-manager can answer a request to join."))
    member = request.member
    if approve:
        detail = f"organisation_id: {member.organisation_id} -> {request.organisation_id}"
        member.organisation_id = request.organisation_id
        record_audit(session, actor, "member.update", "member", member.id, detail)
    record_audit(session, actor,
                 "organisation.join_approved" if approve else "organisation.join_refused",
                 "organisation", request.organisation_id, member.email)
    session.delete(request)
    session.flush()
