"""The records part of the API: enforcement records in the contract's shape, their versions, imports."""

from __future__ import annotations

import json
import pathlib
import tempfile
from datetime import date, datetime
from enum import Enum

from django.core.exceptions import SuspiciousFileOperation
from django.utils.text import get_valid_filename
from ninja import Field, File, Form, Path, Query, Router, Schema, UploadedFile

from jiandu.accounts.choices import AuditAction
from jiandu.accounts.services import audit_record
from jiandu.core.api import (
    ERRORS,
    KEY_PATTERN,
    USCC_PATTERN,
    ApiError,
    Error,
    IsoDate,
    after_field,
    found,
    limit_field,
    next_field,
)
from jiandu.powers.choices import DiscretionLevel, PowerKind

from .choices import Harm, Measure, PartyType, Penalty, Procedure
from .interchange.formats import FormatError
from .interchange.schema import KINDS
from .selectors import (
    allowed_import_agencies,
    import_kinds_for,
    record_for,
    record_versions_for,
    records_page,
)
from .services import interchange_import

router = Router(tags=["执法行为"])

MONEY_PATTERN = r"^\d+(\.\d{1,2})?$"
# As on the import page: larger files go through `jiandu import` on the server.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class PartyOut(Schema):
    type: PartyType
    id: str = Field(..., description="统一社会信用代码；自然人的身份证号已脱敏")
    name: str


class RecordOut(Schema):
    id: str = Field(..., description="来源系统中的记录编号")
    kind: PowerKind
    agency: str = Field(..., description="执法主体代码")
    power: str = Field(..., description="执法事项编码")
    party: PartyOut
    business: bool
    procedure: Procedure | None
    officers: list[str] = Field(..., description="执法证号")
    violation_on: date | None
    action_on: date | None
    filed_on: date | None
    decided_on: date | None
    decision_no: str | None
    penalties: list[Penalty] | None
    fine: str | None = Field(..., pattern=MONEY_PATTERN, description="罚款金额（元），精确小数文本")
    discretion: DiscretionLevel | None
    harm: Harm | None
    corrected: bool | None
    major: bool
    legal_review_on: date | None
    hearing_notified: bool
    extended: bool
    served_on: date | None
    disclosed_on: date | None
    measure: Measure | None
    measure_end_on: date | None
    measure_extended: bool
    closed_on: date | None


class RecordPage(Schema):
    items: list[RecordOut]
    next: str | None = next_field()


class RecordFilters(Schema):
    kind: PowerKind | None = Field(None, description="执法类别")
    agency: str | None = Field(None, pattern=USCC_PATTERN, description="执法主体代码")
    act_on_from: IsoDate | None = Field(None, description="行为日期不早于（含）")
    act_on_to: IsoDate | None = Field(None, description="行为日期不晚于（含）")
    decided: bool | None = Field(None, description="true：已作出决定；false：尚未决定")
    after: str | None = after_field()
    limit: int = limit_field()


class VersionOut(Schema):
    version: int
    current: bool = Field(..., description="是否为现行版本")
    source: str = Field(..., description="来源系统")
    superseded_at: datetime | None = Field(..., description="被新版本替换的时间；现行版本为 null")
    record: RecordOut


@router.get("/records", response={200: RecordPage, **ERRORS}, summary="执法行为列表",
            description="您数据范围内的执法行为，按记录编号排序，游标分页（after + limit，每页至多 500 条）。"
                        "行为日期为检查或强制措施日期，否则立案日期，否则决定日期。")
def list_records(request, filters: Query[RecordFilters]):
    f = filters
    items, next_after = records_page(
        request.auth, kind=f.kind, agency=f.agency, act_on_from=f.act_on_from,
        act_on_to=f.act_on_to, decided=f.decided, after=f.after, limit=f.limit)
    return {"items": items, "next": next_after}


def _log_personal_read(request, record: dict) -> None:
    # A natural person's name (and masked id) is personal data: who read it is logged, as on the page.
    if record["party"]["type"] == PartyType.PERSON:
        audit_record(action=AuditAction.VIEW_PERSONAL, request=request, user=request.auth,
                     object_type="records.Record", object_id=record["id"], detail="api")


# Before the detail: its path parameter would take "<id>/versions" whole.
@router.get("/records/{path:record_id}/versions", response={200: list[VersionOut], **ERRORS},
            summary="执法行为历史版本",
            description="该记录被替换前的各版本（由旧到新），最后一项为现行版本。")
def list_record_versions(request, record_id: str = Path(..., max_length=100, pattern=KEY_PATTERN)):
    versions = found(record_versions_for(request.auth, record_id))
    _log_personal_read(request, versions[-1]["record"])
    return versions


@router.get("/records/{path:record_id}", response={200: RecordOut, **ERRORS}, summary="执法行为详情",
            description="交换格式中的一条执法行为；自然人的身份证号脱敏。记录编号可含“/”。"
                        "不在数据范围内的编号返回 404。")
def get_record(request, record_id: str = Path(..., max_length=100, pattern=KEY_PATTERN)):
    record = found(record_for(request.auth, record_id))
    _log_personal_read(request, record)
    return record


ImportKind = Enum("ImportKind", {name: name for name in KINDS}, type=str)


class ImportCounts(Schema):
    rows: int
    created: int = Field(..., description="新增")
    replaced: int = Field(..., description="更新（旧版本留存于历史）")
    unchanged: int = Field(..., description="内容未变化")
    rejected: int = Field(..., description="拒收")


class ImportProblem(Schema):
    line: int = Field(..., description="行号（含表头时从表头算起）")
    key: str | None = Field(..., description="该行的主键（能读出时）")
    field: str = Field(..., description="出错的字段")
    reason: str = Field(..., description="原因：中文（英文）")


class ImportOut(Schema):
    run: int = Field(..., description="导入批次编号")
    kind: ImportKind
    counts: ImportCounts
    problems: list[ImportProblem] = Field(..., description="被拒收的行（至多 1000 条）")
    problems_total: int


@router.post("/imports/{kind}", response={200: ImportOut, 413: Error, **ERRORS}, tags=["数据导入"],
             summary="导入交换格式文件",
             description="上传 .jsonl、.csv 或 .xlsx 文件（multipart，字段 file），按交换格式逐行校验后入库；"
                         "有效行全部保存，被拒收的行逐条列出行号、字段和原因。系统管理员和监督机构可导入各类数据，"
                         "执法部门联络员只能导入本单位（及其受委托组织）的执法行为（records），其他单位的行被拒收。请按 agencies、officers、powers、"
                         "four_lists、records 的顺序导入。")
def import_file(request, kind: ImportKind, file: File[UploadedFile],
                source: str = Form("", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$",
                                   description="来源系统名称")):
    if kind.value not in import_kinds_for(request.auth):
        raise ApiError(403, "您的角色不能导入这类数据 (your role may not import this kind)")
    if file.size > MAX_UPLOAD_BYTES:
        raise ApiError(413, "文件超过 200 MB，请拆分后上传，或由管理员用命令行 jiandu import 导入 "
                            "(file over 200 MB: split it, or import it with `jiandu import`)")
    try:
        name = get_valid_filename(pathlib.Path(file.name or "").name)
    except SuspiciousFileOperation:
        name = "upload"
    # The import reads by path and tells the format by the file's extension, so the upload is
    # written out under its own name.
    with tempfile.TemporaryDirectory(prefix="jiandu-import-") as tmp:
        path = pathlib.Path(tmp) / name
        with path.open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        try:
            report = interchange_import(
                kind=kind.value, path=path, source=source, user=request.auth,
                allowed_agencies=(allowed_import_agencies(request.auth)
                                  if kind.value == "records" else None))
        except FormatError as exc:
            raise ApiError(422, str(exc), code="invalid_file") from exc
    counts = report.counts
    audit_record(action=AuditAction.IMPORT, request=request, user=request.auth,
                 object_type="records.ImportRun", object_id=str(report.run.pk), detail=json.dumps(
                     {"kind": kind.value, "file": name, "via": "api", "rows": counts.rows,
                      "created": counts.created, "replaced": counts.replaced,
                      "unchanged": counts.unchanged, "rejected": counts.rejected}, ensure_ascii=False))
    return {"run": report.run.pk, "kind": kind.value,
            "counts": {"rows": counts.rows, "created": counts.created, "replaced": counts.replaced,
                       "unchanged": counts.unchanged, "rejected": counts.rejected},
            "problems": [{"line": p.line, "key": p.key, "field": p.field, "reason": p.reason}
                         for p in report.problems],
            "problems_total": report.problems_total}
