"""`jiandu verify RECEIPT --key PUBKEY…`: check a ledger receipt offline, without any database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiandu.ledger import keys, note
from jiandu.ledger.receipt import verify_receipt


class Command(BaseCommand):
    help = "离线验证存证收据：只需日志公钥（及见证公钥），不连接数据库 (verify a receipt offline)"
    # Nothing here may reach the database: a court or a citizen runs this with the file alone.
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("receipt", help="收据文件 (receipt JSON file)")
        parser.add_argument("--key", action="append", required=True, dest="keys",
                            help="日志或见证的验证公钥，或存有公钥的文件；可重复 (verifier key or file)")

    def handle(self, *args, **options):
        try:
            data = Path(options["receipt"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取收据文件 (cannot read the receipt): {exc}") from None
        try:
            vkeys = [keys.load_verifier(k).verifier_key() for k in options["keys"]]
        except note.NoteError as exc:
            raise CommandError(str(exc)) from None
        report = verify_receipt(data, vkeys)
        if not report.ok:
            raise CommandError("验证失败 (verification failed): " + "; ".join(report.errors))
        out = self.stdout
        out.write(self.style.SUCCESS("验证通过 (receipt verifies)"))
        out.write(f"  条目 (entry): {report.kind} {report.key}")
        out.write(f"  位置 (leaf index): {report.index} / 树大小 (tree size) {report.tree_size}")
        out.write(f"  日志 (log): {report.origin}，签名 (signed by) {', '.join(report.log_signers)}")
        out.write(f"  根哈希 (root): {report.root_hex}")
        if not report.witnesses:
            out.write("  见证 (witnesses): 无 (none)")
        for w in report.witnesses:
            trust = "已用所给公钥验证 (key given)" if w.trusted else "仅凭收据所附公钥 (key from receipt)"
            when = dt.datetime.fromtimestamp(w.timestamp, dt.UTC).isoformat()
            out.write(f"  见证 (witness): {w.name}，时间 (time) {when}，{trust}")
