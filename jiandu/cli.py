"""The `jiandu` command: Django's management commands plus the project's own (import, gen, serve…)."""

from __future__ import annotations

import argparse
import os
import sys

# argparse's own messages for a mistyped command line, in Chinese with the English beside
# them, as every other error of the command is (argparse looks its messages up through the
# module's ``_`` at the moment it reports, so this table serves every command's parser).
ARGPARSE_MESSAGES = {
    "%(prog)s: error: %(message)s\n": "%(prog)s: 错误 (error): %(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "取值 %(value)r 无效，应为 %(type)s 类型 (invalid %(type)s value: %(value)r)",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "取值 %(value)r 无效，可选 %(choices)s (invalid choice: %(value)r)",
    "the following arguments are required: %s": "缺少必需的参数：%s (the following arguments are required)",
    "unrecognized arguments: %s": "无法识别的参数：%s (unrecognized arguments)",
    "expected one argument": "缺少取值 (expected one argument)",
    "expected at least one argument": "至少需要一个取值 (expected at least one argument)",
    "expected at most one argument": "至多只能有一个取值 (expected at most one argument)",
    "ambiguous option: %(option)s could match %(matches)s":
        "选项 %(option)s 有歧义，可能是 %(matches)s (ambiguous option)",
    "not allowed with argument %s": "不能与参数 %s 同时使用 (not allowed with argument %s)",
    "one of the arguments %s is required": "须给出参数 %s 之一 (one of the arguments %s is required)",
    "ignored explicit argument %r": "多余的取值 %r (ignored explicit argument %r)",
}


def _message(text: str) -> str:
    return ARGPARSE_MESSAGES.get(text, text)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiandu.settings")
    argparse._ = _message  # see ARGPARSE_MESSAGES
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jiandu", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
