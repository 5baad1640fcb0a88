"""`jiandu demo`: load the demo district into the database and print how to log in."""

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiandu.core.demo import DEMO_URL, DemoRefused, demo_load
from jiandu.records.interchange.schema import KINDS


def _width(text: str) -> int:
    # A Chinese character takes two columns of a terminal, so str.ljust would misalign the table.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def account_table(accounts: list[dict]) -> list[str]:
    """The accounts as aligned lines: username, password, role, what the second step asks."""
    header = ("用户名", "密码", "角色", "动态口令 (second factor)")
    rows = [header] + [(a["username"], a["password"], a["role"], a["two_factor"]) for a in accounts]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  " + "  ".join(_pad(cell, w) for cell, w in zip(row[:3], widths, strict=True))
                     + "  " + row[3])
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths) + "  " + "-" * _width(header[3]))
    return lines


class Command(BaseCommand):
    help = ("迁移数据库、载入行政区划、生成并导入演示辖区、运行监督规则，为每个角色创建演示账户；"
            "可重复运行 (migrate, load regions, generate and import a demo district, run the "
            "supervision rules, create one demo account per role; safe to run again)")

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=20000,
                            help="执法行为条数 (number of enforcement records), 默认 20000")
        parser.add_argument("--dir", dest="directory", default=str(settings.VAR_DIR / "demo"),
                            help="演示数据文件目录 (where the generated files go), 默认 var/demo")
        parser.add_argument("--seed", type=int, default=1,
                            help="随机种子，相同种子生成相同数据 (random seed), 默认 1")

    def handle(self, *args, records, directory, seed, **options):
        if records < 0:
            raise CommandError("--records 不能为负数 (must not be negative)")
        try:
            result = demo_load(records=records, directory=directory, seed=seed,
                               on_step=lambda message: self.stdout.write(f"· {message}"))
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS("演示数据已就绪 (demo data ready)"))
        out(f"  数据文件 files: {result.directory}")
        out(f"  行政区划 regions: {result.regions}")
        for kind, c in result.imports.items():
            out(f"  {KINDS[kind].label} {kind}: 共 {c.rows} 行，新增 {c.created}，更新 {c.replaced}，"
                f"未变化 {c.unchanged}，拒收 {c.rejected}")
        out(f"  监督预警 alerts: {result.alerts} 条")
        verdict = "验证通过 (verified)" if result.ledger_ok else "验证未通过 (verification FAILED)"
        out(f"  存证日志 ledger: {result.ledger_entries} 条，{verdict}；"
            f"见证 witness: {result.notary['name']}")
        out(f"    公证处见证服务 (the notary's witness, started by make demo): jiandu witness serve "
            f"--key {result.notary['key_file']} --state {result.notary['state_file']} "
            f"--origin '{result.notary['origin']}' --log-key {result.notary['log_key_file']} "
            f"--port {result.notary['url'].rsplit(':', 1)[1]}")
        rejected = sum(c.rejected for c in result.imports.values())
        if rejected:
            out(self.style.WARNING(f"  有 {rejected} 行被拒收，详见 数据管理 › 导入批次 "
                                   f"({rejected} rows rejected; see the import runs in the admin)"))
        out("")
        out(self.style.SUCCESS("演示账户 (demo accounts)：每个角色一个，每次运行本命令都重置为下表的密码"))
        for line in account_table(result.accounts):
            out(line)
        two_factor = [a["username"] for a in result.accounts if "otp_code" in a["two_factor"]]
        out("")
        out("如何登录 (how to get in):")
        out("  1. 启动网站 (start the site): jiandu serve    （make demo 会自动启动）")
        out(f"  2. 在浏览器中打开 (open): {DEMO_URL}")
        out("  3. 输入上表中的用户名和密码 (a username and password from the table)")
        if two_factor:
            out(f"  4. {'、'.join(two_factor)} 登录后还须输入 6 位动态口令：另开一个终端运行 "
                f"jiandu otp_code 用户名，或把上表中的密钥添加到手机验证器 "
                f"(these accounts then ask for a 6-digit code: run `jiandu otp_code USERNAME`, or "
                f"add the key above to an authenticator app)")
        out("  用 make demo 安装时，jiandu 命令在 .venv/bin/jiandu "
            "(installed by make demo, the command is .venv/bin/jiandu)")
