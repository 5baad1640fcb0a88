from django.apps import AppConfig
from django.core import checks


class LedgerConfig(AppConfig):
    name = "jiandu.ledger"
    verbose_name = "全过程记录存证"

    def ready(self) -> None:
        checks.register(accelerator_check)


def accelerator_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn (on `jiandu migrate`, as at every deploy) when appends hash in pure Python: the
    optional C accelerator was not built, so the ledger works but appends are slower."""
    from . import fast

    if fast._hashes is not None:
        return []
    return [checks.Warning(
        "账本的 C 加速模块未编译，追加日志使用纯 Python，较慢 (the ledger's optional C "
        "accelerator jiandu/ledger/_hashes.c is not built: appends hash in pure Python, slower)",
        hint="安装 C 编译器和 OpenSSL 头文件（Debian: gcc libssl-dev）后重新运行 make install "
             "(install gcc and the OpenSSL headers, then run `make install` again)",
        id="ledger.W001")]
