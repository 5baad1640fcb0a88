"""The demo district: regions, a generated district imported, its alerts, and demo accounts."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from jiandu.accounts.services import demo_accounts_ensure
from jiandu.core.calendar import calendar_table_refresh
from jiandu.monitoring.services import rule_run_execute
from jiandu.org.services import region_bundled_path, region_load
from jiandu.records.generator import AS_OF as GENERATED_UNTIL
from jiandu.records.interchange.pipeline import Counts
from jiandu.records.interchange.schema import KINDS
from jiandu.records.services import interchange_import

DEMO_SOURCE = "演示数据"
DEMO_URL = "http://127.0.0.1:8000"
IMPORT_ORDER = ("agencies", "officers", "powers", "four_lists", "records")


class DemoRefused(RuntimeError):
    pass


@dataclass
class DemoResult:
    directory: Path
    regions: int
    imports: dict[str, Counts]
    alerts: int
    # One per role, as demo_accounts_ensure returns them: username, password, role, two_factor.
    accounts: list[dict]

    @property
    def created(self) -> int:
        return sum(c.created + c.replaced for c in self.imports.values())


def demo_load(*, records: int, directory: str | Path, seed: int,
              on_step: Callable[[str], None] | None = None) -> DemoResult:
    """Bring the database up to date and fill it with a generated district; safe to run again.

    Not one transaction: ``migrate`` cannot run inside one, and the import commits a batch at a
    time so that a large district never sits in one transaction. Each step is idempotent on its
    own: the same seed writes the same files, and importing unchanged rows changes nothing.
    """
    if settings.PRODUCTION:
        # It resets the demo accounts to a published password, the administrator's included.
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
    # A newcomer's alert pages and dashboard show what the rules find in the district. As of
    # the day the generated data ends, so that they find the violations the generator planted,
    # not deadlines that ran out since.
    as_of = GENERATED_UNTIL
    step(f"运行监督规则：基准日 {as_of}，年度 {as_of.year - 1} "
         f"(running the supervision rules as of {as_of})")
    run = rule_run_execute(as_of=as_of, year=as_of.year - 1, progress=step)
    # After the import: the supervisor and the liaison belong to agencies the import brings.
    step("设置演示账户 (setting up the demo accounts)")
    accounts = demo_accounts_ensure()
    return DemoResult(directory=directory, regions=regions, imports=imports,
                      alerts=sum(run.counts.values()), accounts=accounts)
