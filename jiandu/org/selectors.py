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
