"""Users of the platform; roles, data scope and security policy arrive with the accounts issue (#3)."""

from django.contrib.auth.models import AbstractUser
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.get_full_name() or self.username
