"""Reading and writing contract files as JSON Lines, CSV or XLSX, streaming, with line numbers.

CSV and XLSX carry the same rows flat: nested fields by dotted names (``party.id``), lists
joined with ``;``, booleans as true/false/1/0, discretion tiers as ``lighter:0-500;general:…``.
Readers turn a flat row back into the JSON shape so one validator serves all three formats.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from .fields import FieldError
from .schema import Kind

FORMATS = ("jsonl", "csv", "xlsx")
ERROR_COLUMNS = ("_line", "_field", "_reason")


class FormatError(ValueError):
    """The file as a whole cannot be read (unknown extension, missing header, not a workbook)."""


def file_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "json":
        suffix = "jsonl"
    if suffix not in FORMATS:
        raise FormatError(
            f"不支持的文件格式 .{suffix}，应为 .jsonl、.csv 或 .xlsx "
            f"(unsupported file type .{suffix}: use .jsonl, .csv or .xlsx)"
        )
    return suffix


@dataclass(slots=True)
class SourceRow:
    line: int
    raw: dict | None  # the row in the JSON shape, or None when it could not be read
    error: FieldError | None
    original: Any  # the line's text (JSONL) or {column: cell} (CSV/XLSX), for the rejection report


def columns(kind: Kind) -> list[str]:
    cols = []
    for fl in kind.fields:
        if fl.cell == "party":
            cols += [f"{fl.name}.type", f"{fl.name}.id", f"{fl.name}.name"]
        else:
            cols.append(fl.name)
    return cols


# ---------------------------------------------------------------- reading

def read_rows(path: str | Path, kind: Kind) -> Iterator[SourceRow]:
    """The file's rows; problems with the file as a whole raise FormatError before the first row."""
    fmt = file_format(path)
    if not Path(path).is_file():
        raise FormatError(f"文件不存在或不可读：{path} (no such file)")
    if fmt == "jsonl":
        return _read_jsonl(path)
    if fmt == "csv":
        return _read_csv(path, kind)
    return _read_xlsx(path, kind)


def _read_jsonl(path) -> Iterator[SourceRow]:
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]  # a BOM that Windows editors add
            if not line.strip():
                continue
            try:
                raw = orjson.loads(line)
            except orjson.JSONDecodeError:
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                yield SourceRow(number, None, FieldError("-", "该行不是合法的 UTF-8 JSON",
                                                         "line is not valid UTF-8 JSON"), text)
                continue
            if not isinstance(raw, dict):
                yield SourceRow(number, None, FieldError("-", "每行应为一个 JSON 对象", "each line must be a JSON object"),
                                line.decode("utf-8", "replace").rstrip("\r\n"))
                continue
            yield SourceRow(number, raw, None, line)


def _require_utf8(path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            raise FormatError(
                "文件不是 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）” "
                "(the file is not UTF-8: save it as CSV UTF-8)") from exc


def _read_csv(path, kind: Kind) -> Iterator[SourceRow]:
    # Checks that concern the whole file run now, before the caller writes anything.
    _require_utf8(path)
    fh = open(path, newline="", encoding="utf-8-sig")
    reader = csv.reader(fh)
    header = next(reader, None)
    if header is None:
        fh.close()
        return iter(())
    try:
        header = _check_header(header, kind)
    except FormatError:
        fh.close()
        raise

    def rows() -> Iterator[SourceRow]:
        with fh:
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                yield _flat_row(reader.line_num, header, cells, kind)

    return rows()


def _read_xlsx(path, kind: Kind) -> Iterator[SourceRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise FormatError(f"无法读取 Excel 文件 (cannot read the workbook): {exc}") from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        book.close()
        return iter(())
    try:
        header = _check_header(["" if h is None else str(h) for h in header], kind)
    except FormatError:
        book.close()
        raise

    def flat_rows() -> Iterator[SourceRow]:
        try:
            for number, values in enumerate(rows, start=2):
                cells = [_cell_text(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                yield _flat_row(number, header, cells, kind)
        finally:
            book.close()

    return flat_rows()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _check_header(header: list[str], kind: Kind) -> list[str]:
    header = [h.strip() for h in header]
    if kind.key not in header:
        raise FormatError(
            f"表头缺少主键列 {kind.key} (the header row has no {kind.key!r} column)"
        )
    return header


def _flat_row(number: int, header: list[str], cells: list[str], kind: Kind) -> SourceRow:
    flat = dict(zip(header, cells, strict=False))
    try:
        raw = unflatten(flat, kind)
    except FieldError as exc:
        return SourceRow(number, None, exc, flat)
    return SourceRow(number, raw, None, flat)


def unflatten(flat: dict[str, str], kind: Kind) -> dict:
    """A flat CSV/XLSX row in the JSON shape; empty cells are absent."""
    raw: dict[str, Any] = {}
    for fl in kind.fields:
        if fl.cell == "party":
            party = {}
            for sub in ("type", "id", "name"):
                cell = (flat.get(f"{fl.name}.{sub}") or "").strip()
                if cell:
                    party[sub] = cell
            if party:
                raw[fl.name] = party
            continue
        cell = (flat.get(fl.name) or "").strip()
        if not cell:
            continue
        if fl.cell == "list":
            raw[fl.name] = [item.strip() for item in cell.split(";") if item.strip()]
        elif fl.cell == "bool":
            raw[fl.name] = _cell_bool(fl.name, cell)
        elif fl.cell == "int":
            if not cell.isdigit():
                raise FieldError(fl.name, "应为非负整数", "must be a non-negative integer")
            raw[fl.name] = int(cell)
        elif fl.cell == "discretion":
            raw[fl.name] = _cell_tiers(fl.name, cell)
        else:
            raw[fl.name] = cell
    return raw


def _cell_bool(name: str, cell: str) -> bool:
    lowered = cell.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise FieldError(name, "应为 true/false/1/0", "must be true, false, 1 or 0")


def _cell_tiers(name: str, cell: str) -> list[dict]:
    tiers = []
    for part in cell.split(";"):
        part = part.strip()
        if not part:
            continue
        level, sep, span = part.partition(":")
        low, dash, high = span.partition("-")
        if not sep or not dash:
            raise FieldError(name, f"裁量档次 {part!r} 应写作 档次:下限-上限", f"tier {part!r} must be level:min-max")
        tiers.append({"level": level.strip(), "min": low.strip(), "max": high.strip()})
    return tiers


# ---------------------------------------------------------------- writing

def _line_text(original: Any) -> str:
    if isinstance(original, bytes):
        return original.decode("utf-8", "replace").rstrip("\r\n")
    return str(original)


def flatten(row: dict, kind: Kind) -> list[str]:
    cells = []
    for fl in kind.fields:
        value = row.get(fl.name)
        if fl.cell == "party":
            value = value if isinstance(value, dict) else {}
            cells += [_scalar_text(value.get(s)) for s in ("type", "id", "name")]
        elif value is None:
            cells.append("")
        elif fl.cell == "list" and isinstance(value, list):
            cells.append(";".join(_scalar_text(v) for v in value))
        elif fl.cell == "discretion" and isinstance(value, list):
            cells.append(";".join(_tier_text(t) for t in value))
        else:
            cells.append(_scalar_text(value))
    return cells


def _tier_text(tier: Any) -> str:
    if not isinstance(tier, dict):
        return _scalar_text(tier)
    return f"{tier.get('level')}:{_scalar_text(tier.get('min'))}-{_scalar_text(tier.get('max'))}"


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def json_value(value: Any) -> Any:
    """Decimals as JSON numbers when a float says them exactly (it does for yuan with 2 decimals)."""
    if isinstance(value, Decimal):
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else format(value.normalize(), "f")
    raise TypeError(f"cannot serialise {type(value).__name__}")


class RowWriter:
    """Writes contract rows to a file in the format its extension names."""

    def __init__(self, path: str | Path, kind: Kind, extra_columns: tuple[str, ...] = ()):
        self.kind = kind
        self.format = file_format(path)
        self.path = Path(path)
        self.extra = extra_columns
        self._book = None
        if self.format == "jsonl":
            self._fh = open(path, "wb")
        elif self.format == "csv":
            self._fh = open(path, "w", newline="", encoding="utf-8")
            self._csv = csv.writer(self._fh)
            self._csv.writerow(columns(kind) + list(extra_columns))
        else:
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet(kind.label)
            self._sheet.append(columns(kind) + list(extra_columns))

    def write(self, row: dict, extra: tuple = ()) -> None:
        if self.format == "jsonl":
            obj = dict(row)
            obj.update(zip(self.extra, extra, strict=True))
            self._fh.write(orjson.dumps(obj, default=json_value, option=orjson.OPT_APPEND_NEWLINE))
        else:
            self.write_cells(flatten(row, self.kind), extra)

    def write_cells(self, cells: list, extra: tuple = ()) -> None:
        line = list(cells) + [str(e) for e in extra]
        if self.format == "csv":
            self._csv.writerow(line)
        elif self.format == "xlsx":
            self._sheet.append(line)
        else:
            raise FormatError("JSONL 行不能按单元格写入 (cannot write cells to JSONL)")

    def write_original(self, src: SourceRow, extra: tuple) -> None:
        """A rejected row as the sender wrote it, plus the extra (reason) columns."""
        if self.format == "jsonl":
            obj = dict(src.raw) if src.raw is not None else {"_raw": _line_text(src.original)}
            obj.update(zip(self.extra, extra, strict=True))
            self._fh.write(orjson.dumps(obj, default=str, option=orjson.OPT_APPEND_NEWLINE))
        elif isinstance(src.original, dict):
            self.write_cells([src.original.get(c, "") for c in columns(self.kind)], extra)
        elif src.raw is not None:
            self.write_cells(flatten(src.raw, self.kind), extra)
        else:
            self.write_cells([""] * len(columns(self.kind)), extra)

    def close(self) -> None:
        if self._book is not None:
            self._book.save(self.path)
        else:
            self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
