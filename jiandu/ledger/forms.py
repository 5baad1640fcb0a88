"""Forms of the ledger page: a receipt brought back for checking."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import RECEIPT_MAX_BYTES


class ReceiptForm(forms.Form):
    """A receipt as the file `下载收据` gave, or its text pasted (what a QR scan reads)."""

    file = forms.FileField(label=_("收据文件"), required=False,
                           help_text=_("“下载收据”得到的 .json 文件"))
    text = forms.CharField(label=_("或粘贴收据内容"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
                           help_text=_("扫描收据二维码得到的文字"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".json,application/json"

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload and text:
            raise forms.ValidationError(_("请只上传文件或只粘贴内容，不要同时提供"))
        if not upload and not text:
            raise forms.ValidationError(_("请上传收据文件或粘贴收据内容"))
        if upload:
            if upload.size > RECEIPT_MAX_BYTES:
                raise forms.ValidationError(_("文件过大：收据不超过 %(n)d KiB") % {"n": RECEIPT_MAX_BYTES // 1024})
            data["receipt"] = upload.read()
        else:
            data["receipt"] = text.encode()
            if len(data["receipt"]) > RECEIPT_MAX_BYTES:
                raise forms.ValidationError(_("内容过长：收据不超过 %(n)d KiB") % {"n": RECEIPT_MAX_BYTES // 1024})
        return data
