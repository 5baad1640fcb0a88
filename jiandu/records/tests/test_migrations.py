"""Migration 0002 gives the officer links stored already their records' agency and act date, and
swaps the links' indexes on the certificate and the record for the one the officer rules range
over; back, the old indexes return. 0003 counts each stored record's certificates; 0004 adds the
rules' covering indexes on PostgreSQL only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("records", "0001_initial")]
AFTER = [("records", "0002_link_agency_act")]
OLD = {"records_recordofficer_certificate_766e3da0": ["certificate"],
       "records_recordofficer_record_ext_id_4843fd98": ["record_ext_id"]}
NEW = {"records_link_cert_agency_act": ["certificate", "agency_code", "act_on", "record_ext_id", "position"]}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _indexes(table: str = "records_recordofficer") -> dict[str, list[str]]:
    """A table's plain (non-unique, non-primary) indexes by name, with their columns (an
    index's INCLUDE columns after its key)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: c["columns"] for name, c in found.items()
            if c["index"] and not c["unique"] and not c["primary_key"] and not name.endswith("_like")}


@pytest.mark.django_db(transaction=True)
def test_links_get_their_records_values_and_the_range_index_and_back():
    _migrate(BEFORE)
    try:
        apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        Agency, Power = apps.get_model("org", "Agency"), apps.get_model("powers", "Power")
        Record, Link = apps.get_model("records", "Record"), apps.get_model("records", "RecordOfficer")
        agencies = [Agency.objects.create(code=code, name=code, type="administrative_organ",
                                          level="district", region_code="370117", content_hash="x")
                    for code in ("113701170000000011", "113701170000000022")]
        power = Power.objects.create(code="P1", name="处罚事项", kind="penalty", agency=agencies[0],
                                     legal_basis="《某法》第1条", content_hash="x")
        acts = [dt.date(2025, 3, 4), None]
        for n, (agency, act) in enumerate(zip(agencies, acts, strict=True)):
            record = Record.objects.create(
                ext_id=f"R{n}", kind="penalty", agency=agency, power=power, party_type="organization",
                party_key=f"K{n}", party_id_plain=f"K{n}", party_name="当事人", officers="A;B",
                act_on=act, content_hash="x", version=1, source="test")
            for position, certificate in enumerate(("A", "B")):
                Link.objects.create(record=record, position=position, certificate=certificate)
        assert OLD.items() <= _indexes().items()

        _migrate(AFTER)
        from jiandu.records.models import RecordOfficer

        assert sorted(RecordOfficer.objects.values_list("record_id", "position", "agency_code", "act_on")) == [
            ("R0", 0, agencies[0].code, acts[0]), ("R0", 1, agencies[0].code, acts[0]),
            ("R1", 0, agencies[1].code, None), ("R1", 1, agencies[1].code, None)]
        assert _indexes() == NEW

        _migrate(BEFORE)
        assert _indexes() == OLD
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_records_stored_already_get_their_officer_count_from_their_links():
    before, after = [("records", "0002_link_agency_act")], [("records", "0003_record_officer_count")]
    _migrate(before)
    try:
        apps = MigrationExecutor(connection).loader.project_state(before).apps
        Agency, Power = apps.get_model("org", "Agency"), apps.get_model("powers", "Power")
        Record, Link = apps.get_model("records", "Record"), apps.get_model("records", "RecordOfficer")
        agency = Agency.objects.create(code="113701170000000011", name="局", type="administrative_organ",
                                       level="district", region_code="370117", content_hash="x")
        power = Power.objects.create(code="P1", name="处罚事项", kind="penalty", agency=agency,
                                     legal_basis="《某法》第1条", content_hash="x")
        lists = {"R0": [], "R1": ["A"], "R2": ["A", "A"], "R3": ["A", "B"], "R4": ["B", "A", "B", "C"]}
        for ext_id, certificates in lists.items():
            record = Record.objects.create(
                ext_id=ext_id, kind="penalty", agency=agency, power=power, party_type="organization",
                party_key=ext_id, party_id_plain=ext_id, party_name="当事人", officers=";".join(certificates),
                content_hash="x", version=1, source="test")
            for position, certificate in enumerate(certificates):
                Link.objects.create(record=record, position=position, certificate=certificate,
                                    agency_code=agency.code)

        _migrate(after)
        from jiandu.records.models import Record as Current

        assert dict(Current.objects.values_list("ext_id", "officer_count")) == {
            "R0": 0, "R1": 1, "R2": 1, "R3": 2, "R4": 3}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _rule_indexes() -> dict[str, list[str]]:
    """The records' indexes for the supervision rules (records.0004), with their columns."""
    return {name: columns for name, columns in _indexes("records_record").items() if name.endswith("_rules")}


@pytest.mark.django_db(transaction=True)
def test_the_rules_covering_indexes_on_postgresql_only_and_back():
    before, after = [("records", "0003_record_officer_count")], [("records", "0004_rule_indexes")]
    _migrate(before)
    try:
        assert _rule_indexes() == {}
        _migrate(after)
        if connection.vendor == "postgresql":
            assert _rule_indexes() == {
                "records_penalty_rules": ["party_key", "power_code", "violation_on", "decided_on", "ext_id",
                                          "agency_code", "fine", "penalty_mask", "harm", "corrected", "discretion"],
                "records_inspection_rules": ["party_key", "action_on", "ext_id", "agency_code", "power_code"]}
            with connection.cursor() as cursor:
                cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'records_%%_rules'")
                definitions = dict(cursor.fetchall())
            assert "INCLUDE (ext_id, agency_code, fine, penalty_mask, harm, corrected, discretion)" in \
                definitions["records_penalty_rules"]
            assert "WHERE ((kind)::text = 'penalty'::text)" in definitions["records_penalty_rules"]
            assert "INCLUDE (ext_id, agency_code, power_code)" in definitions["records_inspection_rules"]
            assert "(action_on IS NOT NULL)" in definitions["records_inspection_rules"]
        else:
            assert _rule_indexes() == {}
        _migrate(before)
        assert _rule_indexes() == {}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
