"""Reads shared across apps: platform counts, the home dashboard, the user's unit."""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
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


# The record counts and charts of the home page read the whole records table four times
# (1.4 s at a million records on PostgreSQL) and change only when data is imported: each
# process keeps them this long, per data scope, day and language, and a finished import
# starts afresh (its run is part of the key). The alert counts are not kept: handling an
# alert shows at once.
DASHBOARD_SECONDS = 600


def dashboard(user, *, today=None) -> dict:
    """What the home page shows ``user``: counts and chart series within their data scope, each
    one aggregate query, kept for a while (``DASHBOARD_SECONDS``); ``as_of`` says when they were
    counted. Alerts are the monitoring module's (see core.views.home).

    Roles without enforcement data (social supervisors) get their modules only.
    """
    from jiandu.accounts.access import ALL_STAFF

    if not (user.is_superuser or user.role in ALL_STAFF):
        return {"data": False}
    today = today or timezone.localdate()
    key = _dashboard_key(user, today)
    found = cache.get(key)
    if found is None:
        found = _dashboard_counts(user, today)
        cache.set(key, found, DASHBOARD_SECONDS)
    return found


def _dashboard_key(user, today) -> str:
    from jiandu.accounts.selectors import agency_condition
    from jiandu.records.models import ImportRun

    scope = repr(agency_condition(user, "agency"))
    last = ImportRun.objects.exclude(finished_at=None).order_by("-pk").values_list("pk", "finished_at").first()
    data = f"{last[0]}@{last[1].isoformat()}" if last else "-"
    digest = hashlib.blake2b(f"{scope}|{today}|{data}|{get_language()}".encode(), digest_size=16)
    return f"jiandu:dashboard:{digest.hexdigest()}"


def _dashboard_counts(user, today) -> dict:
    from jiandu.org.selectors import agencies_for, officers_for
    from jiandu.powers.selectors import powers_for
    from jiandu.records.selectors import (
        records_by_agency,
        records_by_kind,
        records_by_month,
        records_for,
    )

    records = records_for(user)
    return {
        "data": True,
        "as_of": timezone.localtime(),
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
