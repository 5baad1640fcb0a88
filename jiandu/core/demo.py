"""The demo district: database, calendar, regions, a generated district imported, and a demo login."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import transaction

from jiandu.core.calendar import calendar_table_refresh
from jiandu.org.services import region_bundled_path, region_load
from jiandu.records.interchange.pipeline import Counts
from jiandu.records.interchange.schema import KINDS
from jiandu.records.services import interchange_import

DEMO_SOURCE = "演示数据"
DEMO_USERNAME = "admin"
# Public on purpose: it is printed after every demo load. It passes the site's own validators
# (≥ 10 characters, not common, not numeric) and has four character classes.
DEMO_PASSWORD = "Jiandu@2026demo"
DEMO_URL = "http://127.0.0.1:8000"
IMPORT_ORDER = ("agencies", "officers", "powers", "four_lists", "records")


class DemoRefused(RuntimeError):
    pass


@dataclass
class DemoResult:
    directory: Path
    regions: int
    imports: dict[str, Counts]
    username: str
    password: str

    @property
    def created(self) -> int:
        return sum(c.created + c.replaced for c in self.imports.values())


def demo_admin_reset(*, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD):
    """Create the demo superuser, or give an existing one back its demo password and rights."""
    user_model = get_user_model()
    with transaction.atomic():
        user, _ = user_model.objects.get_or_create(username=username)
        validate_password(password, user)
        user.set_password(password)
        user.is_active = user.is_staff = user.is_superuser = True
        user.save()
    return user


def demo_load(*, records: int, directory: str | Path, seed: int,
              on_step: Callable[[str], None] | None = None) -> DemoResult:
    """Bring the database up to date and fill it with a generated district; safe to run again.

    Not one transaction: ``migrate`` cannot run inside one, and the import commits a batch at a
    time so that a large district never sits in one transaction. Each step is idempotent on its
    own: the same seed writes the same files, and importing unchanged rows changes nothing.
    """
    if settings.PRODUCTION:
        # It resets the admin password to a published value.
        raise DemoRefused("生产环境不能加载演示数据 (the demo cannot be loaded in production)")
    step = on_step or (lambda message: None)
    directory = Path(directory)

    step("更新数据库结构 (migrating the database)")
    call_command("migrate", interactive=False, verbosity=0)
    step("刷新工作日历 (refreshing the working-day calendar)")
    calendar_table_refresh()
    step("载入行政区划 (loading regions)")
    regions = region_load(path=region_bundled_path())
    step(f"生成演示辖区：{records} 条执法行为，随机种子 {seed} "
         f"(generating the district: {records} records, seed {seed})")
    generated = io.StringIO()
    call_command("gen", str(directory), records=records, seed=seed, stdout=generated)
    step(generated.getvalue().rstrip())
    imports = {}
    for kind in IMPORT_ORDER:
        step(f"导入{KINDS[kind].label} (importing {kind})")
        report = interchange_import(kind=kind, path=directory / f"{kind}.jsonl", source=DEMO_SOURCE)
        imports[kind] = report.counts
    step(f"设置演示管理员 {DEMO_USERNAME} (setting up the demo administrator)")
    demo_admin_reset()
    return DemoResult(directory=directory, regions=regions, imports=imports,
                      username=DEMO_USERNAME, password=DEMO_PASSWORD)
