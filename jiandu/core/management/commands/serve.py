"""`jiandu serve`: the embedded web server for one machine, static files included."""

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


class Command(RunserverCommand):
    help = ("在本机启动网站（默认 http://127.0.0.1:8000），自带静态文件服务，适用于单机嵌入式运行和演示。"
            "生产环境不使用本命令：由 gunicorn 运行 jiandu.wsgi:application，前面由 nginx 提供静态文件"
            "（先执行 jiandu collectstatic）和 HTTPS "
            "(serve the site on this machine with Django's runserver, static files included, for the "
            "embedded mode and demos; production runs jiandu.wsgi:application under gunicorn behind "
            "nginx, which serves the collected static files and HTTPS)")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1",
                            help="监听地址 (address to listen on), 默认 127.0.0.1；"
                                 "其他地址须列入 ALLOWED_HOSTS")
        parser.add_argument("--port", type=int, default=8000, help="端口 (port), 默认 8000")

    def handle(self, *args, host, port, **options):
        if not 0 < port < 65536:
            raise CommandError(f"端口应在 1–65535 之间 (port must be 1–65535): {port}")
        host = host.strip("[]")
        ipv6 = ":" in host
        self._shown_host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ipv6 else host)
        # The embedded mode has no web server in front, so Django serves /static/ itself (the
        # --insecure behaviour); the auto-reloader is a development aid and would fork a second
        # process.
        options.update(addrport=f"[{host}]:{port}" if ipv6 else f"{host}:{port}", use_ipv6=ipv6,
                       use_reloader=False, use_threading=True, use_static_handler=True,
                       insecure_serving=True)
        super().handle(*args, **options)

    def on_bind(self, server_port):
        url = f"http://{self._shown_host}:{server_port}/"
        self.stdout.write(f"钢城区行政执法监督平台已启动，请在浏览器中打开 {url}\n"
                          f"数据管理后台：{url}admin/\n按 Ctrl+C 停止。"
                          f"本服务器用于单机运行和演示，生产环境请使用 gunicorn + nginx。")

    def check_migrations(self):
        # Django's own notice tells the user to run manage.py, which Jiandu does not have.
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            self.stdout.write(self.style.NOTICE(
                f"数据库还有 {len(plan)} 个迁移未执行，网站可能无法正常使用；请先运行 jiandu migrate"
                f"（或 jiandu demo）({len(plan)} unapplied migrations: run jiandu migrate first)"))
