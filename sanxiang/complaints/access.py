"""Who handles and who reads complaints (plan 二(一)3(8): 责任单位 办公室).

The office (``Role.OFFICE``) of the agency handles the channel: accepts or refuses, assigns, replies, closes. The
legal section (``Role.LEGAL_REVIEWER``) and the leaders (``Role.LEADER``) read, and so do supervisors of a body that
supervises the agency. A person a complaint is assigned to reads it and records handling notes. Nobody else — in
particular an ordinary officer, who may be the one complained about — sees complaints.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sanxiang.complaints.models import Complaint, ComplaintAttachment
from sanxiang.org.access import agencies_with_role, has_role, is_deployment_admin
from sanxiang.org.models import Agency, Role

HANDLERS = (Role.OFFICE,)
READERS = (Role.OFFICE, Role.LEGAL_REVIEWER, Role.LEADER)


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def handles(user: Any, agency: Agency | int) -> bool:
    return has_role(user, agency, HANDLERS)


def reading_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies whose complaints ``user`` reads as a whole (not counting single assignments)."""
    if is_deployment_admin(user):
        return Agency.objects.all()
    if not _authenticated(user):
        return Agency.objects.none()
    own = agencies_with_role(user, READERS).values("pk")
    bodies = agencies_with_role(user, (Role.SUPERVISOR,)).values("pk")
    return Agency.objects.filter(Q(pk__in=own) | Q(supervisors__in=bodies)).distinct()


def readable_complaints(user: Any) -> QuerySet[Complaint]:
    if is_deployment_admin(user):
        return Complaint.objects.all()
    if not _authenticated(user):
        return Complaint.objects.none()
    return Complaint.objects.filter(Q(agency__in=reading_agencies(user)) | Q(assignee=user))


def may_read(user: Any, complaint: Complaint) -> bool:
    return readable_complaints(user).filter(pk=complaint.pk).exists()


def may_note(user: Any, complaint: Complaint) -> bool:
    return handles(user, complaint.agency_id) or (_authenticated(user) and complaint.assignee_id == user.pk)


def blob_access(user: Any, sha256: str) -> bool | None:
    """The ledger's blob check: a complaint's attachment is readable only by those who read that complaint."""
    attached = ComplaintAttachment.objects.filter(blob_id=sha256).values("complaint_id")
    if not attached.exists():
        return None
    return readable_complaints(user).filter(pk__in=attached).exists()
