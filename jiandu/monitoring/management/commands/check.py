"""`jiandu check [--as-of DATE] [--year YYYY]`: run every supervision rule and store the alerts."""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiandu.core.calendar import UnknownCalendarYear, calendar_missing_year
from jiandu.monitoring.rules.deadlines import CalendarTableStale
from jiandu.monitoring.services import rule_run_execute


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期应为 YYYY-MM-DD：{value} (a date is YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "运行全部监督规则并保存预警 (run every supervision rule and store the alerts)"
    # Django's system checks validate the web side (URLs, admin, templates), which this batch
    # command never loads: importing all of it for them cost ~0.4 s a run. `jiandu migrate`
    # and `jiandu serve` still run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="核查基准日，默认今天 (the date taken as today; default today)")
        parser.add_argument("--year", type=int, help="未履职核查年度，默认基准日前一年 (year for unexercised_power)")

    def handle(self, *args, as_of=None, year=None, **options):
        # "Today" is the district's calendar day (Asia/Shanghai), not the UTC one.
        as_of = _date(as_of) if as_of else timezone.localdate()
        year = as_of.year - 1 if year is None else year
        if not 1900 <= year <= 2100:
            raise CommandError(f"年度无效：{year} (invalid year)")
        if year > as_of.year:
            # The contract allows it; almost always a typing slip, and it flags every power.
            self.stderr.write(self.style.WARNING(
                f"注意：未履职核查年度 {year} 晚于基准日 {as_of} 所在年度，该年尚未开始，全部执法事项都会被判为未履职 "
                f"(warning: the year {year} has not begun on {as_of}: every power will be found unexercised)"))
        elif year == as_of.year:
            self.stderr.write(self.style.WARNING(
                f"注意：未履职核查年度 {year} 尚未结束（基准日 {as_of}），年内此后的执法行为尚未发生，事项可能被误判为未履职 "
                f"(warning: the year {year} is not over on {as_of}: a power used later this year is found unexercised now)"))

        missing = calendar_missing_year(as_of)
        if missing is not None:
            self.stderr.write(self.style.WARNING(
                f"注意：工作日日历尚未收录 {missing} 年的节假日安排，送达、公示期限跨入该年的记录将无法判断、规则运行将失败；"
                f"请在系统管理中添加 {missing} 年日历 (warning: the calendar lacks {missing}: add its holidays "
                "before deadlines run into it)"))

        def progress(message: str) -> None:
            self.stderr.write(message)
            sys.stderr.flush()

        try:
            run = rule_run_execute(as_of=as_of, year=year, progress=progress)
        except (UnknownCalendarYear, CalendarTableStale) as exc:
            raise CommandError(str(exc)) from exc
        total = sum(run.counts.values())
        new, gone = run.merge["new"], run.merge["resolved"] + run.merge["deleted"]
        self.stdout.write(
            f"规则运行 #{run.pk}：基准日 {as_of}，年度 {year}，预警 {total} 条（新增 {new}，"
            f"已消除 {gone}）(run {run.pk}: {total} alerts, {new} new, {gone} gone)"
        )
