"""Loading regions from a CSV: the bundled file, upserts, parents before children, bad files."""

import pytest
from django.core.management import CommandError, call_command

from jiandu.org.models import Region
from jiandu.org.services import RegionFileError, region_bundled_path, region_load

pytestmark = pytest.mark.django_db

STREETS = {"艾山街道", "里辛街道", "汶源街道", "颜庄街道", "辛庄街道"}


def _csv(tmp_path, text, name="regions.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_file_loads_the_district_and_its_streets():
    assert region_load(path=region_bundled_path()) == 8
    district = Region.objects.get(code="370117")
    assert district.name == "钢城区"
    assert district.parent.code == "370100"
    assert district.parent.parent.code == "370000"
    assert district.parent.parent.parent is None
    streets = district.children.all()
    assert {r.name for r in streets} == STREETS
    assert all(len(r.code) == 9 and r.code.startswith("370117") and r.level == "street" for r in streets)


def test_bundled_file_flags_its_codes_for_checking():
    first = region_bundled_path().read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# [check]")


def test_loading_twice_changes_nothing():
    region_load(path=region_bundled_path())
    before = list(Region.objects.values_list("pk", "code", "name", "level", "parent_id"))
    region_load(path=region_bundled_path())
    assert list(Region.objects.values_list("pk", "code", "name", "level", "parent_id")) == before


def test_children_before_parents_in_the_file_and_updates_in_place(tmp_path):
    region_load(path=_csv(tmp_path, "code,name,level,parent\n370000,山东省,province,\n"))
    province_pk = Region.objects.get(code="370000").pk
    path = _csv(tmp_path, (
        "# 注释行 comment\n"
        "code,name,level,parent\n"
        "370117001,艾山街道,street,370117\n"
        "\n"
        "370117,钢城区,district,370100\n"
        "370100,济南市,city,370000\n"
        "370000,山东省人民政府辖区,province,\n"
    ))
    assert region_load(path=path) == 4
    assert Region.objects.get(code="370000").pk == province_pk
    assert Region.objects.get(code="370000").name == "山东省人民政府辖区"
    assert Region.objects.get(code="370117001").parent.parent.parent.code == "370000"


def test_a_parent_already_stored_is_found(tmp_path):
    region_load(path=region_bundled_path())
    region_load(path=_csv(tmp_path, "code,name,level,parent\n370117001001,某社区,community,370117001\n"))
    assert Region.objects.get(code="370117001001").parent.name == "艾山街道"


@pytest.mark.parametrize(("body", "reason"), [
    ("37011,钢城区,district,\n", "区划代码"),
    ("370117,,district,\n", "名称"),
    ("370117,钢城区,county,\n", "层级"),
    ("370117,钢城区,district,999999\n", "上级区划 999999"),
    ("370117,钢城区,district,370117\n", "自身"),
    ("370117,钢城区,district,\n370117,钢城区,district,\n", "重复"),
    ("370117,钢城区,district,370118\n370118,某区,district,370117\n", "循环"),
])
def test_a_bad_line_rejects_the_whole_file(tmp_path, body, reason):
    path = _csv(tmp_path, "code,name,level,parent\n370000,山东省,province,\n" + body)
    with pytest.raises(RegionFileError, match=reason) as exc:
        region_load(path=path)
    assert "第 3 行" in str(exc.value)
    assert not Region.objects.exists()


def test_a_file_without_the_header_is_refused(tmp_path):
    with pytest.raises(RegionFileError, match="表头"):
        region_load(path=_csv(tmp_path, "code,name\n370000,山东省\n"))


def test_command_loads_the_bundled_file_by_default(capsys):
    call_command("load_regions")
    assert "已载入 8 个行政区划" in capsys.readouterr().out
    assert Region.objects.count() == 8


def test_command_reports_a_bad_file(tmp_path):
    with pytest.raises(CommandError, match="层级"):
        call_command("load_regions", str(_csv(tmp_path, "code,name,level,parent\n370000,山东省,state,\n")))
    with pytest.raises(CommandError):
        call_command("load_regions", str(tmp_path / "missing.csv"))
