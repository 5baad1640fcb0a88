"""The alerts part of the API: the list with the pages' filters, counts, one alert, its handling."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from ninja import Field, Path, Query, Router, Schema

from jiandu.core.api import (
    ERRORS,
    USCC_PATTERN,
    ApiError,
    Error,
    IsoDate,
    limit_field,
    module_user,
    next_field,
)
from jiandu.core.modules import module_by_slug
from jiandu.records.choices import PartyType

from . import selectors, services
from .choices import AlertAction, AlertStatus, RunStatus
from .models import Alert
from .workflow import TransitionError

router = Router(tags=["监督预警"])

MONITORING = module_by_slug("monitoring")
# A JSON body that does not parse is a 400; a step the alert's status does not allow, a 409.
BODY_ERRORS = {400: Error, **ERRORS}
ACTION_ERRORS = {**BODY_ERRORS, 409: Error}
# At least one character that is not white space: a reason of blanks is no reason.
NOT_BLANK = r"\S"
# Alert ids are 64-bit keys: a larger number names no alert, and the database would refuse it.
MAX_ID = 2**63 - 1
AlertId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _viewer(request):
    # Not officers: the navigation's rule.
    return module_user(request, MONITORING, "您的角色不能查看监督预警 (your role may not read alerts)")


class AlertOut(Schema):
    id: int
    rule: str = Field(..., description="规则代码")
    rule_name: str = Field(..., description="规则名称")
    status: AlertStatus
    status_label: str = Field(..., description="状态（中文）")
    record: str | None = Field(..., description="执法行为记录编号")
    power: str | None = Field(..., description="执法事项编码（仅 unexercised_power）")
    agency: str | None = Field(..., description="执法主体代码")
    agency_name: str | None
    detail: str = Field(..., description="预警内容：规则说明与触发事实")
    facts: dict = Field(..., description="触发事实（规则写入的原始值；金额单位为分）")
    assignee: str | None = Field(..., description="承办人用户名")
    dismiss_reason: str
    clue_id: int | None
    current: bool = Field(..., description="最近一次规则运行是否仍发现该预警")
    created_at: datetime
    updated_at: datetime


class AlertPage(Schema):
    items: list[AlertOut]
    next: str | None = next_field()


class AlertFilters(Schema):
    rule: str | None = Field(None, max_length=32, pattern=r"^[a-z_]+$", description="规则代码")
    agency: str | None = Field(None, pattern=USCC_PATTERN, description="执法主体代码")
    region: str | None = Field(None, pattern=r"^\d{6,12}$", description="街道的区划代码（执法主体所在区划的前缀）")
    status: AlertStatus | None = Field(None, description="状态")
    party: str | None = Field(None, pattern=r"^[0-9A-Za-z]{18}$",
                              description="相对人的完整统一社会信用代码或身份证号")
    date_from: IsoDate | None = Field(None, description="首次发现日期不早于（含）")
    date_to: IsoDate | None = Field(None, description="首次发现日期不晚于（含）")
    assignee: str | None = Field(None, min_length=1, max_length=150,
                                 description="承办人用户名：只列指派给该用户的预警")
    unassigned: bool = Field(False, description="true：只列尚未指派承办人的预警")
    commented: bool | None = Field(None, description="true：只列有评论的预警（如部门的说明）；false：只列没有评论的")
    current: bool = Field(True, description="true（默认）：仅最近一次运行仍发现的预警；false：含已不再触发的"
                                            "（status=resolved 时总是包含）")
    after: int | None = Field(None, ge=1, le=MAX_ID, description="游标：上一页返回的 next；省略则从第一页开始")
    limit: int = limit_field()


def _out(alert: Alert) -> dict:
    rule = selectors.REGISTRY.get(alert.rule)
    return {
        "id": alert.pk, "rule": alert.rule, "rule_name": rule.name if rule else alert.rule,
        "status": alert.status, "status_label": str(alert.get_status_display()),
        "record": alert.record_id, "power": alert.power_id, "agency": alert.agency_id,
        "agency_name": alert.agency.name if alert.agency_id and alert.agency else None,
        "detail": alert.detail, "facts": alert.facts,
        "assignee": alert.assignee.username if alert.assignee_id and alert.assignee else None,
        "dismiss_reason": alert.dismiss_reason, "clue_id": alert.clue_id,
        "current": alert.last_seen_run_id is None, "created_at": alert.created_at,
        "updated_at": alert.updated_at,
    }


@router.get("/alerts", response={200: AlertPage, **ERRORS}, summary="预警列表",
            description="您数据范围内的预警，按编号从新到旧，游标分页（after + limit，每页至多 500 条）。"
                        "筛选条件与网页相同。执法部门只看到本单位的预警。")
def list_alerts(request, filters: Query[AlertFilters]):
    from jiandu.core.pagination import keyset_page

    user = _viewer(request)
    f = filters.model_dump(exclude={"after", "limit", "assignee", "unassigned"}, exclude_none=True)
    # Both hold at once, as every other pair does: an alert has one assignee or none, so asking
    # for both lists nothing.
    if filters.assignee:
        f["assignee_username"] = filters.assignee
    if filters.unassigned:
        f["assignee"] = selectors.UNASSIGNED
    # An alert the engine resolved has stopped firing by definition: asking for that status asks
    # for the history too, as on the page.
    f["current"] = filters.current and filters.status != AlertStatus.RESOLVED
    qs = selectors.alerts_for(user, f)
    page = keyset_page(qs, key="id", descending=True, after=None if filters.after is None else str(filters.after),
                       size=filters.limit)
    return {"items": [_out(a) for a in page.items], "next": page.next_cursor}


class RuleCount(Schema):
    rule: str
    name: str
    total: int
    active: int = Field(..., description="待处理与已确认")


class AgencyCount(Schema):
    agency: str | None
    name: str | None
    total: int
    active: int


class AlertCounts(Schema):
    by_rule: list[RuleCount]
    by_agency: list[AgencyCount]


@router.get("/alerts/counts", response={200: AlertCounts, **ERRORS}, summary="预警统计",
            description="最近一次规则运行发现的预警，按规则（规则表顺序）和按执法主体（从多到少）计数。")
def alert_counts(request):
    user = _viewer(request)
    return {
        "by_rule": selectors.alert_counts_by_rule(user),
        "by_agency": [{"agency": r["agency_id"], "name": r["agency__name"], "total": r["total"],
                       "active": r["active"]} for r in selectors.alert_counts_by_agency(user)],
    }


class RunMergeOut(Schema):
    new: int = Field(..., description="新增的预警")
    seen: int = Field(..., description="仍存在的预警")
    reopened: int = Field(..., description="其中已消除后重新触发而重新打开的")
    resolved: int = Field(..., description="不再触发、已处理过而标为已消除的")
    deleted: int = Field(..., description="不再触发、未经处理而删除的")


class RunOut(Schema):
    id: int
    as_of: date = Field(..., description="核查基准日")
    year: int = Field(..., description="未履职核查年度")
    status: RunStatus = Field(..., description="running 运行中（或已中断）、done 已完成、failed 失败（未改动预警）")
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = Field(..., description="各规则的发现数（规则代码 → 条数），仅含此次运行的规则")
    rule_seconds: dict[str, float] = Field(..., description="各规则的用时（规则代码 → 秒）；"
                                                             "记录用时以前的运行和未完成的运行为空")
    merge: RunMergeOut | None = Field(..., description="与已有预警的合并；未完成的运行为 null")
    error: str = Field(..., description="失败原因")


class RunQuery(Schema):
    after: int | None = Field(None, ge=1, le=MAX_ID, description="游标：上一页返回的 next；省略则从第一页开始")
    limit: int = Field(20, ge=1, le=100, description="每页条数，1–100，默认 20")


class RunPage(Schema):
    items: list[RunOut]
    next: str | None = next_field()


@router.get("/alerts/runs", response={200: RunPage, **ERRORS}, summary="规则运行记录",
            description="每次 jiandu check 的基准日、状态、各规则发现数与合并结果，从新到旧，游标分页。"
                        "各规则的数字为全区的，仅监督机构人员和领导可读。")
def list_runs(request, query: Query[RunQuery]):
    from jiandu.core.pagination import keyset_page

    if not services.RUNS.allows(request.auth):
        raise ApiError(403, "规则运行记录仅供监督机构人员和领导查看 (rule runs are for supervisors and leaders)")
    page = keyset_page(selectors.rule_runs(), key="id", descending=True,
                       after=None if query.after is None else str(query.after), size=query.limit)
    return {"items": [{"id": r.pk, "as_of": r.as_of, "year": r.year, "status": r.status,
                       "started_at": r.started_at, "finished_at": r.finished_at, "counts": r.counts or {},
                       "rule_seconds": r.rule_seconds or {}, "merge": r.merge or None, "error": r.error} for r in page.items],
            "next": page.next_cursor}


class RuleOut(Schema):
    code: str
    name: str
    basis: str = Field(..., description="法律依据")
    explanation: str


class CatalogRuleOut(RuleOut):
    family: str = Field(..., description="规则族（模块名）")
    family_label: str = Field(..., description="规则族（中文）")
    total: int = Field(..., description="您数据范围内的当前预警")
    active: int = Field(..., description="其中待处理与已确认")


@router.get("/alerts/rules", response={200: list[CatalogRuleOut], **ERRORS}, summary="监督规则",
            description="全部监督规则（规则表顺序）：代码、名称、法律依据、说明，及您数据范围内的当前预警数。")
def list_rules(request):
    user = _viewer(request)
    return [{"code": r["rule"].code, "name": r["rule"].name, "basis": r["rule"].basis,
             "explanation": r["rule"].explanation, "family": f["family"], "family_label": f["label"],
             "total": r["total"], "active": r["active"]}
            for f in selectors.rule_catalog(user) for r in f["rules"]]


class FactOut(Schema):
    label: str
    value: str
    record: str | None = Field(..., description="该事实指向的另一条执法行为记录编号（如首次处罚的记录）")


class EventOut(Schema):
    id: int = Field(..., description="处理记录编号：其存证收据为 GET /api/v1/ledger/receipt?kind=alert_event&key=编号")
    at: datetime
    action: AlertAction
    action_label: str
    from_status: AlertStatus
    to_status: AlertStatus
    user: str | None = Field(..., description="操作人用户名；规则引擎为 null")
    note: str


class CommentOut(Schema):
    id: int = Field(..., description="评论编号：其存证收据为 GET /api/v1/ledger/receipt?kind=alert_comment&key=编号")
    author: str
    text: str
    created_at: datetime


class PartyRecordOut(Schema):
    id: str
    kind: str
    agency: str
    power: str
    act_on: date | None
    decided_on: date | None


class AlertDetailOut(AlertOut):
    rule_info: RuleOut | None = Field(..., description="规则的名称、法律依据和说明")
    facts_shown: list[FactOut] = Field(..., description="触发事实（中文标签与文本）")
    party: str | None = Field(..., description="相对人证件号码：统一社会信用代码；身份证号已脱敏")
    party_name: str | None
    events: list[EventOut]
    comments: list[CommentOut]
    party_records: list[PartyRecordOut] = Field(..., description="相对人在您数据范围内的其他执法行为")
    party_alerts: list[int] = Field(..., description="相对人的其他预警编号")


def _detail(request, user, pk: int) -> dict:
    from jiandu.accounts.choices import AuditAction
    from jiandu.accounts.services import audit_record

    page = selectors.alert_page(user, pk)
    alert, rule, record = page["alert"], page["rule"], page["record"]
    if record is not None and record.party_type == PartyType.PERSON:
        # As on the page: a natural person's name and masked id are personal data.
        audit_record(action=AuditAction.VIEW_PERSONAL, request=request, user=user,
                     object_type="monitoring.alert", object_id=str(alert.pk), detail="api")
    return {
        **_out(alert),
        "rule_info": None if rule is None else {"code": rule.code, "name": rule.name, "basis": rule.basis,
                                                "explanation": rule.explanation},
        "facts_shown": page["facts_shown"],
        "party": page["party"], "party_name": record.party_name if record else None,
        "events": [{"id": e.pk, "at": e.at, "action": e.action, "action_label": str(e.get_action_display()),
                    "from_status": e.from_status, "to_status": e.to_status,
                    "user": e.user.username if e.user else None, "note": e.note} for e in page["events"]],
        "comments": [{"id": c.pk, "author": c.author.username, "text": c.text, "created_at": c.created_at}
                     for c in page["comments"]],
        "party_records": [{"id": r.ext_id, "kind": r.kind, "agency": r.agency_id, "power": r.power_id,
                           "act_on": r.act_on, "decided_on": r.decided_on} for r in page["party_records"]],
        "party_alerts": [a.pk for a in page["party_alerts"]],
    }


@router.get("/alerts/{int:alert_id}", response={200: AlertDetailOut, **ERRORS}, summary="预警详情",
            description="预警及其规则的法律依据、触发事实、执法行为的相对人、处理记录、评论和相对人的其他记录。"
                        "不在数据范围内的编号返回 404。")
def get_alert(request, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return _detail(request, _viewer(request), alert_id)


@contextmanager
def _refusals():
    """A handling service's refusals in the API's shape."""
    try:
        yield
    except Alert.DoesNotExist as exc:
        raise ApiError(404) from exc
    except ValidationError as exc:
        raise ApiError(422, exc.messages[0], code="invalid") from exc
    except TransitionError as exc:
        raise ApiError(409, str(exc), code="transition_not_allowed",
                       details=[{"status": exc.status, "action": exc.action}]) from exc


def _act(request, alert_id: int, call):
    """Run one handling service and answer the alert as it now is."""
    user = _viewer(request)
    with _refusals():
        call(user)
    return _detail(request, user, alert_id)


class NoteIn(Schema):
    note: str = Field("", max_length=2000, description="说明（可空）")


class DismissIn(Schema):
    reason: str = Field(..., max_length=2000, pattern=NOT_BLANK, description="排除理由（必填）")


class AssignIn(Schema):
    assignee: str | None = Field(..., max_length=150, description="承办人用户名（监督机构人员）；null 取消指派")


class CommentIn(Schema):
    text: str = Field(..., max_length=4000, pattern=NOT_BLANK)


def _assignee(username: str | None):
    if username is None:
        return None
    found = selectors.assignee_choices().filter(username=username).first()
    if found is None:
        # The name is well formed; no supervisor bears it.
        raise ApiError(404, "没有这名在职的监督机构人员 (no active supervisor by that username)")
    return found


HANDLING = ("只有监督机构人员可以处理（403）；状态不允许该操作时返回 409 transition_not_allowed。")


@router.post("/alerts/{int:alert_id}/acknowledge", response={200: AlertDetailOut, **ACTION_ERRORS},
             summary="确认预警", description="待处理 → 已确认。" + HANDLING)
def acknowledge_alert(request, body: NoteIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return _act(request, alert_id,
                lambda user: services.alert_acknowledge(user=user, alert_id=alert_id, note=body.note))


@router.post("/alerts/{int:alert_id}/dismiss", response={200: AlertDetailOut, **ACTION_ERRORS},
             summary="排除预警", description="待处理或已确认 → 已排除，须填写理由；数据不变时重新运行规则不会再次预警。"
                                              + HANDLING)
def dismiss_alert(request, body: DismissIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return _act(request, alert_id,
                lambda user: services.alert_dismiss(user=user, alert_id=alert_id, reason=body.reason))


class ReinstateIn(Schema):
    reason: str = Field(..., max_length=2000, pattern=NOT_BLANK, description="撤销排除的理由（必填）")


@router.post("/alerts/{int:alert_id}/reinstate", response={200: AlertDetailOut, **ACTION_ERRORS},
             summary="撤销排除", description="已排除 → 待处理，须填写理由，排除及其理由留在处理记录中；"
                                              "规则已不再发现该预警（数据已更正或已变化）时返回 422。"
                                              + HANDLING)
def reinstate_alert(request, body: ReinstateIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return _act(request, alert_id,
                lambda user: services.alert_reinstate(user=user, alert_id=alert_id, reason=body.reason))


@router.post("/alerts/{int:alert_id}/assign", response={200: AlertDetailOut, **ACTION_ERRORS},
             summary="指派承办人", description="把预警交给一名监督机构人员，或取消指派；没有这名在职监督机构人员时返回 404。"
                                                + HANDLING)
def assign_alert(request, body: AssignIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return _act(request, alert_id, lambda user: services.alert_assign(
        user=user, alert_id=alert_id, assignee=_assignee(body.assignee)))


@router.post("/alerts/{int:alert_id}/to-clue", response={200: AlertDetailOut, **ACTION_ERRORS},
             summary="转为问题线索", description="待处理或已确认 → 已转线索。" + HANDLING)
def alert_to_clue(request, body: NoteIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return _act(request, alert_id,
                lambda user: services.alert_to_clue(user=user, alert_id=alert_id, note=body.note))


@router.post("/alerts/{int:alert_id}/comments", response={200: AlertDetailOut, **ACTION_ERRORS},
             summary="评论预警", description="能看到预警的人都可以评论（执法部门在此说明情况）。")
def comment_alert(request, body: CommentIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return _act(request, alert_id,
                lambda user: services.alert_comment(user=user, alert_id=alert_id, text=body.text))


class BulkIds(Schema):
    ids: list[AlertId] = Field(..., min_length=1, max_length=500, description="预警编号，至多 500 个")


# A bulk body is the single step's body with the alerts' ids.
class BulkNoteIn(BulkIds, NoteIn):
    pass


class BulkDismissIn(BulkIds, DismissIn):
    pass


class BulkAssignIn(BulkIds, AssignIn):
    pass


class BulkOut(Schema):
    done: int = Field(..., description="已处理")
    skipped: int = Field(..., description="因状态不允许或不在数据范围内而跳过")


BULK = "对多条预警执行同一操作，在一个事务中完成；不在数据范围内或状态不允许的预警跳过并计数。"


def _bulk(request, call) -> dict:
    user = _viewer(request)
    with _refusals():
        done, skipped = call(user)
    return {"done": done, "skipped": skipped}


@router.post("/alerts/bulk/acknowledge", response={200: BulkOut, **BODY_ERRORS}, summary="批量确认预警",
             description=BULK)
def bulk_acknowledge(request, body: BulkNoteIn):
    return _bulk(request, lambda user: services.alert_bulk_acknowledge(user=user, alert_ids=body.ids,
                                                                       note=body.note))


@router.post("/alerts/bulk/dismiss", response={200: BulkOut, **BODY_ERRORS}, summary="批量排除预警",
             description=BULK + "须填写排除理由。")
def bulk_dismiss(request, body: BulkDismissIn):
    return _bulk(request, lambda user: services.alert_bulk_dismiss(user=user, alert_ids=body.ids,
                                                                   reason=body.reason))


@router.post("/alerts/bulk/assign", response={200: BulkOut, **BODY_ERRORS}, summary="批量指派承办人",
             description=BULK + "承办人不存在或不是在职的监督机构人员时返回 404。")
def bulk_assign(request, body: BulkAssignIn):
    return _bulk(request, lambda user: services.alert_bulk_assign(
        user=user, alert_ids=body.ids, assignee=_assignee(body.assignee)))


@router.post("/alerts/bulk/to-clue", response={200: BulkOut, **BODY_ERRORS}, summary="批量转为问题线索",
             description=BULK)
def bulk_to_clue(request, body: BulkNoteIn):
    return _bulk(request, lambda user: services.alert_bulk_to_clue(user=user, alert_ids=body.ids,
                                                                   note=body.note))
