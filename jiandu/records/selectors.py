"""Reads of the records app: stored rows of every kind back in the contract's shape."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from jiandu.core.crypto import decrypt_text

from .choices import PartyType, mask_to_penalties
from .interchange.schema import canonical_json
from .models import Record

_DATE_FIELDS = ("violation_on", "action_on", "filed_on", "decided_on", "legal_review_on",
                "served_on", "disclosed_on", "measure_end_on", "closed_on")
_FIELDS = ("ext_id", "kind", "agency_id", "power_id", "party_type", "party_id_plain", "party_id_enc",
           "party_name", "business", "procedure", "officers", *_DATE_FIELDS, "decision_no",
           "penalty_mask", "fine", "discretion", "harm", "corrected", "major", "hearing_notified",
           "extended", "measure", "measure_extended", "version", "content_hash", "source")


def _iso(value):
    return None if value is None else value.isoformat()


def record_to_contract(v: dict, *, reveal: bool) -> dict:
    """A stored record as the contract's dict. ``reveal`` decrypts a person's ID number;
    without it the encrypted token stands in (for history rows, which must stay encrypted)."""
    if v["party_type"] == PartyType.PERSON:
        party_id = decrypt_text(v["party_id_enc"]) if reveal else v["party_id_enc"]
    else:
        party_id = v["party_id_plain"]
    fine = v["fine"]
    return {
        "id": v["ext_id"], "kind": v["kind"], "agency": v["agency_id"], "power": v["power_id"],
        "party": {"type": v["party_type"], "id": party_id, "name": v["party_name"]},
        "business": v["business"], "procedure": v["procedure"],
        "officers": v["officers"].split(";") if v["officers"] else [],
        "violation_on": _iso(v["violation_on"]), "action_on": _iso(v["action_on"]),
        "filed_on": _iso(v["filed_on"]), "decided_on": _iso(v["decided_on"]),
        "decision_no": v["decision_no"], "penalties": mask_to_penalties(v["penalty_mask"]),
        "fine": fine, "discretion": v["discretion"], "harm": v["harm"],
        "corrected": v["corrected"], "major": v["major"],
        "legal_review_on": _iso(v["legal_review_on"]), "hearing_notified": v["hearing_notified"],
        "extended": v["extended"], "served_on": _iso(v["served_on"]),
        "disclosed_on": _iso(v["disclosed_on"]), "measure": v["measure"],
        "measure_end_on": _iso(v["measure_end_on"]), "measure_extended": v["measure_extended"],
        "closed_on": _iso(v["closed_on"]),
    }


def record_rows_to_contract(qs: QuerySet, *, reveal: bool):
    """(contract dict, version, content_hash, source, canonical JSON) for each record of ``qs``."""
    for v in qs.values(*_FIELDS):
        row = record_to_contract(v, reveal=reveal)
        yield row, v["version"], v["content_hash"], v["source"], canonical_json(row)


def _records_in_key_order(chunk: int = 5000) -> Iterator[dict]:
    # Keyset pagination: memory stays flat and no server-side cursor is held across chunks.
    last = None
    while True:
        qs = Record.objects.order_by("ext_id")
        if last is not None:
            qs = qs.filter(ext_id__gt=last)
        page = list(qs.values(*_FIELDS)[:chunk])
        if not page:
            return
        for v in page:
            yield record_to_contract(v, reveal=True)
        last = page[-1]["ext_id"]


def interchange_rows(kind: str) -> Iterator[dict]:
    """Every stored row of ``kind`` in the contract's shape, sorted by key."""
    if kind == "records":
        return _records_in_key_order()
    from jiandu.org.selectors import agency_rows, officer_rows
    from jiandu.powers.selectors import four_list_rows, power_rows

    return {"agencies": agency_rows, "officers": officer_rows, "powers": power_rows,
            "four_lists": four_list_rows}[kind]()


def record_party_id_masked(obj: Record) -> str:
    """The party's id as it may be shown: a person's 身份证号 masked, an organisation's USCC in full."""
    from jiandu.core.crypto import id_number_masked

    if obj.party_type != PartyType.PERSON:
        return obj.party_id_plain or ""
    return id_number_masked(obj.party_id_enc)


def penalty_labels(mask: int | None) -> str:
    """The penalties of a record in Chinese, in rising severity, joined with 、."""
    from .choices import Penalty

    return "、".join(str(Penalty(value).label) for value in mask_to_penalties(mask) or [])


def records_with_party_id(queryset, term: str):
    """Records in ``queryset`` whose party's id is exactly ``term``: a 身份证号 through its keyed
    hash, a 统一社会信用代码 as it is; none for anything else."""
    from jiandu.core.crypto import keyed_hash
    from jiandu.core.validators import is_id_number, is_uscc

    value = term.strip().upper()
    if is_id_number(value):
        return queryset.filter(party_type=PartyType.PERSON, party_key=keyed_hash(value))
    if is_uscc(value):
        return queryset.filter(party_type=PartyType.ORGANIZATION, party_key=value)
    return queryset.none()


def revision_content_masked(obj) -> str:
    """A history version's contract JSON for the screen: personal ids masked, never the ciphertext."""
    import json

    from jiandu.core.crypto import id_number_masked as masked

    content = json.loads(obj.content)
    if obj.kind == "officers" and content.get("id_number"):
        content["id_number"] = masked(content["id_number"])
    party = content.get("party") if obj.kind == "records" else None
    if isinstance(party, dict) and party.get("type") == PartyType.PERSON and party.get("id"):
        party["id"] = masked(party["id"])
    return json.dumps(content, ensure_ascii=False, indent=2)


def interchange_kind_choices() -> list[tuple[str, str]]:
    """(kind, Chinese label) of the five contract kinds, in import order."""
    from .interchange.schema import KINDS

    return [(name, kind.label) for name, kind in KINDS.items()]


def interchange_kind_label(kind: str) -> str:
    return dict(interchange_kind_choices()).get(kind, kind)


# ---------------------------------------------------------------- staff pages (#3)

def records_for(user):
    """The records ``user`` may see, with their agency and power joined for display."""
    from jiandu.accounts.selectors import scoped

    return scoped(Record.objects.select_related("agency", "power"), user)


def records_filtered(user, filters: dict):
    """``records_for(user)`` narrowed by a filter form's cleaned data (empty values ignored).

    The search term matches a record id or decision number exactly, a party's name in part, or a
    party's full 身份证号 / 统一社会信用代码 through its key, combined into one query.
    """
    from django.db.models import Q

    qs = records_for(user)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("agency"):
        qs = qs.filter(agency_id=filters["agency"])
    if filters.get("power"):
        qs = qs.filter(power_id=filters["power"])
    if filters.get("procedure"):
        qs = qs.filter(procedure=filters["procedure"])
    if filters.get("date_from"):
        qs = qs.filter(act_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(act_on__lte=filters["date_to"])
    if filters.get("decided") == "yes":
        qs = qs.filter(decided_on__isnull=False)
    elif filters.get("decided") == "no":
        qs = qs.filter(decided_on__isnull=True)
    term = (filters.get("q") or "").strip()
    if term:
        qs = (qs.filter(Q(ext_id=term) | Q(decision_no=term) | Q(party_name__icontains=term))
              | records_with_party_id(qs, term))
    return qs


def record_or_404(user, ext_id: str) -> Record:
    """One record within ``user``'s scope; 404 for any other id, so a tampered URL learns nothing."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(records_for(user).select_related("import_run"), ext_id=ext_id)


def record_officers(record: Record, user) -> list[dict]:
    """The record's listed officers in order: certificate, the registered officer (or None) and
    whether ``user`` may open that officer's page."""
    from jiandu.accounts.selectors import scoped
    from jiandu.org.models import Officer

    certificates = [link.certificate for link in record.officer_links.order_by("position")]
    known = {o.certificate: o for o in
             Officer.objects.select_related("agency").filter(certificate__in=certificates)}
    visible = set(scoped(Officer.objects.filter(certificate__in=certificates), user)
                  .values_list("certificate", flat=True))
    return [{"certificate": c, "officer": known.get(c), "linked": c in visible}
            for c in certificates]


def record_revisions(record: Record) -> list[dict]:
    """Earlier versions of the record, newest first, with personal ids masked."""
    from .models import Revision

    return [{"version": rev.version, "superseded_at": rev.superseded_at, "source": rev.source,
             "content": revision_content_masked(rev)}
            for rev in Revision.objects.filter(kind="records", key=record.ext_id).order_by("-version")]


RECORD_EXPORT_HEADERS = ("记录编号", "执法类别", "执法主体", "执法事项编码", "执法事项名称",
                         "相对人类型", "相对人名称", "相对人证件号码（脱敏）", "程序",
                         "违法行为发生日期", "检查或强制措施日期", "立案日期", "决定日期",
                         "决定书文号", "处罚种类", "罚款金额（元）", "送达日期", "公示日期", "结案日期")


def record_export_rows(qs) -> Iterator[tuple]:
    """Rows for the Excel export of ``qs`` (already scoped and filtered), in the list's order."""
    from jiandu.core.crypto import id_number_masked
    from jiandu.powers.choices import PowerKind

    from .choices import Procedure

    kinds, procedures = dict(PowerKind.choices), dict(Procedure.choices)
    party_types = dict(PartyType.choices)
    fields = ("ext_id", "kind", "agency__name", "power_id", "power__name", "party_type",
              "party_name", "party_id_plain", "party_id_enc", "procedure", "violation_on",
              "action_on", "filed_on", "decided_on", "decision_no", "penalty_mask", "fine",
              "served_on", "disclosed_on", "closed_on")
    for v in qs.order_by("-id").values(*fields).iterator(chunk_size=2000):
        party_id = (id_number_masked(v["party_id_enc"]) if v["party_type"] == PartyType.PERSON
                    else v["party_id_plain"])
        yield (v["ext_id"], str(kinds.get(v["kind"], v["kind"])), v["agency__name"], v["power_id"],
               v["power__name"], str(party_types.get(v["party_type"], "")), v["party_name"],
               party_id, str(procedures.get(v["procedure"], "")) if v["procedure"] else "",
               v["violation_on"], v["action_on"], v["filed_on"], v["decided_on"], v["decision_no"],
               penalty_labels(v["penalty_mask"]), v["fine"], v["served_on"], v["disclosed_on"],
               v["closed_on"])


def records_by_kind(qs) -> list[dict]:
    """Record counts per kind (one GROUP BY), largest first, with the kind's Chinese name."""
    from django.db.models import Count

    from jiandu.powers.choices import PowerKind

    labels = dict(PowerKind.choices)
    rows = qs.order_by().values("kind").annotate(n=Count("id")).order_by("-n", "kind")
    return [{"kind": r["kind"], "label": str(labels.get(r["kind"], r["kind"])), "n": r["n"]}
            for r in rows]


def records_by_agency(qs, limit: int = 15) -> list[dict]:
    """The ``limit`` agencies with the most records (one GROUP BY with the agency's name)."""
    from django.db.models import Count

    rows = (qs.order_by().values("agency_id", "agency__name").annotate(n=Count("id"))
            .order_by("-n", "agency_id")[:limit])
    return [{"agency": r["agency_id"], "name": r["agency__name"], "n": r["n"]} for r in rows]


def records_by_month(qs, *, months: int = 24, today=None) -> list[dict]:
    """Record counts per month of the act date for the last ``months`` months including this one,
    zeros included (one GROUP BY on the truncated date)."""
    import datetime as dt

    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = dt.date(index // 12, index % 12 + 1, 1)
    rows = (qs.order_by().filter(act_on__gte=first, act_on__lte=today)
            .annotate(month=TruncMonth("act_on")).values("month").annotate(n=Count("id")))
    counts = {(r["month"].year, r["month"].month): r["n"] for r in rows}
    out = []
    for i in range(months):
        year, month = divmod(index + i, 12)
        out.append({"month": f"{year}-{month + 1:02d}", "n": counts.get((year, month + 1), 0)})
    return out


def allowed_import_agencies(user) -> set[str] | None:
    """The agencies whose records ``user`` may import: None (any) for district roles, else the
    agencies of the user's scope."""
    from jiandu.accounts.selectors import sees_everything
    from jiandu.org.selectors import agencies_for

    if sees_everything(user):
        return None
    return set(agencies_for(user).values_list("code", flat=True))


def import_runs_for(user):
    """Import runs ``user`` may look at: their own; every run for administrators."""
    from jiandu.accounts.choices import Role

    from .models import ImportRun

    qs = ImportRun.objects.select_related("user")
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    return qs.filter(user=user)


def import_runs_recent(user, limit: int = 20) -> list:
    return list(import_runs_for(user).filter(user=user).order_by("-started_at", "-id")[:limit])


def import_run_for(user, pk: int):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(import_runs_for(user), pk=pk)


def import_errors_file(upload):
    """Where the rejection report of an uploaded file goes: ``rejected.<format>`` beside it."""
    from pathlib import Path

    from .interchange.formats import file_format

    upload = Path(upload)
    return upload.parent / f"rejected.{file_format(upload)}"


def import_errors_path(run):
    """The rejection report of a run uploaded through the staff page, if there is one.

    Uploads are kept as ``MEDIA_ROOT/imports/<batch>/<name>`` with their report beside them;
    runs from anywhere else (the command line) have none.
    """
    from pathlib import Path

    from django.conf import settings

    from .interchange.formats import FormatError

    root = (Path(settings.MEDIA_ROOT) / "imports").resolve()
    try:
        report = import_errors_file(Path(run.file_name).resolve())
        report.relative_to(root)
    except (OSError, ValueError, FormatError):
        return None
    return report if report.is_file() else None


def import_run_problems(run, limit: int = 500) -> list[dict]:
    """The first ``limit`` rejected rows of a run, read back from its rejection report:
    line, key, field and reason."""
    import csv

    from .interchange.schema import KINDS

    path = import_errors_path(run)
    if path is None:
        return []
    key = KINDS[run.kind].key if run.kind in KINDS else "id"
    out: list[dict] = []

    def add(row: dict):
        out.append({"line": row.get("_line"), "key": row.get(key) or "", "field": row.get("_field"),
                    "reason": row.get("_reason")})

    suffix = path.suffix
    if suffix == ".jsonl":
        import orjson

        with open(path, "rb") as fh:
            for line in fh:
                if len(out) >= limit:
                    break
                row = orjson.loads(line)
                row[key] = row.get(key) if isinstance(row.get(key), str) else ""
                add(row)
    elif suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if len(out) >= limit:
                    break
                add(row)
    else:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            header = [str(h) for h in next(rows, ())]
            for values in rows:
                if len(out) >= limit:
                    break
                add(dict(zip(header, values, strict=False)))
        finally:
            book.close()
    return out


def record_to_api(v: dict) -> dict:
    """A stored record (a ``values()`` row of `_FIELDS`) in the contract's shape for the API: a
    person's 身份证号 masked, never plain nor encrypted; the fine as exact decimal text."""
    from jiandu.core.crypto import id_number_masked
    from jiandu.core.money import format_yuan

    row = record_to_contract(v, reveal=False)
    if v["party_type"] == PartyType.PERSON:
        row["party"]["id"] = id_number_masked(v["party_id_enc"])
    if row["fine"] is not None:
        row["fine"] = format_yuan(row["fine"])
    return row


def records_page(user, *, kind: str | None = None, agency: str | None = None,
                 act_on_from=None, act_on_to=None, decided: bool | None = None,
                 after: str | None = None, limit: int = 100) -> tuple[list[dict], str | None]:
    """Records in the user's data scope in id order, filtered, keyset-paginated."""
    from jiandu.core.selectors import keyset_page

    qs = records_filtered(user, {"kind": kind, "agency": agency, "date_from": act_on_from,
                                 "date_to": act_on_to, "decided": {True: "yes", False: "no"}.get(decided)})
    rows, next_after = keyset_page(qs.values(*_FIELDS), key="ext_id", after=after, limit=limit)
    return [record_to_api(v) for v in rows], next_after


def _record_values_for(user, ext_id: str) -> dict | None:
    from jiandu.accounts.selectors import scoped

    return scoped(Record.objects.all(), user).filter(ext_id=ext_id).values(*_FIELDS).first()


def record_for(user, ext_id: str) -> dict | None:
    """One record if the user's scope holds it; None otherwise, as if it did not exist."""
    v = _record_values_for(user, ext_id)
    return None if v is None else record_to_api(v)


def record_versions_for(user, ext_id: str) -> list[dict] | None:
    """Every version of a record in the user's scope, oldest first, the current one last.

    An earlier version that named an agency outside the user's scope is left out: the record
    moved between units, and the old unit's data stays with it.
    """
    import json

    from jiandu.org.selectors import agencies_for

    from .models import Revision

    v = _record_values_for(user, ext_id)
    if v is None:
        return None
    revisions = list(Revision.objects.filter(kind="records", key=ext_id).order_by("version"))
    contents = [json.loads(revision_content_masked(r)) for r in revisions]
    allowed = set(agencies_for(user).filter(code__in={c.get("agency") for c in contents})
                  .values_list("code", flat=True)) if contents else set()
    versions = [{"version": r.version, "current": False, "source": r.source,
                 "superseded_at": r.superseded_at, "record": content}
                for r, content in zip(revisions, contents, strict=True) if content.get("agency") in allowed]
    versions.append({"version": v["version"], "current": True, "source": v["source"],
                     "superseded_at": None, "record": record_to_api(v)})
    return versions


def import_kinds_for(user) -> list[str]:
    """The contract kinds ``user`` may import: all for administrators and district supervisors, only
    records for a department's liaison, none for anyone else."""
    from jiandu.accounts.choices import Role

    from .interchange.schema import KINDS

    if not (user and user.is_authenticated and user.is_active):
        return []
    if user.is_superuser or user.role in (Role.ADMIN, Role.SUPERVISOR):
        return list(KINDS)
    if user.role == Role.LIAISON:
        return ["records"]
    return []
