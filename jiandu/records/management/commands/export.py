"""`jiandu export KIND FILE`: write stored rows in the contract's shape, sorted by key."""

from django.core.management.base import BaseCommand, CommandError

from jiandu.records.interchange.formats import FormatError
from jiandu.records.interchange.schema import KINDS
from jiandu.records.services import interchange_export


class Command(BaseCommand):
    help = "按接口规范导出数据 (export a kind in the contract's format, by the file's extension)"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        try:
            n = interchange_export(kind=kind, path=file)
        except FormatError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已导出 {n} 行{KINDS[kind].label}到 {file} (exported {n} rows)")
