"""Password validators of the house policy: three character classes, no reuse of recent passwords."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# How many recent passwords (the current one included) may not be chosen again.
HISTORY_SIZE = 5


def character_classes(password: str) -> set[str]:
    """The classes ``password`` draws on. Anything neither a letter with case nor a digit (a
    punctuation mark, a space, a Chinese character) counts as a symbol."""
    classes = set()
    for char in password:
        if char.isupper():
            classes.add("upper")
        elif char.islower():
            classes.add("lower")
        elif char.isdecimal():
            classes.add("digit")
        else:
            classes.add("symbol")
    return classes


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_few_classes")

    def get_help_text(self):
        return _("密码须至少包含大写字母、小写字母、数字、符号中的 %(n)d 类 "
                 "(use at least %(n)d of: upper-case letters, lower-case letters, digits, "
                 "symbols)") % {"n": self.min_classes}


class PasswordHistoryValidator:
    """Refuses the user's current password and the others among their last ``history`` ones."""

    def __init__(self, history: int = HISTORY_SIZE):
        self.history = history

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        # The current hash is checked too: accounts made before the history existed
        # (createsuperuser, an old import) have no row for it.
        hashes = [user.password] if user.has_usable_password() else []
        hashes += list(user.password_history.order_by("-created_at", "-id")
                       .values_list("password", flat=True)[:self.history])
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                ngettext("不能使用最近 %(n)d 次用过的密码 (do not reuse your last password)",
                         "不能使用最近 %(n)d 次用过的密码 (do not reuse any of your last "
                         "%(n)d passwords)", self.history) % {"n": self.history},
                code="password_reused",
            )

    def get_help_text(self):
        return _("不能与最近 %(n)d 次用过的密码相同 (must differ from your last %(n)d "
                 "passwords)") % {"n": self.history}
