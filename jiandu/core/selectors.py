"""Reads shared across apps."""

from django.apps import apps


def platform_counts() -> dict[str, int]:
    """How many agencies, officers, powers and records are stored (public, no personal data)."""
    return {
        "agencies": apps.get_model("org", "Agency").objects.count(),
        "officers": apps.get_model("org", "Officer").objects.count(),
        "powers": apps.get_model("powers", "Power").objects.count(),
        "records": apps.get_model("records", "Record").objects.count(),
    }
