"""Enumerations of the ledger: the hash algorithms a log may be built with."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HashAlgorithm(models.TextChoices):
    SM3 = "sm3", _("SM3（国密）")
    SHA256 = "sha256", _("SHA-256")
