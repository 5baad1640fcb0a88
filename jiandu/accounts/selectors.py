"""Data scope: which agencies' data a user may see. Every scoped read goes through `scoped`."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .choices import DISTRICT_ROLES, Role


def sees_everything(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active
                and (user.is_superuser or user.role in DISTRICT_ROLES))


def agency_condition(user, agency_field: str = "agency") -> Q | None:
    """The condition on ``agency_field`` (a FK to Agency) that limits rows to the user's scope;
    None when the user sees everything. A user outside every scope gets a condition matching nothing.

    - district supervisors, administrators and leaders: everything;
    - a 司法所 (street supervisor): agencies located in its street's region;
    - a department's liaison or officer: its agency and the organisations it entrusts.
    """
    if sees_everything(user):
        return None
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if user.role == Role.STREET_SUPERVISOR and user.region_code:
        return Q(**{f"{agency_field}__region_code__startswith": user.region_code})
    if user.role in (Role.LIAISON, Role.OFFICER) and user.agency_id:
        return Q(**{f"{agency_field}_id": user.agency_id}) | Q(**{f"{agency_field}__parent_id": user.agency_id})
    return Q(pk__in=[])


def scoped(qs: QuerySet, user, *, agency_field: str = "agency") -> QuerySet:
    """``qs`` narrowed to what ``user`` may see (DESIGN.md rule 3)."""
    condition = agency_condition(user, agency_field)
    return qs if condition is None else qs.filter(condition)
