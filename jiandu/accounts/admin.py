"""Administration in Chinese: accounts and their lifecycle, the audit log (read-only), API tokens."""

from __future__ import annotations

import ipaddress

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiandu.core.admin_base import DenseLists, ReadOnlyPermissions
from jiandu.core.crypto import DecryptionError, decrypt_text, keyed_hash, mask_phone

from . import services, views
from .forms import PHONE_RE, AccountChangeForm, AccountCreationForm
from .models import ApiToken, AuditEvent, User

# The admin signs in, out and changes passwords through the site's own pages, so that the
# lockout, the second factor, the password policy and the audit apply there too.
admin.site.login = views.admin_login_redirect
admin.site.logout = views.logout_view
admin.site.password_change = views.admin_password_change_redirect

# django-otp's device admin would show every user's TOTP secret (and its QR code) to any
# administrator; a device is only ever removed here, with the "重置双因素认证" action.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


def _phone_masked(user: User) -> str:
    if not user.phone_enc:
        return ""
    try:
        return mask_phone(decrypt_text(user.phone_enc))
    except DecryptionError:
        return _("（无法解密）")


def _temporary_passwords_page(request, site, issued):
    """The generated passwords, shown this once and never cached by the browser."""
    response = TemplateResponse(request, "accounts/admin/temporary_passwords.html", {
        **site.each_context(request), "title": _("临时密码"), "issued": issued})
    add_never_cache_headers(response)
    return response


@admin.register(User)
class AccountAdmin(DenseLists, admin.ModelAdmin):
    """Accounts are created with a generated password and disabled rather than deleted: the
    audit log names them for as long as it is kept."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "name", "role", "agency", "region_code", "phone_masked",
                    "is_active", "two_factor", "password_changed_at", "last_login"]
    list_filter = ["role", ("agency", admin.RelatedOnlyFieldListFilter), "is_active",
                   "is_superuser"]
    search_fields = ["username", "name"]
    search_help_text = gettext_lazy("按用户名、姓名检索；输入完整的 11 位手机号可精确查找")
    list_select_related = ["agency"]
    ordering = ["username"]
    autocomplete_fields = ["agency"]
    filter_horizontal = ["groups", "user_permissions"]
    readonly_fields = ["phone_masked", "is_active", "two_factor", "password_changed_at",
                       "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "name"]}),
        (gettext_lazy("角色与数据范围"), {"fields": ["role", "agency", "region_code"]}),
        (gettext_lazy("联系方式"), {"fields": ["phone_masked", "phone", "phone_clear"]}),
        (gettext_lazy("状态"), {"fields": ["is_active", "two_factor", "password_changed_at",
                                           "last_login", "date_joined"]}),
        (gettext_lazy("后台权限"), {"classes": ["collapse"],
                                    "fields": ["is_staff", "is_superuser", "groups",
                                               "user_permissions"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "name"],
                "description": gettext_lazy("保存后系统生成临时密码并只显示一次；本人首次登录时须修改密码。"
                                            "系统管理员和监督机构人员首次登录时还须绑定动态口令。")}),
        (gettext_lazy("角色与数据范围"), {"fields": ["role", "agency", "region_code"]}),
        (gettext_lazy("联系方式"), {"fields": ["phone"]}),
        (gettext_lazy("后台权限"), {"fields": ["is_staff"]}),
    ]
    actions = ["disable_accounts", "enable_accounts", "reset_passwords", "reset_two_factor"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(has_device=Exists(
            TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = [] if obj is None else list(self.readonly_fields)
        if obj is not None and not request.user.is_superuser:
            # Only a superuser hands out rights beyond their own.
            fields += ["is_superuser", "groups", "user_permissions"]
        return fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        term = "".join(search_term.split())
        if PHONE_RE.match(term):
            # Phone numbers are stored encrypted: only an exact number can be found, by its hash.
            return queryset.filter(phone_hash=keyed_hash(term)), False
        return super().get_search_results(request, queryset, search_term)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("手机号"))
    def phone_masked(self, obj):
        return _phone_masked(obj)

    @admin.display(description=gettext_lazy("动态口令"), boolean=True, ordering="has_device")
    def two_factor(self, obj):
        return getattr(obj, "has_device", None)

    def save_model(self, request, obj, form, change):
        if change:
            services.user_update(user=obj, phone=form.phone_value(), changed=form.changed_data,
                                 request=request)
        else:
            password = services.user_create(user=obj, phone=form.cleaned_data.get("phone") or None,
                                            request=request)
            request.jiandu_issued_passwords = [(obj, password)]

    def response_add(self, request, obj, post_url_continue=None):
        issued = getattr(request, "jiandu_issued_passwords", None)
        if issued:
            return _temporary_passwords_page(request, self.admin_site, issued)
        return super().response_add(request, obj, post_url_continue)

    def _active_set(self, request, queryset, active: bool):
        count = 0
        for user in queryset:
            try:
                count += services.user_active_set(user=user, active=active, request=request)
            except ValidationError as exc:
                self.message_user(request, "；".join(exc.messages), messages.ERROR)
        done = _("已启用 %(n)d 个账户。") if active else _("已停用 %(n)d 个账户。")
        self.message_user(request, done % {"n": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("停用所选账户"), permissions=["change"])
    def disable_accounts(self, request, queryset):
        self._active_set(request, queryset, active=False)

    @admin.action(description=gettext_lazy("启用所选账户"), permissions=["change"])
    def enable_accounts(self, request, queryset):
        self._active_set(request, queryset, active=True)

    @admin.action(description=gettext_lazy("重置密码（生成临时密码）"), permissions=["change"])
    def reset_passwords(self, request, queryset):
        issued = [(user, services.user_password_reset(user=user, request=request))
                  for user in queryset.order_by("username")]
        return _temporary_passwords_page(request, self.admin_site, issued)

    @admin.action(description=gettext_lazy("重置双因素认证（删除动态口令设备）"),
                  permissions=["change"])
    def reset_two_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            services.user_two_factor_reset(user=user, request=request)
        self.message_user(request, _("已重置 %(n)d 个账户的双因素认证，下次登录时重新绑定。")
                          % {"n": len(users)}, messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(DenseLists, ReadOnlyPermissions, admin.ModelAdmin):
    """Nothing here writes: the log is append-only in the database as well."""

    list_display = ["at", "username", "ip", "action", "object_type", "object_id", "detail_short"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["username", "object_type", "object_id"]
    search_help_text = gettext_lazy("按账号、IP 地址、对象类型或对象标识检索")
    fields = ["at", "user", "username", "ip", "action", "object_type", "object_id", "detail"]
    # Counting the whole log for every page would grow slow with it.
    show_full_result_count = False
    actions = ["export_xlsx"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        try:
            ipaddress.ip_address(term)
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(Q(ip=term) | Q(object_id=term)), False

    @admin.display(description=gettext_lazy("详情"))
    def detail_short(self, obj):
        return obj.detail if len(obj.detail) <= 80 else obj.detail[:80] + "…"

    @admin.action(description=gettext_lazy("导出 Excel"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        spool, _count = services.audit_export(events=queryset, request=request)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return FileResponse(spool, as_attachment=True, filename=f"审计日志-{stamp}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument"
                                         ".spreadsheetml.sheet")


class TokenStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("有效")), ("revoked", _("已吊销")), ("expired", _("已过期"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now),
                                   revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now, revoked_at__isnull=True)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(DenseLists, ReadOnlyPermissions, admin.ModelAdmin):
    """Tokens are made by their owners; an administrator can only see and revoke them."""

    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at",
                    "revoked_at"]
    list_filter = [TokenStateFilter]
    search_fields = ["user__username", "name", "=prefix"]
    list_select_related = ["user"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    actions = ["revoke"]

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description=gettext_lazy("吊销所选令牌"), permissions=["revoke"])
    def revoke(self, request, queryset):
        # The API's own token service, so that a revocation here is audited as one there is.
        from .tokens import api_token_revoke

        count = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            api_token_revoke(token=token, by=request.user, request=request)
            count += 1
        self.message_user(request, _("已吊销 %(n)d 个令牌。") % {"n": count}, messages.SUCCESS)
