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
    from jiandu.core.crypto import DecryptionError, mask_id_number

    if obj.party_type != PartyType.PERSON:
        return obj.party_id_plain or ""
    try:
        return mask_id_number(decrypt_text(obj.party_id_enc))
    except DecryptionError:
        return "（无法解密）"


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

    from jiandu.core.crypto import DecryptionError, mask_id_number

    def masked(token):
        try:
            return mask_id_number(decrypt_text(token))
        except DecryptionError:
            return "（无法解密）"

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
