"""Excel export of list pages: rows streamed into a write-only workbook, capped, sent as a download."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

EXPORT_CAP = 100_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Export:
    response: FileResponse
    rows: int
    truncated: bool


def xlsx_export(*, title: str, headers: Sequence[str], rows: Iterable[Sequence],
                cap: int = EXPORT_CAP) -> Export:
    """A workbook of ``headers`` and at most ``cap`` of ``rows``; past the cap a last row says so.

    openpyxl's write-only mode keeps one row in memory at a time, and the workbook is spooled to
    a temporary file that is removed when the response closes, so memory stays flat for any size.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    written, truncated = 0, False
    for row in rows:
        if written >= cap:
            truncated = True
            break
        sheet.append([_cell(sheet, v) for v in row])
        written += 1
    if truncated:
        sheet.append([_("导出已达上限 %(cap)s 行，仅包含前 %(cap)s 行；请缩小筛选范围后分批导出。")
                      % {"cap": cap}])
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    book.save(spool)
    spool.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(spool, as_attachment=True, filename=f"{title}-{stamp}.xlsx",
                            content_type=XLSX_TYPE)
    return Export(response, written, truncated)


def _cell(sheet, value):
    # openpyxl stores text starting with "=" as a formula, which the reader's Excel would run
    # (formula injection through a party's name): such text is written as plain text instead.
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
