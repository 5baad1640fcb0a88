"""Forms of the records pages: the list filters and the contract file upload."""

from __future__ import annotations

import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from jiandu.accounts.selectors import sees_everything
from jiandu.core.forms import ANY, YES_NO, FilterForm, date_input
from jiandu.org.selectors import agency_choices
from jiandu.powers.choices import PowerKind

from .choices import Procedure
from .selectors import interchange_kind_choices

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
UPLOAD_SUFFIXES = (".jsonl", ".json", ".csv", ".xlsx")


class RecordFilterForm(FilterForm):
    kind = forms.ChoiceField(label=_("执法类别"), required=False, choices=[ANY, *PowerKind.choices])
    agency = forms.ChoiceField(label=_("执法主体"), required=False)
    procedure = forms.ChoiceField(label=_("程序"), required=False, choices=[ANY, *Procedure.choices])
    date_from = forms.DateField(label=_("行为日期自"), required=False, widget=date_input())
    date_to = forms.DateField(label=_("至"), required=False, widget=date_input())
    decided = forms.ChoiceField(label=_("已作决定"), required=False, choices=YES_NO)
    power = forms.CharField(label=_("执法事项编码"), required=False, max_length=64,
                            widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [ANY, *agency_choices(user)]
        self.fields["q"].widget.attrs["placeholder"] = _("记录编号、决定书文号、相对人名称或完整证件号码")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类别"))
    file = forms.FileField(label=_("数据文件"),
                           help_text=_("按数据交换规范填写的 .jsonl、.csv（UTF-8）或 .xlsx 文件"))
    source = forms.CharField(label=_("来源系统"), required=False, max_length=100,
                             help_text=_("例如：山东省行政执法监督平台导出、本单位办案系统"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = interchange_kind_choices()
        # A department reports its enforcement acts; reference data (agencies, officers,
        # powers, four lists) is the district's to maintain.
        if not sees_everything(user):
            kinds = [(k, label) for k, label in kinds if k == "records"]
        self.fields["kind"].choices = kinds
        self.fields["kind"].initial = "records"
        self.fields["file"].widget.attrs["accept"] = ",".join(UPLOAD_SUFFIXES)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(_("只接受 .jsonl、.csv 或 .xlsx 文件"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件超过 200 MB，请拆分后上传，或由管理员用命令行 jiandu import 导入"))
        return upload

    def save_upload(self) -> Path:
        """Keep the uploaded file under MEDIA_ROOT/imports/<date>-<random>/ and return its path."""
        upload = self.cleaned_data["file"]
        name = Path(upload.name).name
        stem = get_valid_filename(Path(name).stem)[:80] or "upload"
        suffix = Path(name).suffix.lower()
        folder = (Path(settings.MEDIA_ROOT) / "imports"
                  / f"{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex[:12]}")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}{suffix}"
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return path
