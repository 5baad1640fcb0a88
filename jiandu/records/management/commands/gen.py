"""`jiandu gen OUT_DIR`: write a synthetic Gangcheng district in the interchange contract format."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from jiandu.records.generator import AS_OF, default_period, generate

KIND_NAMES = {
    "inspection": "行政检查", "penalty": "行政处罚", "licensing": "行政许可",
    "compulsory": "行政强制", "levy": "行政征收", "requisition": "行政征用", "payment": "行政给付",
    "adjudication": "行政裁决",
    "confirmation": "行政确认", "reward": "行政奖励", "other": "其他行政权力",
}
LIST_NAMES = {"no_penalty": "不予处罚", "mitigated": "减轻处罚", "lighter": "从轻处罚",
              "no_compulsion": "免予行政强制"}


def _by(counts: dict, names: dict) -> str:
    return "、".join(f"{names[k]} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


class Command(BaseCommand):
    help = ("生成钢城区模拟数据（接口规范格式的五个 .jsonl 文件）"
            "(write a synthetic district in the interchange format)")

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="输出目录，不存在则创建 (output directory)")
        parser.add_argument("--records", type=int, default=10000,
                            help="执法行为条数 (number of records, default 10000)")
        parser.add_argument("--seed", type=int, default=1,
                            help="随机种子：同一种子生成相同文件 (same seed, same files)")
        parser.add_argument("--year-from", type=int, help="起始年份，默认截止日前两年 (first year)")
        parser.add_argument("--year-to", type=int, help="结束年份 (last year)")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF,
                            help=f"数据截止日，之后的日期不出现（默认 {AS_OF}）(no date after it)")

    def handle(self, *args, out_dir, records, seed, year_from, year_to, as_of, **options):
        if records < 0:
            raise CommandError("--records 不能为负数 (must be ≥ 0)")
        try:
            start, end = default_period(year_from, year_to, as_of)
        except ValueError as exc:
            raise CommandError(f"年份范围无效 (invalid period): {exc}") from exc
        began = time.perf_counter()
        s = generate(out_dir, records=records, seed=seed, start=start, end=end)
        took = time.perf_counter() - began
        c = s.counts
        planned = "、".join(f"{rule} {n}" for rule, n in s.violations.items())
        lines = [
            f"已生成钢城区模拟数据：种子 {seed}，{start} 至 {end}，输出目录 {s.out_dir}",
            f"  执法主体和监督机构 {c['agencies']} 个 (agencies.jsonl)",
            f"  执法人员 {c['officers']} 名 (officers.jsonl)",
            f"  权责事项 {c['powers']} 项 (powers.jsonl)：{_by(s.powers_by_kind, KIND_NAMES)}",
            f"  四张清单事项 {c['four_lists']} 项 (four_lists.jsonl)："
            f"{_by(s.four_lists_by_list, LIST_NAMES)}",
            f"  执法行为 {c['records']} 条 (records.jsonl)：{_by(s.records_by_kind, KIND_NAMES)}",
            f"  当事人池：企业和个体工商户 {s.org_pool} 个，自然人 {s.person_pool} 名",
            f"  有意设置的违规（条）：{planned}",
            f"  未行使的权责事项 {len(s.unexercised_powers)} 项",
            f"  用时 {took:.1f} 秒",
        ]
        self.stdout.write("\n".join(lines))
