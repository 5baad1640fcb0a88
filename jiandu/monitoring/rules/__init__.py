"""The supervision rules (监督规则): one module per family, registered in the contract's order."""

from django.utils.translation import gettext_lazy as _

from . import deadlines, inspections, officers, penalties, powers  # noqa: F401  (they register)
from .base import REGISTRY, Candidate, Context, Rule

# Each family (its module's name) as the rule catalogue heads it.
FAMILIES = {
    "officers": _("执法人员与证件"),
    "penalties": _("行政处罚"),
    "deadlines": _("办案期限"),
    "inspections": _("行政检查"),
    "powers": _("权责事项履职"),
}

# The order of the contract's table; a new rule is appended with a new code.
ORDER = (
    "officer_certificate", "two_officers", "oath_missing", "no_penalty_list", "discretion_range",
    "legal_review", "hearing_notice", "decision_deadline", "service_deadline",
    "disclosure_deadline", "compulsory_duration", "summary_procedure", "double_fine",
    "limitation", "repeat_inspection", "inspection_cap", "unexercised_power",
)


def all_rules() -> list[Rule]:
    extra = sorted(set(REGISTRY) - set(ORDER))
    return [REGISTRY[code] for code in (*ORDER, *extra)]


def get_rule(code: str) -> Rule:
    try:
        return REGISTRY[code]
    except KeyError:
        raise KeyError(f"未知的规则 {code} (unknown rule)") from None


__all__ = ["FAMILIES", "ORDER", "REGISTRY", "Candidate", "Context", "Rule", "all_rules", "get_rule"]
