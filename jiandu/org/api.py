"""The org part of the API: agencies (执法主体) and officers (执法人员, 身份证号 masked)."""

from __future__ import annotations

from datetime import date

from ninja import Field, Path, Query, Router, Schema

from jiandu.accounts.choices import AuditAction
from jiandu.accounts.services import audit_record
from jiandu.core.api import (
    ERRORS,
    KEY_PATTERN,
    USCC_PATTERN,
    after_field,
    found,
    limit_field,
    next_field,
)

from .choices import AgencyType, CertificateStatus, Level
from .selectors import agencies_page, agency_by_code, officer_for, officers_page

router = Router(tags=["执法主体与执法人员"])


class AgencyOut(Schema):
    code: str = Field(..., description="统一社会信用代码")
    name: str
    type: AgencyType
    level: Level
    region: str = Field(..., description="行政区划代码")
    parent: str | None = Field(..., description="上级机构代码")


class AgencyPage(Schema):
    items: list[AgencyOut]
    next: str | None = next_field()


class AgencyFilters(Schema):
    type: AgencyType | None = Field(None, description="主体类型")
    level: Level | None = Field(None, description="层级")
    after: str | None = after_field()
    limit: int = limit_field()


class OfficerOut(Schema):
    certificate: str = Field(..., description="执法证号")
    name: str
    id_number: str = Field(..., description="身份证号（已脱敏）")
    agency: str = Field(..., description="所属执法主体代码")
    issued_on: date
    expires_on: date
    status: CertificateStatus
    status_since: date | None
    legal_qualification: bool
    oath_on: date | None


class OfficerPage(Schema):
    items: list[OfficerOut]
    next: str | None = next_field()


class OfficerFilters(Schema):
    agency: str | None = Field(None, pattern=USCC_PATTERN, description="所属执法主体代码")
    status: CertificateStatus | None = Field(None, description="证件状态")
    after: str | None = after_field()
    limit: int = limit_field()


@router.get("/agencies", response={200: AgencyPage, **ERRORS}, summary="执法主体列表",
            description="您数据范围内的执法主体和监督机构，按代码排序，游标分页。")
def list_agencies(request, filters: Query[AgencyFilters]):
    items, next_after = agencies_page(request.auth, type=filters.type, level=filters.level,
                                      after=filters.after, limit=filters.limit)
    return {"items": items, "next": next_after}


@router.get("/agencies/{code}", response={200: AgencyOut, **ERRORS}, summary="执法主体详情",
            description="不在数据范围内的代码返回 404。")
def get_agency(request, code: str = Path(..., pattern=USCC_PATTERN, description="统一社会信用代码")):
    return found(agency_by_code(request.auth, code))


@router.get("/officers", response={200: OfficerPage, **ERRORS}, summary="执法人员列表",
            description="您数据范围内的执法人员，按执法证号排序，游标分页；身份证号脱敏。")
def list_officers(request, filters: Query[OfficerFilters]):
    items, next_after = officers_page(request.auth, agency=filters.agency, status=filters.status,
                                      after=filters.after, limit=filters.limit)
    return {"items": items, "next": next_after}


@router.get("/officers/{path:certificate}", response={200: OfficerOut, **ERRORS}, summary="执法人员详情",
            description="不在数据范围内的执法证号返回 404。")
def get_officer(request, certificate: str = Path(..., max_length=64, pattern=KEY_PATTERN,
                                                 description="执法证号")):
    officer = found(officer_for(request.auth, certificate))
    # An officer's identity is personal data: who read it is logged, as on the page.
    audit_record(action=AuditAction.VIEW_PERSONAL, request=request, user=request.auth,
                 object_type="org.Officer", object_id=certificate, detail="api")
    return officer
