"""The password policy: length, character classes, no reuse of the last five; the change service."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from jiandu.accounts.choices import AuditAction
from jiandu.accounts.models import AuditEvent, PasswordHistory
from jiandu.accounts.passwords import CharacterClassesValidator, character_classes
from jiandu.accounts.services import temporary_password, user_password_set

pytestmark = pytest.mark.django_db


def _codes(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


def test_character_classes():
    assert character_classes("abcDEF123!") == {"upper", "lower", "digit", "symbol"}
    assert character_classes("监督abc") == {"symbol", "lower"}
    validator = CharacterClassesValidator(min_classes=3)
    validator.validate("abcdefGH12")
    with pytest.raises(ValidationError) as exc:
        validator.validate("abcdefghij12")
    assert "中的 3 类 (use at least 3 of" in str(exc.value)


@pytest.mark.parametrize(("password", "code"), [
    ("Ab1!xyz", "password_too_short"),          # four classes, too short
    ("abcdefghijkl", "password_too_few_classes"),  # long, one class
    ("abcdefgh1234", "password_too_few_classes"),  # two classes
])
def test_policy_refuses(password, code):
    assert code in _codes(password)


@pytest.mark.parametrize("password", ["Gangcheng2026", "gangcheng-2026", "GANG-cheng-x", "监督平台abcd12"])
def test_policy_accepts_three_classes(password):
    assert _codes(password) == set()


def test_temporary_passwords_pass_the_policy():
    for _n in range(50):
        password = temporary_password()
        assert len(password) == 14 and len(character_classes(password)) == 4
        assert _codes(password) == set()


def test_each_of_the_last_five_is_refused_and_the_sixth_is_allowed(make_user):
    user = make_user("wang")
    passwords = [f"Jiandu-{n}-Secret" for n in range(1, 7)]
    for password in passwords[:5]:
        user_password_set(user=user, raw_password=password)
    for password in passwords[:5]:
        assert "password_reused" in _codes(password, user), password
    with pytest.raises(ValidationError):
        user_password_set(user=user, raw_password=passwords[0])
    user_password_set(user=user, raw_password=passwords[5])
    # Now the last five are 2…6: the first may come back.
    assert _codes(passwords[0], user) == set()
    for password in passwords[1:]:
        assert "password_reused" in _codes(password, user)
    # Only as many old hashes are kept as block something.
    assert PasswordHistory.objects.filter(user=user).count() == 5


def test_password_set_records_time_history_and_audit(make_user, clock):
    user = make_user("li", password_changed_at=None)
    user_password_set(user=user, raw_password="Another-Pass-77")
    user.refresh_from_db()
    assert user.check_password("Another-Pass-77")
    assert user.password_changed_at == clock.now
    assert PasswordHistory.objects.filter(user=user).count() == 1
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD)
    assert event.username == "li" and event.object_id == str(user.pk)


def test_the_current_password_is_refused_without_history(make_user):
    # Accounts from before the history (createsuperuser, a demo reset) have no row yet.
    user = make_user("old", password="Legacy-Pass-01")
    assert "password_reused" in _codes("Legacy-Pass-01", user)


def test_invalid_password_changes_nothing(make_user):
    user = make_user("zhao")
    before = user.password
    with pytest.raises(ValidationError):
        user_password_set(user=user, raw_password="short")
    user.refresh_from_db()
    assert user.password == before
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD).exists()
