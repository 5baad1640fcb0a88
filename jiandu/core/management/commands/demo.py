"""`jiandu demo`: load the demo district into the database and print how to log in."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiandu.core.demo import DEMO_URL, DemoRefused, demo_load
from jiandu.records.interchange.schema import KINDS


class Command(BaseCommand):
    help = ("迁移数据库、载入行政区划、生成并导入演示辖区，创建演示管理员；可重复运行 "
            "(migrate, load regions, generate and import a demo district, create the demo "
            "administrator; safe to run again)")

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
        rejected = sum(c.rejected for c in result.imports.values())
        if rejected:
            out(self.style.WARNING(f"  有 {rejected} 行被拒收，详见 数据管理 › 导入批次 "
                                   f"({rejected} rows rejected; see the import runs in the admin)"))
        out("")
        out("启动网站 (start the site): jiandu serve")
        out(f"打开 (open): {DEMO_URL}")
        out(f"登录 (login): 用户名 {result.username}  密码 {result.password}")
