"""`jiandu load_regions [FILE]`: load 行政区划 codes from a code,name,level,parent CSV."""

from django.core.management.base import BaseCommand, CommandError

from jiandu.org.services import RegionFileError, region_bundled_path, region_load


class Command(BaseCommand):
    help = ("从 CSV（code,name,level,parent；以 # 开头的行为注释）载入行政区划代码，默认载入随附的钢城区区划 "
            "(load GB/T 2260 / 统计用区划代码 regions from a CSV; default: the bundled Gangcheng file)")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV 文件路径 (path of the CSV file)")

    def handle(self, *args, file, **options):
        path = file or region_bundled_path()
        try:
            count = region_load(path=path)
        except (RegionFileError, FileNotFoundError, IsADirectoryError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法载入 {path}：{exc}") from exc
        self.stdout.write(f"已载入 {count} 个行政区划 (loaded {count} regions) ← {path}")
