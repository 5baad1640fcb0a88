"""Reads of the monitoring app: alerts in the user's data scope, counts, one alert's page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from django.db.models import Count, F, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from jiandu.accounts.selectors import scoped
from jiandu.core.crypto import DecryptionError, decrypt_text, mask_id_number
from jiandu.records.choices import PartyType
from jiandu.records.models import Record

from .choices import ACTIVE_STATUSES, RunStatus
from .models import Alert, RuleRun
from .rules import REGISTRY, all_rules

# The assignee filter's value for the alerts nobody has taken.
UNASSIGNED = "none"
CONTRACT_FIELDS = ("rule", "record", "power", "party", "agency", "detail")


def latest_run() -> RuleRun | None:
    """The last rule run that finished; its alerts are the current findings."""
    return RuleRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at", "-id").first()


def run_state() -> tuple[RuleRun | None, RuleRun | None]:
    """(the last run that finished, the run that failed after it or None): one query unless the
    run that ended last failed, when the alerts shown are older than someone expects."""
    ended = RuleRun.objects.exclude(status=RunStatus.RUNNING).order_by("-finished_at", "-id").first()
    if ended is None or ended.status == RunStatus.DONE:
        return ended, None
    return latest_run(), ended


def rules_overdue(last: RuleRun | None = None) -> dict | None:
    """{"since": when the last run finished, "days": whole days since} when no run has finished
    for JIANDU_RULES_OVERDUE_HOURS (the timer that runs `jiandu check` has stopped), else None;
    ``last`` is that run where the caller has it. None too before any run (the pages say so)."""
    from django.conf import settings

    hours = settings.JIANDU_RULES_OVERDUE_HOURS
    last = last if last is not None else latest_run()
    if not hours or last is None or last.finished_at is None:
        return None
    waited = timezone.now() - last.finished_at
    if waited < dt.timedelta(hours=hours):
        return None
    return {"since": last.finished_at, "days": waited.days}


def rule_warnings(user, last: RuleRun | None = None) -> dict:
    """What keeps the rules from running as they should, for those who see rule runs and can
    have it mended: the rules have stopped running (``rules_overdue``; ``last`` is the last run
    where the caller has it) and the calendar lacks a year soon needed. None each for the rest."""
    from jiandu.core.calendar import calendar_missing_year

    from .services import RUNS

    if not RUNS.allows(user):
        return {"rules_overdue": None, "calendar_missing": None}
    return {"rules_overdue": rules_overdue(last),
            "calendar_missing": calendar_missing_year(timezone.localdate())}


def _current(qs: QuerySet) -> QuerySet:
    """Alerts the latest run found (an alert no run finds any longer carries its last run)."""
    return qs.filter(last_seen_run__isnull=True)


def alerts_for(user, filters: dict | None = None) -> QuerySet:
    """Alerts ``user`` may see, newest first, narrowed by ``filters`` (empty values ignored):
    rule, agency (code), region (区划代码 prefix of the agency: a street), status (one or a
    list), party (a full 身份证号 or 统一社会信用代码), record (id), assignee (a user id, or
    ``UNASSIGNED`` for the alerts nobody has taken), assignee_username, commented (True: those
    with a comment, a department's explanation say; False: those without), date_from / date_to
    (first found, local dates), current (default true: found by the latest run; false adds
    alerts that stopped firing)."""
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
    if filters.get("assignee") == UNASSIGNED:
        qs = qs.filter(assignee__isnull=True)
    elif filters.get("assignee"):
        qs = qs.filter(assignee_id=filters["assignee"])
    if filters.get("assignee_username"):
        qs = qs.filter(assignee__username=filters["assignee_username"])
    if filters.get("commented") is not None:
        from django.db.models import Exists, OuterRef

        from .models import AlertComment

        commented = Exists(AlertComment.objects.filter(alert=OuterRef("pk")))
        qs = qs.filter(commented if filters["commented"] else ~commented)
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


def alerts_latest(user, newest: dict[str, int], limit: int = 10) -> list[Alert]:
    """The alerts still waiting for a supervisor that are the newest of their rule, newest first,
    for the home page: a run numbers its new alerts rule by rule, so the newest ten alone would
    all be one rule's. ``newest`` ({rule: its newest waiting alert's id}) is what
    ``alert_dashboard`` found in its grouped query. Each alert has ``rule_name`` and
    ``facts_text``, its detail after the rule's explanation (which the name says already)."""
    ids = sorted(newest.values(), reverse=True)[:limit]
    picked = list(alerts_listed(user, {"status": list(ACTIVE_STATUSES)}).defer("facts").filter(pk__in=ids))
    for alert in picked:
        rule = REGISTRY.get(alert.rule)
        prefix = f"{rule.explanation}：" if rule else ""
        alert.facts_text = alert.detail.removeprefix(prefix) if prefix else alert.detail
    return picked


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


# ---------------------------------------------------------------- what the pages and the API show

# The facts' keys in Chinese; a key not listed here is shown as it is.
FACT_LABELS = {
    "act_on": "行为日期", "action_on": "检查或强制措施日期", "violation_on": "违法行为发生日期",
    "filed_on": "立案日期", "decided_on": "决定日期", "served_on": "送达日期",
    "disclosed_on": "公示日期", "due": "期限届满日", "legal_review_on": "法制审核日期",
    "measure": "强制措施", "measure_end_on": "解除日期", "measure_extended": "依法延长",
    "fine": "罚款金额", "discretion": "适用裁量档次", "min": "裁量档次下限", "max": "裁量档次上限",
    "threshold": "听证标准", "harm": "危害后果", "corrected": "及时改正", "party_type": "相对人类型",
    "business": "涉企", "penalties": "处罚种类", "penalties_beyond": "超出简易程序的处罚种类",
    "heavy_penalties": "应告知听证的处罚种类", "items": "适用的不予处罚清单事项",
    "first": "首次处罚的记录", "first_decided_on": "首次处罚决定日期", "first_fine": "首次罚款金额",
    "years": "追责时效（年）", "year": "年度", "cap": "年度检查上限（次）", "n": "当年第几次检查",
    "others": "其他执法主体检查次数", "officers": "执法人员",
}
_MONEY_FACTS = frozenset({"fine", "min", "max", "threshold", "first_fine"})
_OFFICER_PROBLEMS = {
    "unknown": "未登记", "other_agency": "属于其他执法主体", "status_undated": "状态未载明生效日期",
    "not_issued": "行为日期早于发证日期", "expired": "行为日期晚于有效期限", "status": "证件暂扣或吊销",
}


def _fact_text(key: str, value) -> str:
    from jiandu.core.money import format_yuan, from_fen
    from jiandu.powers.choices import DiscretionLevel
    from jiandu.records.choices import Harm, Measure, Penalty

    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in _MONEY_FACTS and isinstance(value, int | float):
        return f"{format_yuan(from_fen(int(value)))} 元"
    labelled = {"measure": Measure, "harm": Harm, "discretion": DiscretionLevel, "party_type": PartyType}
    if key in labelled and value in labelled[key].values:
        return str(labelled[key](value).label)
    if key in ("penalties", "penalties_beyond", "heavy_penalties") and isinstance(value, list):
        return "、".join(str(Penalty(p).label) if p in Penalty.values else str(p) for p in value)
    if key == "officers" and isinstance(value, list):
        return "；".join(_officer_text(o) for o in value)
    if key == "items" and isinstance(value, list):
        return "；".join(str(i.get("code", i)) if isinstance(i, dict) else str(i) for i in value)
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _officer_text(officer) -> str:
    if not isinstance(officer, dict):
        return str(officer)
    notes = [_OFFICER_PROBLEMS.get(p, p) for p in officer.get("problems", [])]
    if "oath_on" in officer:
        notes.append(f"宣誓日期 {officer['oath_on']}" if officer["oath_on"] else "无宣誓记录")
    certificate = str(officer.get("certificate", ""))
    return f"{certificate}（{'，'.join(notes)}）" if notes else certificate


# Facts whose value is another record's id: the page links them.
_RECORD_FACTS = frozenset({"first"})


def facts_shown(facts: dict) -> list[dict]:
    """An alert's facts as {label (Chinese), value (text), record (an id the value names, or
    None)}, in the order the rule stored them."""
    return [{"label": FACT_LABELS.get(key, key), "value": _fact_text(key, value),
             "record": value if key in _RECORD_FACTS and isinstance(value, str) and value else None}
            for key, value in (facts or {}).items()]


def street_choices(user) -> list[tuple[str, str]]:
    """(region code, name) of the streets whose agencies ``user`` sees, for the street filter."""
    from jiandu.org.choices import Level
    from jiandu.org.models import Region
    from jiandu.org.selectors import agencies_for

    codes = sorted(set(agencies_for(user).filter(level=Level.STREET)
                       .values_list("region_code", flat=True)))
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [(code, names.get(code, code)) for code in codes]


def assignee_choices() -> QuerySet:
    """Who may take an alert: active supervision staff (the services refuse anyone else)."""
    from jiandu.accounts.access import SUPERVISION
    from jiandu.accounts.models import User

    return (User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(role__in=SUPERVISION))
            .order_by("username"))


def alert_dashboard(user) -> dict:
    """What the home page's alert panel draws: counts per status, per rule and per agency (top
    10), the current total, the waiting alerts assigned to ``user`` (a supervisor's to-do) and,
    for a department's user, its waiting alerts that nobody has commented on (its to-do).
    One aggregate query grouped by agency, rule and status (at most a few thousand rows for a
    district: agencies x rules x statuses), summed here four ways."""
    from collections import Counter

    from .choices import AlertStatus
    from .services import HANDLING

    rows = (_current(scoped(Alert.objects.all(), user))
            .values("agency_id", "agency__name", "rule", "status")
            .annotate(n=Count("id"), mine=Count("id", filter=Q(assignee_id=user.pk)), newest=Max("id"))
            .order_by())
    statuses, rules, rules_active = Counter(), Counter(), Counter()
    agencies, agencies_active, names = Counter(), Counter(), {}
    mine = 0
    newest: dict[str, int] = {}
    for row in rows:
        n, active = row["n"], row["status"] in ACTIVE_STATUSES
        if active:
            mine += row["mine"]
            newest[row["rule"]] = max(newest.get(row["rule"], 0), row["newest"])
        statuses[row["status"]] += n
        rules[row["rule"]] += n
        agencies[row["agency_id"]] += n
        names[row["agency_id"]] = row["agency__name"]
        if active:
            rules_active[row["rule"]] += n
            agencies_active[row["agency_id"]] += n
    top = sorted(agencies, key=lambda code: (-agencies[code], code or ""))[:10]
    unanswered = None
    if getattr(user, "agency_id", None):
        # A department's to-do: its waiting alerts it has not explained yet (no comment).
        unanswered = alerts_for(user, {"status": list(ACTIVE_STATUSES), "commented": False}).count()
    return {
        "total": sum(statuses.values()),
        "active": sum(statuses[s] for s in ACTIVE_STATUSES),
        # Waiting alerts assigned to ``user``; None for those who cannot take alerts.
        "mine": mine if HANDLING.allows(user) else None,
        # Each rule's newest waiting alert (its id), for ``alerts_latest``.
        "newest": newest,
        # A department's waiting alerts without a comment; None for everyone else.
        "unanswered": unanswered,
        "statuses": [{"status": s.value, "label": str(s.label), "n": statuses[s.value]} for s in AlertStatus],
        "rules": [{"rule": r.code, "name": r.name, "total": rules[r.code], "active": rules_active[r.code]}
                  for r in all_rules() if rules[r.code]],
        "agencies": [{"agency": code, "name": names[code] or code or "—", "total": agencies[code],
                      "active": agencies_active[code]} for code in top],
    }


ALERT_EXPORT_HEADERS = ("预警编号", "规则代码", "规则名称", "状态", "执法主体代码", "执法主体",
                        "执法行为记录编号", "执法事项编码", "预警内容", "承办人", "排除理由", "首次发现时间")


def alert_export_rows(qs: QuerySet) -> Iterator[tuple]:
    """The rows of the Excel export, streamed; no personal data (the party's id is left out)."""
    from .choices import AlertStatus

    labels = dict(AlertStatus.choices)
    rows = qs.values_list("pk", "rule", "status", "agency_id", "agency__name", "record_id", "power_id",
                          "detail", "assignee__username", "dismiss_reason", "created_at")
    for pk, rule, status, agency, agency_name, record, power, detail, assignee, reason, created in \
            rows.iterator(chunk_size=2000):
        found = REGISTRY.get(rule)
        yield (pk, rule, found.name if found else rule, str(labels.get(status, status)), agency or "",
               agency_name or "", record or "", power or "", detail, assignee or "", reason,
               timezone.localtime(created).strftime("%Y-%m-%d %H:%M"))


def alert_page(user, pk: int, *, party_alerts: int = 20) -> dict:
    """``alert_detail`` with what the page adds: the facts in Chinese and
    the party's other alerts in ``user``'s scope (handled ones included)."""
    page = alert_detail(user, pk)
    alert = page["alert"]
    others = []
    if alert.party_key:
        others = list(scoped(Alert.objects.select_related("agency"), user)
                      .filter(party_key=alert.party_key).exclude(pk=alert.pk)
                      .order_by("-id")[:party_alerts])
    return {**page, "facts_shown": facts_shown(alert.facts), "party_alerts": others}


def history_receipts(user, events: list, comments: list) -> bool:
    """Give each step and comment of an alert ``receipt_pk``, the ledger position its receipt
    downloads by; False (and nothing given) when ``user`` may not open the ledger."""
    from jiandu.ledger.choices import EntryKind
    from jiandu.ledger.selectors import receipt_positions

    for kind, rows in ((EntryKind.ALERT_EVENT, events), (EntryKind.ALERT_COMMENT, comments)):
        found = receipt_positions(user, kind, [str(row.pk) for row in rows])
        if found is None:
            return False
        for row in rows:
            row.receipt_pk = found.get(str(row.pk))
    return True


def next_waiting(user, pk: int, filters: dict | None = None) -> int | None:
    """The alert to handle after ``pk``: the next older alert still open in ``user``'s scope
    among those ``filters`` (the list it was opened from, as ``alerts_for`` takes them) select,
    in the list's order (newest first), else the newest such; None when none is left."""
    from .choices import AlertStatus

    waiting = alerts_for(user, {**(filters or {}), "status": AlertStatus.OPEN}).exclude(pk=pk)
    found = waiting.filter(pk__lt=pk).order_by("-pk").values_list("pk", flat=True).first()
    return found if found is not None else waiting.order_by("-pk").values_list("pk", flat=True).first()


def record_alerts(user, ext_id: str, limit: int = 50) -> list[Alert]:
    """The alerts about one record in ``user``'s scope, newest first, those that stopped firing
    too (for the record's page)."""
    return list(alerts_listed(user, {"record": ext_id, "current": False})[:limit])


def rule_catalog(user) -> list[dict]:
    """Every rule by family, in the rules' order, with what it checks, its legal basis and the
    current alerts it found in ``user``'s scope (what departments can check themselves against)."""
    from .rules import FAMILIES

    counts = {r["rule"]: r for r in alert_counts_by_rule(user)}
    families: dict[str, dict] = {}
    for rule in all_rules():
        family = families.setdefault(rule.family, {"family": rule.family,
                                                   "label": str(FAMILIES.get(rule.family, rule.family)),
                                                   "rules": []})
        family["rules"].append({"rule": rule, "total": counts[rule.code]["total"],
                                "active": counts[rule.code]["active"]})
    return list(families.values())


def alerts_listed(user, filters: dict | None = None) -> QuerySet:
    """``alerts_for`` with each row's rule name (``rule_name``) and how many comments it has
    (``comments_n``: a department's explanation is one), for the list page. The count is a
    subquery per row shown, through the comments' alert index."""
    from django.db.models import Case, CharField, IntegerField, OuterRef, Subquery, Value, When
    from django.db.models.functions import Coalesce

    from .models import AlertComment

    names = Case(*(When(rule=rule.code, then=Value(rule.name)) for rule in all_rules()),
                 default="rule", output_field=CharField())
    comments = (AlertComment.objects.filter(alert=OuterRef("pk")).order_by().values("alert")
                .annotate(n=Count("id")).values("n"))
    return alerts_for(user, filters).annotate(
        rule_name=names, comments_n=Coalesce(Subquery(comments, output_field=IntegerField()), 0))


# ---------------------------------------------------------------- rule runs

def rule_runs() -> QuerySet:
    """Every `jiandu check`, newest first (the page cuts it by keyset)."""
    return RuleRun.objects.order_by("-id")


def rule_run_detail(user, pk: int) -> dict:
    """One run with each rule's findings and seconds in the rules' order (None for a rule the
    run did not run, and for the time in runs from before timings were kept), the rules the run
    names that no longer exist last, and the ledger position of its receipt for ``user`` (None
    without one, or when they may not open the ledger)."""
    from jiandu.ledger.choices import EntryKind
    from jiandu.ledger.selectors import receipt_positions

    run = get_object_or_404(RuleRun, pk=pk)
    counts, seconds = run.counts or {}, run.rule_seconds or {}
    named = [(r.code, r.name, r.basis) for r in all_rules()]
    known = {code for code, _, _ in named}
    named += [(code, code, "") for code in sorted(counts) if code not in known]
    rules = [{"rule": code, "name": name, "basis": basis, "n": counts.get(code),
              "seconds": seconds.get(code)} for code, name, basis in named]
    receipt = (receipt_positions(user, EntryKind.RULE_RUN, [str(run.pk)]) or {}).get(str(run.pk))
    return {"run": run, "rules": rules, "total": sum(counts.values()), "receipt_pk": receipt}


# ---------------------------------------------------------------- the handling as the ledger logs it

# What the ledger logs of a handling step and of a comment (ledger.services builds the content):
# the alert it is about, who, what and when, read back from the stored row so that the entry
# and `jiandu ledger verify`'s re-derivation start from the same values.
_ALERT_REF = ("alert_id", "alert__rule", "alert__record_id", "alert__power_id", "alert__fingerprint")
EVENT_LEDGER_FIELDS = ("id", *_ALERT_REF, "at", "user_id", "action", "from_status", "to_status",
                       "note", "run_id")
COMMENT_LEDGER_FIELDS = ("id", *_ALERT_REF, "created_at", "author_id", "text")


def alert_event_rows(*, ids=None, run_id: int | None = None) -> QuerySet:
    """Handling steps as the ledger logs them (dicts of ``EVENT_LEDGER_FIELDS``) in id order:
    those of ``ids``, those a rule run took, or all."""
    from .models import AlertEvent

    qs = AlertEvent.objects.all()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    if run_id is not None:
        qs = qs.filter(run_id=run_id)
    return qs.order_by("id").values(*EVENT_LEDGER_FIELDS)


RUN_LEDGER_FIELDS = ("id", "as_of", "year", "started_at", "finished_at", "counts", "merge")


def alert_fingerprints(*, rules: Sequence[str]) -> set[str]:
    """The fingerprints of every stored alert of ``rules``, whatever its status."""
    return set(Alert.objects.filter(rule__in=rules).values_list("fingerprint", flat=True))


def latest_by_rule(field: str, *, before: int | None = None, codes: Sequence[str] | None = None,
                   runs: int | None = None) -> dict[str, tuple[int, object]]:
    """For each rule, the newest finished run (before run ``before``, when given) whose ``field`` (a run's
    JSON by rule code: ``counts``, ``rule_seconds``) names it, as (that run's id, its value).
    Only ``codes`` when given (and no further back once each is found); at most ``runs`` runs."""
    wanted = set(codes) if codes is not None else None
    found: dict[str, tuple[int, object]] = {}
    earlier = RuleRun.objects.filter(status=RunStatus.DONE)
    if before is not None:
        earlier = earlier.filter(pk__lt=before)
    earlier = earlier.order_by("-pk").values_list("pk", field)
    for pk, by_rule in (earlier[:runs] if runs else earlier).iterator(chunk_size=20):
        for code, value in (by_rule or {}).items():
            if wanted is None or code in wanted:
                found.setdefault(code, (pk, value))
        if wanted is not None and len(found) == len(wanted):
            break
    return found


def last_rule_seconds(*, before: int | None = None, runs: int = 20) -> dict[str, float]:
    """Each rule's seconds in the newest of the last ``runs`` finished runs (before run
    ``before``) that timed it; {} when none did (runs from before timings were kept)."""
    timed = latest_by_rule("rule_seconds", before=before, runs=runs)
    return {code: value for code, (_, value) in timed.items()}


def rule_run_rows(*, ids=None) -> QuerySet:
    """Finished rule runs as the ledger logs them (dicts of ``RUN_LEDGER_FIELDS``) in id order;
    a failed run changed nothing and is not logged."""
    qs = RuleRun.objects.filter(status=RunStatus.DONE)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.order_by("id").values(*RUN_LEDGER_FIELDS)


def alert_comment_rows(*, ids=None) -> QuerySet:
    """Comments as the ledger logs them (dicts of ``COMMENT_LEDGER_FIELDS``) in id order."""
    from .models import AlertComment

    qs = AlertComment.objects.all()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.order_by("id").values(*COMMENT_LEDGER_FIELDS)


def alerts_unlike_history() -> Iterator[tuple[int, str, str]]:
    """Alerts whose status or dismissal reason is not what their last handling step left them
    with, as (id, status, the status the history gives): a status changed without a step, which
    only a write behind the application makes. Without a step an alert is open (as the engine
    creates it); a dismissed one keeps the reason of the step that dismissed it, any other has
    none. One pass, the last step of each alert found through the steps' alert index."""
    from django.db.models import OuterRef, Subquery

    from .choices import AlertStatus
    from .models import AlertEvent

    last = AlertEvent.objects.filter(alert=OuterRef("pk")).order_by("-id")
    qs = (Alert.objects.annotate(last_to=Subquery(last.values("to_status")[:1]),
                                 last_note=Subquery(last.values("note")[:1]))
          .filter((Q(last_to__isnull=True) & ~Q(status=AlertStatus.OPEN))
                  | (Q(last_to__isnull=False) & ~Q(status=F("last_to")))
                  | (Q(status=AlertStatus.DISMISSED) & ~Q(dismiss_reason=F("last_note")))
                  | (~Q(status=AlertStatus.DISMISSED) & ~Q(dismiss_reason="")))
          .order_by("id").values_list("id", "status", "last_to"))
    for pk, status, last_to in qs.iterator(chunk_size=2000):
        yield pk, status, last_to or AlertStatus.OPEN


def alert_event_visible(user, event_id: int) -> bool:
    """Whether ``user`` sees the alert of handling step ``event_id``."""
    return scoped(Alert.objects.all(), user).filter(events__pk=event_id).exists()


def alert_comment_visible(user, comment_id: int) -> bool:
    return scoped(Alert.objects.all(), user).filter(comments__pk=comment_id).exists()
