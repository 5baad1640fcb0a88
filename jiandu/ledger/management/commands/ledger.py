"""`jiandu ledger verify|backfill|checkpoint|witness|receipt|keys`: run and inspect the tamper-evident log."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiandu.ledger import note, selectors, services
from jiandu.ledger.receipt import dumps


class Command(BaseCommand):
    help = "全过程记录存证：验证、签名检查点、见证联署、导出收据、查看公钥 (the ledger)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="由数据库中的数据重新推导每个条目并验证整个日志 (verify everything)")
        sub.add_parser("backfill", help="补记日志建立前已存储、尚无条目的版本 (log rows stored before "
                                        "the ledger existed)")
        cp = sub.add_parser("checkpoint", help="签名当前树头 (sign a checkpoint)")
        cp.add_argument("--force", action="store_true", help="不等间隔时间 (ignore the interval)")
        sub.add_parser("witness", help="请见证方联署最新检查点 (collect cosignatures)")
        rc = sub.add_parser("receipt", help="导出某对象的存证收据 (export a receipt)")
        rc.add_argument("kind", help="条目类别，如 record (entry kind)")
        rc.add_argument("key", help="对象标识，如执法行为编号 (object key)")
        rc.add_argument("-o", "--output", required=True, help="收据文件 (output file)")
        keys = sub.add_parser("keys", help="显示日志与见证的验证公钥 (show verifier keys)")
        keys.add_argument("--generate", action="store_true",
                          help="密钥不存在时生成 (create the log key if missing)")

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"])(options)
        except note.NoteError as exc:
            raise CommandError(str(exc)) from None

    def _verify(self, options):
        result = services.ledger_verify(progress=lambda msg: self.stderr.write(msg))
        for problem in result.problems:
            self.stdout.write(f"篡改或缺失 (tampered or missing) {problem}")
        summary = (f"{result.shards} 个日志分片，{result.entries} 个条目，{result.records} 条执法行为，"
                   f"{result.revisions} 个历史版本，{result.alert_steps} 条预警处理记录和评论 "
                   f"({result.shards} shards, {result.entries} entries, {result.records} records, "
                   f"{result.revisions} revisions, {result.alert_steps} alert steps and comments)")
        if not result.ok:
            self.stdout.write(summary)
            if result.unlogged:
                self.stdout.write(
                    f"其中 {result.unlogged} 个版本在日志中没有条目：若是日志记录它们之前已存储的数据（如升级前的预警处理"
                    "记录），运行 jiandu ledger backfill 补记；补记不会覆盖已有条目，被改动的数据仍会报告 "
                    f"({result.unlogged} versions have no entry: if they were stored before the ledger logged "
                    "them, run `jiandu ledger backfill`)")
            raise CommandError(f"验证未通过：发现 {result.problems_total} 处问题 "
                               f"(verification failed: {result.problems_total} problems)")
        self.stdout.write(self.style.SUCCESS(f"验证通过 (verified): {summary}"))

    def _backfill(self, options):
        counts = services.ledger_backfill()
        if not counts:
            self.stdout.write("无需补记：每个版本都已有日志条目 (nothing to backfill)")
            return
        logged = "，".join(f"{kind} {n}" for kind, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"已补记 (backfilled): {logged}"))

    def _checkpoint(self, options):
        made = services.checkpoint_publish(force=options["force"])
        if not made:
            self.stdout.write("无需新检查点：日志没有增长或间隔未到 (no new checkpoint needed)")
        for cp in made:
            self.stdout.write(cp.note)

    def _witness(self, options):
        if not settings.JIANDU_WITNESSES:
            raise CommandError("未配置见证方 JIANDU_WITNESSES (no witnesses configured)")
        failed = False
        for checkpoint, results in services.checkpoint_witness_latest():
            for r in results:
                failed |= not r.ok
                state = "已联署 (co-signed)" if r.ok else f"失败 (failed): {r.message}"
                self.stdout.write(f"{checkpoint.shard.origin}@{checkpoint.size} {r.witness}: {state}")
        if failed:
            raise CommandError("部分见证未联署 (some witnesses did not co-sign)")

    def _receipt(self, options):
        entry = selectors.entry_latest(options["kind"], options["key"])
        if entry is None:
            raise CommandError(f"日志中没有 {options['kind']} {options['key']} 的条目 "
                               f"(no entry for it in the ledger)")
        data = dumps(services.receipt_build(entry=entry)) + b"\n"
        out = options["output"]
        if out == "-":
            sys.stdout.buffer.write(data)
        else:
            Path(out).write_bytes(data)
            self.stdout.write(f"收据已写入 (receipt written to) {out}")

    def _keys(self, options):
        if options["generate"]:
            services.log_key_generate()
        self.stdout.write(f"日志公钥 (log verifier key):\n{services.log_verifier_key()}")
        for w in settings.JIANDU_WITNESSES:
            self.stdout.write(f"见证 (witness) {w['name']} {w['url']}:\n{w['key']}")
