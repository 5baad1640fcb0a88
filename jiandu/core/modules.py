"""The registry of the platform's modules: navigation, who sees each entry, and what is still to come."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from jiandu.accounts.access import ALL_STAFF
from jiandu.accounts.choices import Role

EVERYONE = ALL_STAFF | {Role.SOCIAL_SUPERVISOR}
DATA_READERS = ALL_STAFF
IMPORTERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.LIAISON})


@dataclass(frozen=True)
class Module:
    """One navigation entry. ``url_name`` names the built page; until it resolves, the entry
    opens the module's "being built" page with ``summary`` and ``features``."""

    slug: str
    title: str
    roles: frozenset[str]
    url_name: str | None = None
    summary: str = ""
    features: tuple[str, ...] = ()
    children: tuple[Module, ...] = field(default_factory=tuple)
    issue: int | None = None
    # The Django admin lets in only accounts marked as staff; others get the module's page.
    needs_staff: bool = False

    def allows(self, user) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        return user.is_superuser or user.role in self.roles

    def built_url(self, user=None) -> str | None:
        if not self.url_name:
            return None
        if self.needs_staff and not (user is not None and user.is_staff):
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None

    def url(self, user=None) -> str:
        return self.built_url(user) or reverse("core:module", args=[self.slug])


MODULES: tuple[Module, ...] = (
    Module("home", _("首页"), EVERYONE, url_name="home"),
    Module(
        "data", _("执法数据"), DATA_READERS,
        children=(
            Module("records", _("执法行为"), DATA_READERS, url_name="records:list"),
            Module("agencies", _("执法主体"), DATA_READERS, url_name="org:agencies"),
            Module("officers", _("执法人员"), DATA_READERS, url_name="org:officers"),
            Module("powers", _("权责清单"), DATA_READERS, url_name="powers:list"),
            Module("import", _("数据导入"), IMPORTERS, url_name="records:import"),
        ),
    ),
    Module(
        "monitoring", _("监督预警"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR, Role.LIAISON, Role.LEADER}),
        url_name="monitoring:alerts", issue=4,
        summary=_("监督规则（预警模型）按法定期限、程序要件、裁量基准和四张清单自动比对各部门报送的执法数据，"
                  "发现问题即生成预警，分派到责任单位处理或说明理由后排除。"),
        features=(_("超期未决定、超期未送达、超期未公示等期限预警"),
                  _("执法人员不足两人、证件失效、未法制审核、未告知听证等程序预警"),
                  _("罚款超出裁量基准、应不罚而罚、重复处罚等实体预警"),
                  _("预警的处理、排除与统计，按部门排名")),
    ),
    Module(
        "clues", _("问题线索"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR, Role.SOCIAL_SUPERVISOR,
                   Role.LEADER}),
        summary=_("汇集监督预警、投诉举报、12345 工单、行政复议和检察建议等各渠道的问题线索，"
                  "统一登记、研判、去重和分派。"),
        features=(_("多渠道线索登记与来源追溯"), _("相似线索自动去重、合并"),
                  _("研判后转为监督案件或退回说明"), _("社会监督员线索直报")),
    ),
    Module(
        "cases", _("监督案件"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR, Role.LIAISON, Role.LEADER}),
        summary=_("行政执法监督案件全流程闭环办理：受理、立案、调查取证、处理决定、送达、执行、执行反馈、督办考核。"),
        features=(_("监督通知书、意见书、决定书按 GB/T 9704 生成"),
                  _("八类证据的收集、固定与保管链"), _("办理期限按工作日自动计算并提醒"),
                  _("向纪委监委、检察院、公安移送和函告")),
    ),
    Module(
        "inspections", _("行政检查"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR, Role.LIAISON, Role.OFFICER,
                   Role.LEADER}),
        summary=_("涉企行政检查统筹：检查计划、“双随机”抽查、联合检查（综合查一次），"
                  "扫码入企与检查频次上限，防止多头执法、重复检查。"),
        features=(_("检查计划报备与审批"), _("双随机抽取检查对象和执法人员并公示"),
                  _("同一企业 30 日内被多部门检查的重复检查预警"), _("扫码入企记录与补录")),
    ),
    Module(
        "qr", _("码上监督"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR, Role.LIAISON, Role.OFFICER}),
        summary=_("执法人员亮码执法、企业监督码：群众和企业扫码即可核验执法人员身份，"
                  "对检查进行匿名评价，一键投诉。"),
        features=(_("执法人员二维码与在线核验"), _("企业监督码与扫码入企"),
                  _("匿名评价（对被评价部门不可见）"), _("行政执法决定公示查询")),
    ),
    Module(
        "review", _("案卷评查"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR, Role.SOCIAL_SUPERVISOR,
                   Role.LEADER}),
        summary=_("按评查标准对抽取的执法案卷在线打分，汇总问题并通报结果。"),
        features=(_("评查规则集与评分细则"), _("按部门、类别随机抽取案卷"),
                  _("多人评查与复核"), _("评查结果通报与整改跟踪")),
    ),
    Module(
        "assessment", _("评议考核"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.LIAISON, Role.LEADER}),
        summary=_("年度行政执法评议考核：日常执法、案卷评查、培训考试、监督决定执行和满意度等指标，"
                  "以及督查调度任务跟踪和行政执法统计年报。"),
        features=(_("考核指标体系与自动计分"), _("督查调度：牵头单位、责任单位与时限"),
                  _("行政执法统计年报（每年 1 月 31 日前公开）"), _("部门排名与奖惩")),
    ),
    Module(
        "ledger", _("全过程记录存证"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.LEADER}), url_name="ledger:index", issue=5,
        summary=_("“区块链+公证”：所有写入操作记入只能追加的默克尔日志，定期签名树头并由公证机构见证，"
                  "任何人都可验证数据自记录后未被改动。"),
        features=(_("追加式日志与包含性证明"), _("签名树头（检查点）与公证见证"),
                  _("存证验证页面与证明下载")),
    ),
    Module(
        "people", _("社会监督员"),
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STREET_SUPERVISOR, Role.SOCIAL_SUPERVISOR}),
        summary=_("社会监督员的选聘、培训、履职、年度考核、奖励与退出，以及行政执法开放日活动。"),
        features=(_("选聘与聘期管理（五年一届）"), _("履职记录与线索直报"),
                  _("行政执法开放日：活动、邀请、报名与反馈")),
    ),
    Module(
        "admin", _("系统管理"), frozenset({Role.ADMIN}), url_name="admin:index", needs_staff=True,
        summary=_("账户与权限管理：新建、停用账户和重置密码，角色与数据范围，审计日志的查看与导出，"
                  "以及执法主体、执法人员、权责清单等基础数据的维护。"),
        features=(_("账户生命周期管理"), _("角色与数据范围设置"), _("审计日志查询与导出"),
                  _("基础数据维护")),
    ),
)


def _walk(modules=MODULES):
    for module in modules:
        yield module
        yield from _walk(module.children)


def module_by_slug(slug: str) -> Module | None:
    return next((m for m in _walk() if m.slug == slug), None)


@dataclass
class NavEntry:
    title: str
    url: str
    active: bool = False
    children: list[NavEntry] = field(default_factory=list)


def navigation(user, path: str) -> list[NavEntry]:
    """The entries ``user`` may open; the one whose address is the longest prefix of ``path``
    is active (with its group), so a detail page lights up the list it belongs to; failing that,
    the first entry of the same app (the first segment of the path)."""

    def entry(module: Module) -> NavEntry:
        children = [entry(c) for c in module.children if c.allows(user)]
        return NavEntry(str(module.title), children[0].url if children else module.url(user),
                        children=children)

    entries = [entry(m) for m in MODULES if m.allows(user)]
    best, best_len = None, -1
    for top in entries:
        for leaf in top.children or [top]:
            home = leaf.url == "/"
            matches = path == "/" if home else path.startswith(leaf.url)
            if matches and len(leaf.url) > best_len:
                best, best_len = (top, leaf), len(leaf.url)
    if best is None:
        # A page of an app that no entry names (the rule runs under /monitoring/): the first
        # entry of the same app.
        section = path.split("/")[1:2]
        best = next(((top, leaf) for top in entries for leaf in top.children or [top]
                     if section and section != [""] and leaf.url.split("/")[1:2] == section), None)
    if best is not None:
        best[0].active = best[1].active = True
    return entries
