"""Reads of the monitoring app: alerts in the user's data scope, counts, one alert's page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from jiandu.accounts.selectors import scoped
from jiandu.core.crypto import DecryptionError, decrypt_text, mask_id_number
from jiandu.records.choices import PartyType
from jiandu.records.models import Record

from .choices import ACTIVE_STATUSES, RunStatus
from .models import Alert, RuleRun
from .rules import REGISTRY, all_rules

CONTRACT_FIELDS = ("rule", "record", "power", "party", "agency", "detail")


def latest_run() -> RuleRun | None:
    """The last rule run that finished; its alerts are the current findings."""
    return RuleRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at", "-id").first()


def _current(qs: QuerySet) -> QuerySet:
    """Alerts the latest run found (an alert no run finds any longer carries its last run)."""
    return qs.filter(last_seen_run__isnull=True)


def alerts_for(user, filters: dict | None = None) -> QuerySet:
    """Alerts ``user`` may see, newest first, narrowed by ``filters`` (empty values ignored):
    rule, agency (code), region (区划代码 prefix of the agency: a street), status (one or a
    list), party (a full 身份证号 or 统一社会信用代码), record (id), assignee (user id),
    date_from / date_to (first found, local dates), current (default true: found by the
    latest run; false adds alerts that stopped firing)."""
    from jiandu.core.crypto import keyed_hash
    from jiandu.core.validators import is_id_number, is_uscc

    filters = filters or {}
    qs = scoped(Alert.objects.select_related("agency", "assignee"), user)
    if filters.get("current", True):
        qs = _current(qs)
    if filters.get("rule"):
        qs = qs.filter(rule=filters["rule"])
    if filters.get("agency"):
        qs = qs.filter(agency_id=filters["agency"])
    if filters.get("region"):
        qs = qs.filter(agency__region_code__startswith=filters["region"])
    status = filters.get("status")
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    if filters.get("record"):
        qs = qs.filter(record_id=filters["record"].strip())
    if filters.get("assignee"):
        qs = qs.filter(assignee_id=filters["assignee"])
    party = (filters.get("party") or "").strip().upper()
    if party:
        key = keyed_hash(party) if is_id_number(party) else party if is_uscc(party) else None
        qs = qs.filter(party_key=key) if key else qs.none()
    tz = timezone.get_current_timezone()
    if filters.get("date_from"):
        qs = qs.filter(created_at__gte=dt.datetime.combine(filters["date_from"], dt.time.min, tzinfo=tz))
    if filters.get("date_to"):
        end = filters["date_to"] + dt.timedelta(days=1)
        qs = qs.filter(created_at__lt=dt.datetime.combine(end, dt.time.min, tzinfo=tz))
    return qs.order_by("-id")


def alert_counts_by_rule(user) -> list[dict]:
    """Current alerts per rule, in the rules' order: total and still waiting (open/acknowledged)."""
    rows = {r["rule"]: r for r in _current(scoped(Alert.objects.all(), user))
            .values("rule").annotate(total=Count("id"), active=Count("id", filter=Q(status__in=ACTIVE_STATUSES)))
            .order_by()}
    out = []
    for rule in all_rules():
        row = rows.get(rule.code, {"total": 0, "active": 0})
        out.append({"rule": rule.code, "name": rule.name, "total": row["total"], "active": row["active"]})
    return out


def alert_counts_by_agency(user) -> list[dict]:
    """Current alerts per agency, most first: total and still waiting."""
    return list(
        _current(scoped(Alert.objects.all(), user))
        .values("agency_id", "agency__name")
        .annotate(total=Count("id"), active=Count("id", filter=Q(status__in=ACTIVE_STATUSES)))
        .order_by("-total", "agency_id")
    )


def alerts_latest(user, limit: int = 10) -> list[Alert]:
    """The newest current alerts still waiting for a supervisor (for the home dashboard)."""
    return list(alerts_for(user, {"status": list(ACTIVE_STATUSES)})[:limit])


def alert_for(user, pk: int) -> Alert:
    return get_object_or_404(scoped(Alert.objects.select_related("agency", "power", "assignee"), user),
                             pk=pk)


def alert_detail(user, pk: int, *, party_records: int = 20) -> dict:
    """One alert with what its page shows: the rule and its legal basis, the facts, the record,
    the party's other records in ``user``'s scope, the history and the comments."""
    alert = alert_for(user, pk)
    rule = REGISTRY.get(alert.rule)
    record = None
    if alert.record_id:
        record = Record.objects.select_related("agency", "power").filter(ext_id=alert.record_id).first()
    others = []
    if alert.party_key:
        others = list(scoped(Record.objects.select_related("agency", "power"), user)
                      .filter(party_key=alert.party_key).exclude(ext_id=alert.record_id or "")
                      .order_by("-act_on", "-id")[:party_records])
    return {
        "alert": alert,
        "rule": rule,
        "facts": alert.facts,
        "record": record,
        "party": party_id_shown(record) if record else None,
        "party_records": others,
        "events": list(alert.events.select_related("user").order_by("at", "id")),
        "comments": list(alert.comments.select_related("author").order_by("created_at", "id")),
    }


def party_id_shown(record: Record | dict) -> str | None:
    """The party's id as it may leave the system: a USCC in full, a 身份证号 masked."""
    get = record.get if isinstance(record, dict) else lambda name: getattr(record, name)
    if get("party_type") == PartyType.PERSON:
        try:
            return mask_id_number(decrypt_text(get("party_id_enc")))
        except DecryptionError:
            return None
    return get("party_id_plain")


def alerts_contract_rows() -> Iterator[dict]:
    """The current alerts (those the latest run found) as the contract's objects, sorted by
    rule, record and power, streamed."""
    qs = (_current(Alert.objects.all()).order_by("rule", "record_id", "power_id")
          .values_list("rule", "record_id", "power_id", "agency_id", "detail", "party_key",
                       "record__party_type", "record__party_id_plain", "record__party_id_enc"))
    shown: dict[str, str | None] = {}
    for rule, record, power, agency, detail, key, ptype, plain, enc in qs.iterator(chunk_size=5000):
        party = None
        if ptype is not None:
            # A person has many alerts: decrypt the number once.
            if key not in shown:
                if len(shown) >= 100_000:
                    shown.clear()
                shown[key] = party_id_shown({"party_type": ptype, "party_id_plain": plain,
                                             "party_id_enc": enc})
            party = shown[key]
        yield {"rule": rule, "record": record, "power": power, "party": party, "agency": agency,
               "detail": detail}
