"""`jiandu otp_code USERNAME`: print a demo account's current two-factor code (never in production)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiandu.accounts.models import User
from jiandu.accounts.selectors import otp_code


class Command(BaseCommand):
    help = ("打印账户当前的 6 位动态口令，供演示环境无手机时登录；生产环境拒绝执行 "
            "(print the account's current TOTP code, for the demo; refused in production)")

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名 (username)")

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            # Anyone with shell access could otherwise pass any account's second factor.
            raise CommandError("生产环境不提供动态口令 (refused in production)")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户 {username} (no such user)")
        try:
            self.stdout.write(otp_code(user))
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
