"""Staff pages of the ledger: its size, checkpoints and witnesses, a record's entries and receipts, and
a receipt brought back for checking."""

from __future__ import annotations

import segno
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiandu.accounts.access import require
from jiandu.accounts.choices import AuditAction, Role
from jiandu.accounts.services import audit_record

from . import selectors, services
from .forms import ReceiptForm
from .receipt import dumps

LEDGER_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.LEADER)


def _qr_svg(data: bytes, url: str) -> tuple[str, bool]:
    """The receipt itself as a QR code when it fits, else the address that downloads it."""
    try:
        qr, is_receipt = segno.make(data, error="l", micro=False), True
    except segno.DataOverflowError:
        qr, is_receipt = segno.make(url, error="m"), False
    # No fixed size: the code scales to its box, which the template caps for phones.
    return qr.svg_inline(omitsize=True, title=_("存证收据二维码")), is_receipt


def _page(request, **extra):
    shards = selectors.ledger_shards()
    return render(request, "ledger/index.html", {
        "search_kinds": selectors.SEARCH_KINDS,
        "shards": shards,
        "witness_lag": any(v.unwitnessed for v in shards),
        "recent": selectors.ledger_recent_checkpoints(),
        "verify_run": selectors.ledger_last_verify_run(),
        "log_key": services.log_verifier_key(),
        "receipt_form": ReceiptForm(),
        **extra,
    })


@require(*LEDGER_ROLES)
def index(request):
    q = (request.GET.get("q") or "").strip()
    kind, label = selectors.search_kind(request.GET.get("kind"))
    found = None
    if q:
        entries = selectors.object_entries(request.user, kind, q)
        found = {"q": q, "kind": kind, "kind_label": label, "entries": entries,
                 "several_objects": kind == "alert"}
        if entries:
            latest = entries[-1]
            receipt = dumps(services.receipt_build(entry=latest))
            url = request.build_absolute_uri(reverse("ledger:receipt", args=[latest.pk]))
            found["qr_svg"], found["qr_is_receipt"] = _qr_svg(receipt, url)
            found["latest"] = latest
    return _page(request, found=found)


@require(*LEDGER_ROLES)
@require_POST
def receipt_verify(request):
    """A receipt brought back (a file or its pasted text), checked offline with the platform's
    keys and against the log; the page says what holds and what does not."""
    form = ReceiptForm(request.POST, request.FILES)
    checked = selectors.receipt_check(form.cleaned_data["receipt"]) if form.is_valid() else None
    return _page(request, receipt_form=form, checked=checked)


@require(*LEDGER_ROLES)
def receipt_download(request, pk: int):
    entry = selectors.entry_for_receipt(request.user, pk)
    if entry is None:
        raise Http404(_("没有此条目 (no such entry)"))
    data = dumps(services.receipt_build(entry=entry)) + b"\n"
    # A record's receipt carries the party's name: who took it away is logged.
    audit_record(action=AuditAction.EXPORT, request=request, object_type="ledger.Entry",
                 object_id=str(entry.pk), detail=f"{entry.kind} {entry.key}")
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="receipt-{entry.kind}-'
                                       f'{entry.shard.year}-{entry.index}.json"')
    return response
