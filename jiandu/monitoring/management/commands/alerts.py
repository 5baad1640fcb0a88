"""`jiandu alerts --format jsonl|csv|xlsx [--output FILE]`: current alerts, contract-shaped.

Decision: ``party`` is the party's id as the contract names it, except that a person's 身份证号 is printed
masked (1101**********002X): this output leaves the system, and personal data leaves it only
masked (DESIGN.md rule 7). An organisation's 统一社会信用代码 is public and printed in full.
"""

import csv

import orjson
from django.core.management.base import BaseCommand, CommandError

from jiandu.accounts.choices import AuditAction
from jiandu.accounts.services import audit_record
from jiandu.monitoring.selectors import CONTRACT_FIELDS, alerts_contract_rows, latest_run


class Command(BaseCommand):
    help = "按接口规范输出最近一次规则运行的预警 (print the alerts of the latest rule run)"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
        parser.add_argument("--output", help="写入此文件，默认标准输出 (write here; default stdout)")

    def handle(self, *args, format, output=None, **options):
        run = latest_run()
        if run is None:
            raise CommandError("尚未运行监督规则，请先执行 jiandu check (no rule run yet: run jiandu check)")
        if format == "xlsx" and not output:
            raise CommandError("xlsx 格式须指定 --output 文件 (xlsx needs --output)")
        rows = alerts_contract_rows()
        if format == "xlsx":
            n = _xlsx(rows, output)
        else:
            out = open(output, "w", encoding="utf-8", newline="") if output else self.stdout
            try:
                n = _jsonl(rows, out) if format == "jsonl" else _csv(rows, out)
            finally:
                if output:
                    out.close()
        audit_record(action=AuditAction.EXPORT, username="jiandu alerts", object_type="monitoring.alert",
                     detail=f"导出预警 {n} 条（规则运行 #{run.pk}，{format}）")
        if output:
            self.stderr.write(f"已写入 {n} 条预警到 {output} (wrote {n} alerts)")


def _jsonl(rows, out) -> int:
    n = 0
    for row in rows:
        out.write(orjson.dumps(row).decode() + "\n")
        n += 1
    return n


def _csv(rows, out) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CONTRACT_FIELDS)
    n = 0
    for row in rows:
        writer.writerow(["" if row[f] is None else row[f] for f in CONTRACT_FIELDS])
        n += 1
    return n


def _xlsx(rows, path) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("alerts")
    sheet.append(list(CONTRACT_FIELDS))
    n = 0
    for row in rows:
        sheet.append([row[f] for f in CONTRACT_FIELDS])
        n += 1
    book.save(path)
    return n
