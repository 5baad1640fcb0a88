"""The ledger part of the API: each yearly log's signed tree head for monitors, and receipts."""

from __future__ import annotations

from datetime import UTC, datetime

from ninja import Field, Query, Router, Schema

from jiandu.accounts.choices import AuditAction
from jiandu.accounts.services import audit_record
from jiandu.core.api import ERRORS, ApiError, module_user
from jiandu.core.modules import module_by_slug

from . import selectors, services
from .choices import EntryKind

router = Router(tags=["全过程记录存证"])

LEDGER = module_by_slug("ledger")


def _viewer(request):
    return module_user(request, LEDGER, "您的角色不能查看存证日志 (your role may not read the ledger)")


class CosignatureOut(Schema):
    witness: str = Field(..., description="见证方名称（如公证处）")
    timestamp: datetime = Field(..., description="见证方联署时间")


class LogOut(Schema):
    year: int
    origin: str = Field(..., description="日志来源名，检查点和收据中的 origin")
    hash_alg: str = Field(..., description="哈希算法：sm3 或 sha256")
    size: int = Field(..., description="日志现有条目数")
    checkpoint: str | None = Field(..., description="最新签名检查点（C2SP signed note，含见证联署行）；尚未签名时为 null")
    checkpoint_size: int | None = Field(..., description="最新检查点的树大小")
    cosignatures: list[CosignatureOut]
    unwitnessed: list[str] = Field(..., description="已配置但尚未联署最新检查点的见证方")


@router.get("/ledger/logs", response={200: list[LogOut], **ERRORS}, summary="存证日志及最新检查点",
            description="每个年度日志的规模和最新签名检查点（含公证机构等见证方的联署签名），供外部监督方定期"
                        "抓取、比对，以发现日志被改写或分叉。检查点用日志验证公钥（jiandu ledger keys）核验。")
def list_logs(request):
    _viewer(request)
    out = []
    for view in selectors.ledger_shards():
        checkpoint = view.checkpoint
        text = services.cosigned_note(checkpoint)[0] if checkpoint is not None else None
        out.append({
            "year": view.shard.year, "origin": view.shard.origin, "hash_alg": view.shard.hash_alg,
            "size": view.shard.size, "checkpoint": text,
            "checkpoint_size": checkpoint.size if checkpoint is not None else None,
            "cosignatures": [{"witness": c.witness_name, "timestamp": datetime.fromtimestamp(c.timestamp, UTC)}
                             for c in view.cosignatures],
            "unwitnessed": view.unwitnessed,
        })
    return out


class ReceiptQuery(Schema):
    kind: EntryKind = Field(..., description="对象类别：record 执法行为、alert_event 预警处理记录、alert_comment 预警评论、"
                                             "agency、officer、power、four_list、import_run")
    key: str = Field(..., min_length=1, max_length=100, description="对象编号：执法行为编号、处理记录或评论编号、执法证号等")


class ReceiptOut(Schema):
    format: str
    hash_alg: str
    origin: str
    kind: str
    key: str
    entry: str = Field(..., description="写入日志的内容（规范 JSON），其叶哈希在日志树中")
    index: int = Field(..., description="条目在年度日志中的序号")
    tree_size: int
    inclusion_proof: list[str] = Field(..., description="包含性证明（base64 哈希）")
    checkpoint: str = Field(..., description="签名检查点（含见证联署行）")
    witness_keys: list[str]


@router.get("/ledger/receipt", response={200: ReceiptOut, **ERRORS}, summary="存证收据",
            description="对象最新条目的收据，与页面“下载收据”的文件内容相同，可用 jiandu verify 离线核验。"
                        "对象不存在、不在您的数据范围内或尚无条目时返回 404。")
def get_receipt(request, query: Query[ReceiptQuery]):
    user = _viewer(request)
    position = selectors.entry_positions(query.kind, [query.key]).get(query.key)
    entry = selectors.entry_for_receipt(user, position) if position is not None else None
    if entry is None:
        raise ApiError(404)
    receipt = services.receipt_build(entry=entry)
    audit_record(action=AuditAction.EXPORT, request=request, user=user, object_type="ledger.Entry",
                 object_id=str(entry.pk), detail=f"{entry.kind} {entry.key} api")
    return receipt
