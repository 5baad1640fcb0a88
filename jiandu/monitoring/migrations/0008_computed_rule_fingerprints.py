"""The stored alerts of the rules whose findings the database now computes get those rules'
fingerprint (``rules.base.computed_fingerprint``), recomputed from their own stored facts, so that
a check after the upgrade finds them again: a dismissed alert stays dismissed, nothing is raised
twice. Backwards, the fingerprint of before (``engine.fingerprint``). Both definitions are frozen
here, as they were when this migration was written."""

import hashlib

import orjson
from django.db import migrations

# The rules computed in the database from this version on, and the kinds of their facts.
COMPUTED = {
    "discretion_range": {"fine": "int", "discretion": "text", "min": "int", "max": "int"},
    "legal_review": {"decided_on": "date", "legal_review_on": "date"},
    "decision_deadline": {"filed_on": "date", "decided_on": "date"},
    "compulsory_duration": {"measure": "text", "action_on": "date", "measure_end_on": "date",
                            "measure_extended": "bool"},
    "double_fine": {"violation_on": "date", "decided_on": "date", "fine": "int", "first": "text",
                    "first_decided_on": "date", "first_fine": "int"},
    "limitation": {"violation_on": "date", "filed_on": "date", "years": "int"},
    "repeat_inspection": {"action_on": "date", "others": "int"},
    "inspection_cap": {"action_on": "date", "year": "int", "cap": "int", "n": "int"},
}
BATCH = 5000


def _text(kind, value):
    if value is None:
        return None
    if kind == "int":
        return str(int(value))
    if kind == "bool":
        return "1" if value else "0"
    return str(value)


def computed(rule, record, power, facts, kinds):
    parts = [rule, record, power, *(_text(kinds[key], facts.get(key)) for key in sorted(kinds))]
    text = "v1;" + "".join("-" if part is None else f"{len(part)}:{part}" for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def hashed(rule, record, power, facts, kinds):
    payload = orjson.dumps([rule, record, power, facts], option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def _refingerprint(apps, make):
    Alert = apps.get_model("monitoring", "Alert")
    for rule, kinds in COMPUTED.items():
        rows = Alert.objects.filter(rule=rule).order_by("pk").values_list("pk", "record_id", "power_id", "facts")
        last = 0
        while page := list(rows.filter(pk__gt=last)[:BATCH]):
            Alert.objects.bulk_update(
                [Alert(pk=pk, fingerprint=make(rule, record, power, facts or {}, kinds))
                 for pk, record, power, facts in page], ["fingerprint"], batch_size=BATCH)
            last = page[-1][0]


def forwards(apps, schema_editor):
    _refingerprint(apps, computed)


def backwards(apps, schema_editor):
    _refingerprint(apps, hashed)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0007_alert_indexes_by_bytes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
