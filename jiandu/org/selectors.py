"""Reads of the org app."""

from __future__ import annotations

from collections.abc import Iterator

from jiandu.core.crypto import decrypt_text

from .models import Agency, Officer


def iso(value) -> str | None:
    """A date (or the ISO string a just-saved model still holds) as YYYY-MM-DD."""
    return None if value is None else str(value)


def agency_to_contract(obj: Agency) -> dict:
    return {"code": obj.code, "name": obj.name, "type": obj.type, "level": obj.level,
            "region": obj.region_code, "parent": obj.parent_id}


def officer_to_contract(obj: Officer, *, reveal: bool) -> dict:
    return {"certificate": obj.certificate, "name": obj.name,
            "id_number": decrypt_text(obj.id_number_enc) if reveal else obj.id_number_enc,
            "agency": obj.agency_id, "issued_on": iso(obj.issued_on),
            "expires_on": iso(obj.expires_on), "status": obj.status,
            "status_since": iso(obj.status_since),
            "legal_qualification": obj.legal_qualification, "oath_on": iso(obj.oath_on)}


def agency_rows() -> Iterator[dict]:
    for obj in Agency.objects.order_by("code").iterator(chunk_size=2000):
        yield agency_to_contract(obj)


def officer_rows() -> Iterator[dict]:
    for obj in Officer.objects.order_by("certificate").iterator(chunk_size=2000):
        yield officer_to_contract(obj, reveal=True)


def agencies_with_officer_count(queryset):
    """``queryset`` with ``officer_count`` on each agency, counted in the same query."""
    from django.db.models import Count

    return queryset.annotate(officer_count=Count("officers"))


def officer_id_number_masked(obj: Officer) -> str:
    """The officer's 身份证号 as it may be shown on screen: decrypted only to be masked at once."""
    from jiandu.core.crypto import id_number_masked

    return id_number_masked(obj.id_number_enc)


def officers_with_id_number(queryset, term: str):
    """Officers in ``queryset`` whose 身份证号 is exactly ``term``, found through its keyed hash;
    none when ``term`` is not a valid 身份证号 (a partial number cannot be matched by a hash)."""
    from jiandu.core.crypto import keyed_hash
    from jiandu.core.validators import is_id_number

    number = term.strip().upper()
    if not is_id_number(number):
        return queryset.none()
    return queryset.filter(id_number_hash=keyed_hash(number))


def officer_by_certificate(certificate: str) -> Officer | None:
    return Officer.objects.select_related("agency").filter(certificate=certificate).first()


# ---------------------------------------------------------------- staff pages (#3)

def _on_agency_itself(condition, prefix: str = "agency"):
    """A scope condition written for a model's ``agency`` field, rewritten for Agency rows
    themselves, so that agencies follow exactly the rules of ``agency_condition``."""
    from django.db.models import Q

    out = Q()
    out.connector, out.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            out.children.append(_on_agency_itself(child, prefix))
            continue
        name, value = child
        if name in (f"{prefix}_id", prefix):
            name = "code"
        elif name.startswith(f"{prefix}__"):
            name = name[len(prefix) + 2:]
        out.children.append((name, value))
    return out


def agencies_for(user):
    """The agencies ``user`` may see (the same scope as their records, officers and powers)."""
    from jiandu.accounts.selectors import agency_condition

    condition = agency_condition(user, "agency")
    qs = Agency.objects.all()
    return qs if condition is None else qs.filter(_on_agency_itself(condition))


def agency_choices(user) -> list[tuple[str, str]]:
    """(code, name) of the agencies in ``user``'s scope, by name, for filter menus."""
    return list(agencies_for(user).order_by("name", "code").values_list("code", "name"))


def agencies_filtered(user, filters: dict):
    """`agencies_matching` with each parent and officer count, for the list page and its export."""
    return agencies_with_officer_count(agencies_matching(user, filters).select_related("parent"))


def agencies_matching(user, filters: dict):
    """Agencies in scope by type and level; the term matches a code exactly or a name in part."""
    from django.db.models import Q

    qs = agencies_for(user)
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("level"):
        qs = qs.filter(level=filters["level"])
    term = (filters.get("q") or "").strip()
    if term:
        qs = qs.filter(Q(code=term.upper()) | Q(name__icontains=term))
    return qs


def agency_or_404(user, code: str) -> Agency:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(agencies_for(user).select_related("parent"), code=code)


def agency_summary(agency: Agency, user) -> dict:
    """What the agency page shows beside its fields: its units in scope and how much it holds."""
    from jiandu.powers.models import Power
    from jiandu.records.models import Record

    return {
        "children": list(agencies_for(user).filter(parent=agency).order_by("name")),
        "officers": Officer.objects.filter(agency=agency).count(),
        "powers": Power.objects.filter(agency=agency).count(),
        "records": Record.objects.filter(agency=agency).count(),
    }


AGENCY_EXPORT_HEADERS = ("统一社会信用代码", "名称", "主体类型", "层级", "行政区划代码", "上级机构",
                         "执法人员数")


def agency_export_rows(qs) -> Iterator[tuple]:
    for obj in qs.order_by("code").iterator(chunk_size=2000):
        yield (obj.code, obj.name, obj.get_type_display(), obj.get_level_display(), obj.region_code,
               obj.parent.name if obj.parent_id else "", obj.officer_count)


def officers_for(user):
    from jiandu.accounts.selectors import scoped

    return scoped(Officer.objects.select_related("agency"), user)


def officers_filtered(user, filters: dict, *, today=None):
    """Officers in scope by agency, certificate status, validity on ``today`` (valid, expired,
    expiring within 90 days), oath and legal qualification; the search term matches a name in
    part, a certificate number exactly or a full 身份证号 through its keyed hash."""
    import datetime as dt

    from django.db.models import Q
    from django.utils import timezone

    today = today or timezone.localdate()
    qs = officers_for(user)
    if filters.get("agency"):
        qs = qs.filter(agency_id=filters["agency"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    validity = filters.get("validity")
    if validity == "valid":
        qs = qs.filter(issued_on__lte=today, expires_on__gte=today)
    elif validity == "expired":
        qs = qs.filter(expires_on__lt=today)
    elif validity == "expiring":
        qs = qs.filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=90))
    if filters.get("oath") == "yes":
        qs = qs.filter(oath_on__isnull=False)
    elif filters.get("oath") == "no":
        qs = qs.filter(oath_on__isnull=True)
    if filters.get("legal") == "yes":
        qs = qs.filter(legal_qualification=True)
    elif filters.get("legal") == "no":
        qs = qs.filter(legal_qualification=False)
    term = (filters.get("q") or "").strip()
    if term:
        qs = qs.filter(Q(certificate=term) | Q(name__icontains=term)) | officers_with_id_number(qs, term)
    return qs


def officer_or_404(user, certificate: str) -> Officer:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(officers_for(user), certificate=certificate)


def officer_detail(officer: Officer, user, *, records: int = 20) -> dict:
    """The officer's certificate history and latest records in ``user``'s scope."""
    from jiandu.records.selectors import records_for

    return {
        "id_number": officer_id_number_masked(officer),
        "status_changes": list(officer.status_changes.order_by("-recorded_at", "-id")),
        "records": list(records_for(user).filter(officer_links__certificate=officer.certificate)
                        .order_by("-act_on", "-id")[:records]),
    }


OFFICER_EXPORT_HEADERS = ("执法证号", "姓名", "身份证号（脱敏）", "所属执法主体", "证件状态",
                          "状态生效日期", "发证日期", "有效期至", "宣誓日期", "具有法律职业资格")


def officer_export_rows(qs) -> Iterator[tuple]:
    for obj in qs.order_by("certificate").iterator(chunk_size=2000):
        yield (obj.certificate, obj.name, officer_id_number_masked(obj), obj.agency.name,
               obj.get_status_display(), obj.status_since, obj.issued_on, obj.expires_on,
               obj.oath_on, "是" if obj.legal_qualification else "否")


def officer_to_api(obj: Officer) -> dict:
    """An officer in the contract's shape with the 身份证号 masked: the plain number never leaves."""
    return {**officer_to_contract(obj, reveal=False), "id_number": officer_id_number_masked(obj)}


def agencies_page(user, *, type: str | None = None, level: str | None = None,
                  after: str | None = None, limit: int = 100) -> tuple[list[dict], str | None]:
    """Agencies in the user's scope in code order, keyset-paginated."""
    from jiandu.core.selectors import keyset_page

    qs = agencies_matching(user, {"type": type, "level": level})
    rows, next_after = keyset_page(qs, key="code", after=after, limit=limit)
    return [agency_to_contract(obj) for obj in rows], next_after


def agency_by_code(user, code: str) -> dict | None:
    """One agency if the user's scope holds it; None otherwise, as if unknown."""
    obj = agencies_for(user).filter(code=code).first()
    return None if obj is None else agency_to_contract(obj)


def officers_page(user, *, agency: str | None = None, status: str | None = None,
                  after: str | None = None, limit: int = 100) -> tuple[list[dict], str | None]:
    """Officers in the user's data scope in certificate order, keyset-paginated, id numbers masked."""
    from jiandu.core.selectors import keyset_page

    qs = officers_filtered(user, {"agency": agency, "status": status})
    rows, next_after = keyset_page(qs, key="certificate", after=after, limit=limit)
    return [officer_to_api(obj) for obj in rows], next_after


def officer_for(user, certificate: str) -> dict | None:
    """One officer if the user's scope holds them; None otherwise, as if unknown."""
    obj = officers_for(user).filter(certificate=certificate).first()
    return None if obj is None else officer_to_api(obj)
