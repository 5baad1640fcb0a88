"""Template tags of the staff pages: the navigation and the display of masked or coded values."""

from django import template
from django.utils.translation import gettext as _

from jiandu.core.modules import navigation
from jiandu.core.money import format_yuan

register = template.Library()


@register.inclusion_tag("ui/_nav.html", takes_context=True)
def staff_nav(context):
    request = context["request"]
    return {"entries": navigation(request.user, request.path)}


@register.simple_tag(takes_context=True)
def nav_entries(context):
    request = context["request"]
    return navigation(request.user, request.path)


@register.filter
def thousands(n) -> str:
    return "" if n is None else f"{n:,}"


@register.simple_tag
def user_unit(user) -> str:
    from jiandu.core.selectors import user_unit as unit

    return unit(user)


@register.filter
def yuan(amount) -> str:
    return "" if amount is None else format_yuan(amount)


@register.filter
def party_id(record) -> str:
    from jiandu.records.selectors import record_party_id_masked

    return record_party_id_masked(record)


@register.filter
def penalties(mask) -> str:
    from jiandu.records.selectors import penalty_labels

    return penalty_labels(mask)


@register.filter
def id_number(officer) -> str:
    from jiandu.org.selectors import officer_id_number_masked

    return officer_id_number_masked(officer)


@register.filter
def entry_kind_label(kind: str) -> str:
    """A ledger entry's kind in Chinese (``record`` → 执法行为)."""
    from jiandu.ledger.choices import EntryKind

    return str(EntryKind(kind).label) if kind in EntryKind.values else kind


@register.filter
def entry_what(entry) -> str:
    """What a ledger entry is, in Chinese: its kind and key, and an alert step's action
    (预警处理记录 12 · 排除)."""
    import json

    from jiandu.monitoring.choices import AlertAction

    text = f"{entry_kind_label(entry.kind)} {entry.key}"
    if entry.kind == "alert_event":
        try:
            action = json.loads(entry.content).get("action")
        except (ValueError, AttributeError):
            return text
        if action in AlertAction.values:
            text += f" · {AlertAction(action).label}"
    return text


@register.filter
def kind_label(kind: str) -> str:
    from jiandu.records.selectors import interchange_kind_label

    return str(interchange_kind_label(kind))


@register.filter
def tiers(power) -> str:
    from jiandu.powers.selectors import tiers_text

    return tiers_text(power.tiers.all())


@register.filter
def basename(path: str) -> str:
    from pathlib import PurePath

    return PurePath(path or "").name


@register.filter
def yes_no(value) -> str:
    if value is None:
        return "—"
    return _("是") if value else _("否")
