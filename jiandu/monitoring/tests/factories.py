"""Small factories for rule tests: a district of a few agencies, officers, powers and records."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from jiandu.core.crypto import encrypt_text, keyed_hash
from jiandu.core.validators import id_check_char, uscc_check_char
from jiandu.org.models import Agency, Officer
from jiandu.powers.models import DiscretionTier, FourListItem, Power
from jiandu.records.choices import penalties_to_mask
from jiandu.records.models import Record, RecordOfficer
from jiandu.records.services import record_act_on, record_officer_count

_n = itertools.count(1)


def uscc(prefix: str = "91370117") -> str:
    body = f"{prefix}{next(_n):0{17 - len(prefix)}d}"
    return body + uscc_check_char(body)


def id_number(born: str = "19800101") -> str:
    body = f"370117{born}{next(_n) % 1000:03d}"
    return body + id_check_char(body)


class District:
    """Two agencies with two sworn, valid officers each; everything else made on request."""

    def __init__(self):
        self.a = self.agency("区市场监督管理局")
        self.b = self.agency("区生态环境分局")
        self.a1, self.a2 = self.officer(agency=self.a), self.officer(agency=self.a)
        self.b1, self.b2 = self.officer(agency=self.b), self.officer(agency=self.b)

    def agency(self, name: str) -> Agency:
        return Agency.objects.create(code=uscc("11370117"), name=name, type="administrative_organ",
                                     level="district", region_code="370117", content_hash="x")

    def officer(self, *, agency: Agency | None = None, issued_on=dt.date(2020, 1, 1),
                expires_on=dt.date(2030, 12, 31), status="valid", status_since=None,
                oath_on=dt.date(2020, 1, 2)) -> Officer:
        number = id_number()
        return Officer.objects.create(
            certificate=f"37011720{next(_n):05d}", name="执法人员", id_number_enc=encrypt_text(number),
            id_number_hash=keyed_hash(number), agency=agency or self.a, issued_on=issued_on,
            expires_on=expires_on, status=status, status_since=status_since, oath_on=oath_on,
            content_hash="x")

    def power(self, *, kind: str = "penalty", agency: Agency | None = None, tiers: dict | None = None,
              cap: int | None = None, limitation_years: int | None = None) -> Power:
        power = Power.objects.create(code=f"P{next(_n):06d}", name=f"{kind}事项", kind=kind,
                                     agency=agency or self.a, legal_basis="《某法》第1条",
                                     annual_inspection_cap=cap, limitation_years=limitation_years,
                                     content_hash="x")
        for level, (low, high) in (tiers or {}).items():
            DiscretionTier.objects.create(power=power, level=level, min_amount=Decimal(low),
                                          max_amount=Decimal(high))
        return power

    def no_penalty(self, power: Power, *, max_harm: str = "minor", requires_corrected: bool = True,
                   window: int | None = None, kind: str = "no_penalty") -> FourListItem:
        return FourListItem.objects.create(code=f"L{next(_n):06d}", list=kind, power=power,
                                           description="首次违法、危害后果轻微并及时改正的，不予处罚",
                                           max_harm=max_harm, requires_corrected=requires_corrected,
                                           first_offense_window_days=window, content_hash="x")

    def org(self) -> tuple[str, str]:
        return ("organization", uscc())

    def person(self) -> tuple[str, str]:
        return ("person", id_number())

    def record(self, ext_id: str | None = None, *, power: Power | None = None, kind: str | None = None,
               agency: Agency | None = None, party: tuple[str, str] | None = None,
               officers: list | None = None, penalties: list[str] | None = None, fine=None,
               **fields) -> Record:
        """A record that breaks no rule unless told to: two sworn valid officers of its agency."""
        power = power or self.power(kind=kind or "penalty", agency=agency)
        agency = agency or power.agency
        party_type, party_id = party or self.org()
        if officers is None:
            officers = [self.a1, self.a2] if agency == self.a else [self.b1, self.b2] \
                if agency == self.b else [self.officer(agency=agency), self.officer(agency=agency)]
        certs = [o if isinstance(o, str) else o.certificate for o in officers]
        person = party_type == "person"
        act = record_act_on(fields.get("action_on"), fields.get("filed_on"), fields.get("decided_on"))
        record = Record.objects.create(
            ext_id=ext_id or f"R{next(_n):07d}", kind=kind or power.kind, agency=agency, power=power,
            party_type=party_type, party_key=keyed_hash(party_id) if person else party_id,
            party_id_plain=None if person else party_id,
            party_id_enc=encrypt_text(party_id) if person else None, party_name="当事人",
            officers=";".join(certs), officer_count=record_officer_count(certs), act_on=act,
            penalty_mask=None if penalties is None else penalties_to_mask(penalties),
            fine=None if fine is None else Decimal(str(fine)), content_hash="x", **fields)
        RecordOfficer.objects.bulk_create(
            RecordOfficer(record=record, position=i, certificate=c, agency_code=record.agency_id,
                          act_on=record.act_on) for i, c in enumerate(certs))
        return record
