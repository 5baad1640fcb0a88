"""Reads shared across apps: platform counts, the home dashboard, the user's unit."""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext as _


def platform_counts() -> dict[str, int]:
    """How many agencies, officers, powers and records are stored (public, no personal data)."""
    return {
        "agencies": apps.get_model("org", "Agency").objects.count(),
        "officers": apps.get_model("org", "Officer").objects.count(),
        "powers": apps.get_model("powers", "Power").objects.count(),
        "records": apps.get_model("records", "Record").objects.count(),
    }


def user_unit(user) -> str:
    """The unit a user works for, as the header shows it: the agency, else the street's region."""
    if not (user and user.is_authenticated):
        return ""
    if user.agency_id:
        return user.agency.name
    if user.region_code:
        region = apps.get_model("org", "Region").objects.filter(code=user.region_code).first()
        return region.name if region else user.region_code
    return ""


def dashboard(user, *, today=None) -> dict:
    """What the home page shows ``user``: counts and chart series within their data scope, each
    one aggregate query. Alerts are the monitoring module's (see core.views.home).

    Roles without enforcement data (social supervisors) get their modules only.
    """
    from jiandu.accounts.access import ALL_STAFF
    from jiandu.org.selectors import agencies_for, officers_for
    from jiandu.powers.selectors import powers_for
    from jiandu.records.selectors import (
        records_by_agency,
        records_by_kind,
        records_by_month,
        records_for,
    )

    if not (user.is_superuser or user.role in ALL_STAFF):
        return {"data": False}
    records = records_for(user)
    return {
        "data": True,
        "counts": {
            "records": records.count(),
            "agencies": agencies_for(user).count(),
            "officers": officers_for(user).count(),
            "powers": powers_for(user).count(),
        },
        "charts": {
            "kinds": records_by_kind(records),
            "agencies": records_by_agency(records, 15),
            "months": records_by_month(records, months=24, today=today),
            "labels": {"records": _("执法行为"), "unit": _("件")},
        },
    }


def keyset_page(queryset, *, key: str, after: str | None, limit: int) -> tuple[list, str | None]:
    """One page of ``queryset`` in the order of the unique ``key``, after the cursor ``after``:
    the rows (model objects, or dicts for a ``values()`` queryset) and the next page's cursor,
    None on the last. The API's shape of `jiandu.core.pagination.keyset_page`."""
    from jiandu.core.pagination import keyset_page as page_of

    page = page_of(queryset, key=key, after=after, size=limit)
    return page.items, page.next_cursor
