"""The `jiandu` command line itself: a mistyped command is told so in Chinese, English beside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _jiandu(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "JIANDU_TEST_DB_NAME"}}
    env.update(JIANDU_ENV="embedded", JIANDU_VAR_DIR=str(tmp_path / "var"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    return subprocess.run([sys.executable, "-m", "jiandu.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("args", "chinese", "english"), [
    (["check", "--year", "abc"], "参数 --year：取值 'abc' 无效", "invalid int value: 'abc'"),
    (["alerts", "--format", "xml"], "取值 'xml' 无效，可选 'jsonl', 'csv', 'xlsx'", "invalid choice: 'xml'"),
    (["import", "nothing", "x.jsonl"], "参数 kind：取值 'nothing' 无效", "invalid choice"),
    (["check", "--bogus"], "无法识别的参数：--bogus", "unrecognized arguments"),
    (["verify", "receipt.json"], "缺少必需的参数：--key", "the following arguments are required"),
    (["check", "--as-of"], "参数 --as-of：缺少取值", "expected one argument"),
])
def test_a_mistyped_command_line_is_explained_in_chinese(tmp_path, args, chinese, english):
    done = _jiandu(tmp_path, *args)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"jiandu {args[0]}: 错误 (error): ")
    assert chinese in last and english in last


def test_help_still_works(tmp_path):
    done = _jiandu(tmp_path, "check", "--help")
    assert done.returncode == 0 and "--as-of" in done.stdout
