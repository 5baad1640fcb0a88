"""`jiandu import KIND FILE`: load a contract file; exit status 1 when any row was rejected."""

import sys

from django.core.management.base import BaseCommand, CommandError

from jiandu.records.interchange.formats import FormatError
from jiandu.records.interchange.schema import KINDS
from jiandu.records.services import interchange_import


class Command(BaseCommand):
    help = "导入接口规范文件（.jsonl/.csv/.xlsx）(import a contract file)"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS), help="agencies, officers, powers, four_lists, records")
        parser.add_argument("file")
        parser.add_argument("--source", default="", help="来源系统名称 (name of the sending system)")
        parser.add_argument("--errors", help="把被拒收的行写入此文件 (write rejected rows here)")

    def handle(self, *args, kind, file, source, errors, **options):
        def show(problem):
            self.stderr.write(str(problem))

        try:
            report = interchange_import(kind=kind, path=file, source=source, errors_path=errors,
                                        on_problem=show, keep_problems=0)
        except (FormatError, FileNotFoundError, IsADirectoryError) as exc:
            raise CommandError(str(exc)) from exc
        c = report.counts
        self.stdout.write(
            f"{KINDS[kind].label}：共 {c.rows} 行，新增 {c.created}，更新 {c.replaced}，"
            f"未变化 {c.unchanged}，拒收 {c.rejected} "
            f"(rows {c.rows}, created {c.created}, replaced {c.replaced}, "
            f"unchanged {c.unchanged}, rejected {c.rejected})"
        )
        if c.rejected:
            sys.exit(1)
