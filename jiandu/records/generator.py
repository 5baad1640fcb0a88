"""Synthetic Gangcheng district (钢城区) data in the interchange format, streamed to disk."""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import orjson

from jiandu.core.validators import USCC_ALPHABET, id_check_char, uscc_check_char

AS_OF = dt.date(2026, 7, 15)
REGION = "370117"
FILES = ("agencies", "officers", "powers", "four_lists", "records")
RULES = (
    "officer_certificate", "two_officers", "oath_missing", "no_penalty_list", "discretion_range",
    "legal_review", "hearing_notice", "decision_deadline", "service_deadline",
    "disclosure_deadline", "compulsory_duration", "summary_procedure", "double_fine",
    "limitation", "repeat_inspection", "inspection_cap", "unexercised_power",
)
MAIN_KINDS = ("penalty", "licensing", "compulsory", "inspection")

# --------------------------------------------------------------------------------------------
# Catalogue. Article numbers are illustrative: close to the statutes, not a legal reference.
# --------------------------------------------------------------------------------------------
FOOD = "中华人民共和国食品安全法"
PRODUCT = "中华人民共和国产品质量法"
SPECIAL = "中华人民共和国特种设备安全法"
DRUG = "中华人民共和国药品管理法"
AIR = "中华人民共和国大气污染防治法"
ENV = "中华人民共和国环境保护法"
SAFETY = "中华人民共和国安全生产法"
FIREWORKS = "烟花爆竹安全管理条例"
HAZCHEM = "危险化学品安全管理条例"
CITY = "城市市容和环境卫生管理条例"
PLANNING = "中华人民共和国城乡规划法"
ROAD_TRANSPORT = "中华人民共和国道路运输条例"
HIGHWAY = "中华人民共和国公路法"
HIGHWAY_SAFETY = "公路安全保护条例"
LAND = "中华人民共和国土地管理法"
FOREST = "中华人民共和国森林法"
PESTICIDE = "农药管理条例"
ANIMAL = "中华人民共和国动物防疫法"
WATER = "中华人民共和国水法"
SOIL = "中华人民共和国水土保持法"
POLICE = "中华人民共和国治安管理处罚法"
TRAFFIC = "中华人民共和国道路交通安全法"
TAX = "中华人民共和国税收征收管理法"
FIRE = "中华人民共和国消防法"
LABOUR = "劳动保障监察条例"
CONTRACT = "中华人民共和国劳动合同法"
MEDFUND = "医疗保障基金使用监督管理条例"
RELIEF = "社会救助暂行办法"
CONSTRUCTION = "中华人民共和国建筑法"
GAS = "城镇燃气管理条例"
QUALITY = "建设工程质量管理条例"
ENTERTAIN = "娱乐场所管理条例"
INTERNET_CAFE = "互联网上网服务营业场所管理条例"
TOBACCO = "中华人民共和国烟草专卖法实施条例"
STATS = "中华人民共和国统计法"
ENERGY = "中华人民共和国节约能源法"
CIVIL_DEFENCE = "中华人民共和国人民防空法"
METEO = "气象灾害防御条例"

# penalty: (violation, law, article, statutory min, max, base penalties, heavy penalty, limit)
# base: F fine, WF warning and/or fine, FC fine (+ confiscation), D detention (+ fine),
# W warning only, FS fine + suspended licence. limit 5 = public health and life safety.
# inspection/licensing: (name, law, article); compulsory: (name, law, article, measure);
# misc: (kind, name, law, article).
CATALOGUE: dict[str, dict[str, list[tuple]]] = {
    "scjg": {
        "penalty": [
            ("未取得食品生产经营许可从事食品生产经营活动", FOOD, 122, 50000, 100000, "FC", None, 5),
            ("生产经营超范围、超限量使用食品添加剂的食品", FOOD, 124, 50000, 100000, "FC",
             "revoke_license", 5),
            ("生产经营标签、说明书不符合规定的食品", FOOD, 125, 5000, 50000, "FC", None, 5),
            ("食品生产经营者未按规定建立并执行从业人员健康管理制度", FOOD, 126, 5000, 50000, "WF",
             "suspend_business", 5),
            ("在产品中掺杂、掺假，以假充真、以次充好", PRODUCT, 50, 10000, 100000, "FC",
             "revoke_license", None),
            ("经营者不按照规定明码标价", "中华人民共和国价格法", 42, 0, 5000, "WF", None, None),
            ("使用未经检验或者检验不合格的特种设备", SPECIAL, 84, 30000, 300000, "F",
             "suspend_business", 5),
            ("经营者实施虚假或者引人误解的商业宣传", "中华人民共和国反不正当竞争法", 20, 100000,
             1000000, "F", "revoke_license", None),
            ("市场主体未依照规定办理变更登记", "中华人民共和国市场主体登记管理条例", 46, 10000,
             100000, "F", "revoke_license", None),
            ("药品经营企业未遵守药品经营质量管理规范", DRUG, 126, 100000, 500000, "F",
             "suspend_business", 5),
            ("使用不合格的计量器具", "中华人民共和国计量法实施细则", 43, 0, 1000, "FC", None, None),
        ],
        "inspection": [
            ("食品生产经营监督检查", FOOD, 110),
            ("特种设备安全监督检查", SPECIAL, 57),
            ("产品质量监督抽查", PRODUCT, 15),
            ("价格监督检查", "中华人民共和国价格法", 34),
            ("药品经营使用环节监督检查", DRUG, 99),
        ],
        "licensing": [
            ("食品经营许可", FOOD, 35),
            ("食品生产许可", FOOD, 35),
            ("药品零售企业经营许可", DRUG, 51),
            ("特种设备使用登记", SPECIAL, 33),
        ],
        "compulsory": [
            ("查封、扣押不符合食品安全标准的食品", FOOD, 110, "seize"),
            ("查封违法从事生产经营活动的场所", FOOD, 110, "seal"),
            ("查封、扣押不符合安全技术规范要求的特种设备", SPECIAL, 61, "seal"),
            ("查封、扣押涉嫌违法的产品", PRODUCT, 18, "seize"),
        ],
        "misc": [
            ("other", "列入经营异常名录", "企业信息公示暂行条例", 17),
        ],
    },
    "sthj": {
        "penalty": [
            ("超过大气污染物排放标准排放大气污染物", AIR, 99, 100000, 1000000, "F", "close", None),
            ("未采取措施控制挥发性有机物排放", AIR, 108, 20000, 200000, "F", "suspend_business",
             None),
            ("超过水污染物排放标准排放水污染物", "中华人民共和国水污染防治法", 83, 100000, 1000000,
             "F", "close", None),
            ("未依法报批建设项目环境影响报告表擅自开工建设", "中华人民共和国环境影响评价法", 31,
             20000, 500000, "F", None, None),
            ("未按照规定贮存、利用、处置工业固体废物", "中华人民共和国固体废物污染环境防治法", 102,
             100000, 1000000, "F", "close", None),
            ("未取得排污许可证排放污染物", "排污许可管理条例", 33, 200000, 1000000, "F", "close",
             None),
            ("工业噪声超过噪声排放标准", "中华人民共和国噪声污染防治法", 75, 20000, 200000, "F",
             "suspend_business", None),
        ],
        "inspection": [
            ("污染源现场检查", ENV, 24),
            ("排污许可证执行情况检查", "排污许可管理条例", 28),
            ("建设项目环境保护设施“三同时”检查", ENV, 41),
        ],
        "licensing": [
            ("建设项目环境影响报告表审批", "中华人民共和国环境影响评价法", 22),
        ],
        "compulsory": [
            ("查封、扣押造成污染物排放的设施、设备", ENV, 25, "seal"),
        ],
    },
    "yjgl": {
        "penalty": [
            ("未按照规定对从业人员进行安全生产教育和培训", SAFETY, 97, 0, 100000, "F",
             "suspend_business", 5),
            ("未在有较大危险因素的生产经营场所和有关设施、设备上设置明显的安全警示标志", SAFETY,
             99, 0, 50000, "F", "suspend_business", 5),
            ("生产经营单位的主要负责人未履行安全生产管理职责", SAFETY, 95, 20000, 50000, "F", None,
             5),
            ("未建立安全风险分级管控制度或者未采取相应管控措施", SAFETY, 101, 0, 100000, "F",
             "suspend_business", 5),
            ("未经许可经营烟花爆竹", FIREWORKS, 36, 20000, 100000, "FC", None, 5),
            ("危险化学品单位未对其铺设的危险化学品管道设置明显标志", HAZCHEM, 78, 0, 50000, "F",
             "suspend_business", 5),
        ],
        "inspection": [
            ("安全生产监督检查", SAFETY, 65),
            ("危险化学品安全监督检查", HAZCHEM, 7),
            ("烟花爆竹经营安全检查", FIREWORKS, 4),
        ],
        "licensing": [
            ("烟花爆竹经营（零售）许可", FIREWORKS, 19),
            ("危险化学品经营许可", HAZCHEM, 33),
        ],
        "compulsory": [
            ("查封、扣押不符合保障安全生产的国家标准或者行业标准的设施、设备、器材", SAFETY, 65,
             "seal"),
        ],
        "misc": [
            ("requisition", "突发事件应急处置财产征用", "中华人民共和国突发事件应对法", 12),
        ],
    },
    "zhzf": {
        "penalty": [
            ("擅自占用城市道路、人行道摆摊设点", CITY, 36, 0, 2000, "WF", None, None),
            ("随意倾倒、抛撒、堆放生活垃圾", CITY, 34, 0, 500, "WF", None, None),
            ("未取得建设工程规划许可证进行建设", PLANNING, 64, 20000, 500000, "F", None, None),
            ("施工工地未采取扬尘污染防治措施", AIR, 115, 10000, 100000, "F", "suspend_business",
             None),
            ("餐饮服务业经营者未安装油烟净化设施", AIR, 118, 5000, 50000, "F", "suspend_business",
             None),
            ("擅自设置大型户外广告", CITY, 37, 0, 5000, "F", None, None),
            ("排水户未取得排水许可向城镇排水设施排放污水", "城镇排水与污水处理条例", 50, 0, 50000,
             "F", None, None),
            ("擅自砍伐城市树木", "城市绿化条例", 26, 0, 10000, "FC", None, None),
        ],
        "inspection": [
            ("市容环境卫生巡查检查", CITY, 4),
            ("建筑工地扬尘污染防治检查", AIR, 69),
            ("餐饮油烟污染防治检查", AIR, 81),
        ],
        "licensing": [
            ("城市建筑垃圾处置核准", CITY, 17),
            ("临时占用城市道路审批", "城市道路管理条例", 31),
        ],
        "compulsory": [
            ("暂扣占道经营物品", "山东省城市建设管理条例", 67, "seize"),
            ("查封违法建设施工现场", PLANNING, 68, "seal"),
        ],
    },
    "jtys": {
        "penalty": [
            ("未取得道路运输经营许可擅自从事道路普通货物运输经营", ROAD_TRANSPORT, 63, 10000,
             100000, "FC", None, None),
            ("使用未经检测或者检测不合格的车辆从事道路运输经营", ROAD_TRANSPORT, 69, 3000, 10000,
             "F", "revoke_license", None),
            ("未取得网络预约出租汽车运输证从事网约车经营", "网络预约出租汽车经营服务管理暂行办法",
             34, 10000, 30000, "FC", None, None),
            ("道路运输车辆未按规定进行二级维护", ROAD_TRANSPORT, 70, 1000, 5000, "WF", None, None),
        ],
        "inspection": [
            ("道路运输经营监督检查", ROAD_TRANSPORT, 58),
            ("网约车经营服务监督检查", ROAD_TRANSPORT, 59),
        ],
        "licensing": [
            ("道路货物运输经营许可", ROAD_TRANSPORT, 24),
            ("巡游出租汽车经营许可", ROAD_TRANSPORT, 8),
        ],
        "compulsory": [
            ("暂扣未取得道路运输证件从事运输的车辆", ROAD_TRANSPORT, 64, "seize"),
        ],
    },
    "glzx": {
        "penalty": [
            ("擅自占用、挖掘公路", HIGHWAY, 76, 0, 30000, "F", None, None),
            ("在公路用地范围内设置公路标志以外的其他标志", HIGHWAY, 79, 0, 20000, "F", None, None),
            ("车辆未经许可在公路上超限行驶", HIGHWAY_SAFETY, 64, 0, 30000, "F", None, None),
        ],
        "inspection": [
            ("路政巡查检查", HIGHWAY, 69),
        ],
        "licensing": [
            ("涉路施工许可", HIGHWAY, 44),
        ],
        "compulsory": [
            ("扣留违法超限运输车辆", HIGHWAY_SAFETY, 67, "seize"),
        ],
    },
    "wsjk": {
        "penalty": [
            ("未取得医疗机构执业许可证擅自执业", "中华人民共和国基本医疗卫生与健康促进法", 99,
             20000, 200000, "FC", None, 5),
            ("公共场所经营者未依法取得卫生许可证", "公共场所卫生管理条例", 14, 0, 5000, "WF",
             "suspend_business", 5),
            ("用人单位未按照规定组织职业健康检查", "中华人民共和国职业病防治法", 71, 50000, 100000,
             "WF", "close", 5),
            ("医疗机构使用非卫生技术人员从事医疗卫生技术工作", "医疗机构管理条例", 47, 5000, 50000,
             "F", "revoke_license", 5),
            ("供水单位供应的饮用水不符合国家卫生标准", "中华人民共和国传染病防治法", 73, 0, 50000,
             "F", "revoke_license", 5),
        ],
        "inspection": [
            ("公共场所卫生监督检查", "公共场所卫生管理条例", 10),
            ("医疗机构依法执业监督检查", "医疗机构管理条例", 40),
            ("职业卫生监督检查", "中华人民共和国职业病防治法", 62),
        ],
        "licensing": [
            ("公共场所卫生许可", "公共场所卫生管理条例", 8),
            ("医疗机构执业登记", "医疗机构管理条例", 15),
        ],
        "compulsory": [
            ("封存被传染病病原体污染的公共饮用水源、食品及相关物品", "中华人民共和国传染病防治法",
             55, "seal"),
        ],
    },
    "rsj": {
        "penalty": [
            ("用人单位安排劳动者延长工作时间超过法定标准", LABOUR, 25, 2000, 20000, "WF", None,
             None),
            ("用人单位扣押劳动者居民身份证等证件", CONTRACT, 84, 1000, 10000, "WF", None, None),
            ("用人单位未按时足额缴纳社会保险费", "中华人民共和国社会保险法", 86, 2000, 100000, "F",
             None, None),
            ("用人单位克扣或者无故拖欠农民工工资", "保障农民工工资支付条例", 55, 50000, 100000,
             "F", "restrict_business", None),
            ("未经许可擅自经营劳务派遣业务", CONTRACT, 92, 10000, 50000, "FC", None, None),
        ],
        "inspection": [
            ("劳动保障监察日常巡视检查", LABOUR, 15),
            ("农民工工资支付情况专项检查", "保障农民工工资支付条例", 45),
        ],
        "licensing": [
            ("劳务派遣经营许可", CONTRACT, 57),
            ("人力资源服务许可", "人力资源市场暂行条例", 18),
        ],
        "misc": [
            ("confirmation", "工伤认定", "工伤保险条例", 17),
            ("payment", "失业保险金给付", "失业保险条例", 14),
        ],
    },
    "zrzy": {
        "penalty": [
            ("未经批准非法占用土地", LAND, 77, 5000, 300000, "F", None, None),
            ("未取得采矿许可证擅自采矿", "中华人民共和国矿产资源法", 39, 10000, 500000, "FC", None,
             None),
            ("滥伐林木", FOREST, 74, 1000, 50000, "F", None, None),
            ("未取得测绘资质证书从事测绘活动", "中华人民共和国测绘法", 51, 10000, 100000, "FC",
             None, None),
        ],
        "inspection": [
            ("土地利用动态巡查", LAND, 67),
            ("矿产资源开发利用监督检查", "中华人民共和国矿产资源法", 11),
            ("森林资源保护监督检查", FOREST, 66),
        ],
        "licensing": [
            ("建设用地规划许可", PLANNING, 37),
            ("林木采伐许可", FOREST, 56),
            ("乡村建设规划许可", PLANNING, 41),
        ],
        "compulsory": [
            ("查封、扣押与违法采矿有关的设备、工具", "中华人民共和国矿产资源法", 46, "seal"),
        ],
        "misc": [
            ("adjudication", "林木林地权属争议裁决", FOREST, 22),
            ("confirmation", "不动产登记", "不动产登记暂行条例", 14),
            ("levy", "土地复垦费征收", "土地复垦条例", 18),
        ],
    },
    "nync": {
        "penalty": [
            ("经营假农药", PESTICIDE, 55, 5000, 100000, "FC", "revoke_license", 5),
            ("生产经营假种子", "中华人民共和国种子法", 75, 20000, 200000, "FC", "revoke_license",
             None),
            ("销售不符合农产品质量安全标准的农产品", "中华人民共和国农产品质量安全法", 71, 5000,
             100000, "FC", None, 5),
            ("兽药经营企业未按规定建立购销记录", "兽药管理条例", 59, 0, 50000, "WF", None, None),
            ("饲料经营者对饲料进行再加工或者添加物质", "饲料和饲料添加剂管理条例", 43, 2000, 20000,
             "FC", None, None),
        ],
        "inspection": [
            ("农资市场监督检查", PESTICIDE, 41),
            ("农产品质量安全监督检查", "中华人民共和国农产品质量安全法", 56),
        ],
        "licensing": [
            ("农药经营许可", PESTICIDE, 24),
            ("兽药经营许可", "兽药管理条例", 22),
            ("农作物种子生产经营许可", "中华人民共和国种子法", 31),
        ],
        "compulsory": [
            ("查封、扣押违法经营的农药", PESTICIDE, 41, "seize"),
        ],
    },
    "xmsy": {
        "penalty": [
            ("屠宰、经营、运输的动物未附有检疫证明", ANIMAL, 100, 3000, 30000, "FC", None, 5),
            ("饲养动物未按规定进行强制免疫", ANIMAL, 92, 0, 1000, "WF", None, None),
            ("未取得动物防疫条件合格证从事动物饲养", ANIMAL, 98, 3000, 30000, "F", None, None),
        ],
        "inspection": [
            ("动物防疫监督检查", ANIMAL, 76),
        ],
        "licensing": [
            ("动物防疫条件合格证核发", ANIMAL, 24),
        ],
        "compulsory": [
            ("查封、扣押染疫或者疑似染疫的动物", ANIMAL, 76, "seize"),
        ],
    },
    "wlj": {
        "penalty": [
            ("互联网上网服务营业场所接纳未成年人", INTERNET_CAFE, 31, 0, 15000, "WF",
             "suspend_business", None),
            ("娱乐场所未按规定悬挂未成年人禁入标志", ENTERTAIN, 50, 0, 5000, "WF", None, None),
            ("擅自从事营业性演出经营活动", "营业性演出管理条例", 43, 50000, 100000, "FC", None,
             None),
            ("旅行社未与旅游者签订旅游合同", "中华人民共和国旅游法", 100, 5000, 50000, "F",
             "suspend_business", None),
            ("在文物保护单位建设控制地带内擅自进行建设工程", "中华人民共和国文物保护法", 66, 50000,
             500000, "F", None, None),
        ],
        "inspection": [
            ("文化市场经营场所检查", ENTERTAIN, 34),
            ("旅游市场监督检查", "中华人民共和国旅游法", 83),
        ],
        "licensing": [
            ("娱乐场所经营活动审批", ENTERTAIN, 9),
            ("互联网上网服务营业场所经营单位设立审批", INTERNET_CAFE, 7),
            ("营业性演出审批", "营业性演出管理条例", 13),
        ],
        "compulsory": [
            ("扣押非法出版物及专门用于非法出版活动的工具、设备", "出版管理条例", 58, "seize"),
        ],
    },
    "zjj": {
        "penalty": [
            ("未取得施工许可证擅自施工", CONSTRUCTION, 64, 10000, 200000, "F", None, None),
            ("施工单位在施工中偷工减料", QUALITY, 64, 100000, 1000000, "F", "lower_qualification",
             None),
            ("施工单位未按规定配备专职安全生产管理人员", "建设工程安全生产管理条例", 62, 50000,
             100000, "F", "lower_qualification", 5),
            ("物业服务企业将全部物业管理一并委托给他人", "物业管理条例", 59, 5000, 50000, "F",
             None, None),
            ("燃气经营者未按规定对燃气设施进行检查维护", GAS, 47, 10000, 100000, "F",
             "revoke_license", 5),
            ("房地产开发企业未取得资质等级证书从事房地产开发经营", "城市房地产开发经营管理条例",
             33, 50000, 100000, "F", None, None),
        ],
        "inspection": [
            ("建筑施工安全生产监督检查", "建设工程安全生产管理条例", 40),
            ("建设工程质量监督检查", QUALITY, 47),
            ("燃气经营安全检查", GAS, 41),
        ],
        "licensing": [
            ("建筑工程施工许可", CONSTRUCTION, 7),
            ("燃气经营许可", GAS, 15),
        ],
        "compulsory": [
            ("扣押违法经营的燃气气瓶", GAS, 45, "seize"),
        ],
        "misc": [
            ("levy", "城市基础设施配套费征收", "山东省城市基础设施配套费征收管理办法", 5),
            ("other", "建设工程竣工验收备案", QUALITY, 49),
        ],
    },
    "swj": {
        "penalty": [
            ("未经批准擅自取水", WATER, 69, 20000, 100000, "F", None, None),
            ("在河道管理范围内建设妨碍行洪的建筑物、构筑物", WATER, 65, 10000, 100000, "F", None,
             None),
            ("在河道管理范围内非法采砂", "中华人民共和国河道管理条例", 44, 10000, 100000, "FC",
             None, None),
            ("生产建设项目未依法编报水土保持方案", SOIL, 53, 50000, 500000, "F", None, None),
        ],
        "inspection": [
            ("河湖管理范围监督检查", WATER, 60),
            ("取用水监督检查", "取水许可和水资源费征收管理条例", 45),
        ],
        "licensing": [
            ("取水许可", WATER, 48),
            ("河道管理范围内建设项目工程建设方案审批", WATER, 38),
        ],
        "compulsory": [
            ("查封、扣押实施违法行为的工具及施工机械、设备", SOIL, 44, "seize"),
        ],
        "misc": [
            ("levy", "水土保持补偿费征收", SOIL, 32),
        ],
    },
    "gaj": {
        "penalty": [
            ("扰乱机关、团体、企业、事业单位秩序", POLICE, 23, 0, 500, "WF", "detention", None),
            ("殴打他人或者故意伤害他人身体", POLICE, 43, 200, 500, "D", None, None),
            ("盗窃、诈骗、哄抢、抢夺、敲诈勒索", POLICE, 49, 0, 1000, "D", None, None),
            ("饮酒后驾驶机动车", TRAFFIC, 91, 1000, 2000, "FS", None, None),
            ("机动车驾驶人违反道路通行规定", TRAFFIC, 90, 20, 200, "WF", None, None),
            ("公路客运车辆载客超过额定乘员", TRAFFIC, 92, 200, 500, "F", None, None),
            ("未取得机动车驾驶证驾驶机动车", TRAFFIC, 99, 200, 2000, "F", "detention", None),
            ("旅馆业工作人员不按规定登记住宿旅客信息", POLICE, 56, 200, 500, "F", "detention",
             None),
        ],
        "inspection": [
            ("旅馆业治安管理检查", "旅馆业治安管理办法", 14),
            ("娱乐场所治安检查", ENTERTAIN, 34),
            ("易制爆危险化学品安全管理检查", HAZCHEM, 6),
        ],
        "licensing": [
            ("旅馆业特种行业许可", "旅馆业治安管理办法", 4),
            ("大型群众性活动安全许可", "大型群众性活动安全管理条例", 11),
            ("焰火晚会烟花爆竹燃放许可", FIREWORKS, 31),
        ],
        "compulsory": [
            ("扣留机动车", TRAFFIC, 95, "seize"),
            ("对醉酒的人约束至酒醒", POLICE, 15, "other"),
        ],
        "misc": [
            ("reward", "见义勇为人员表彰奖励", "山东省见义勇为人员奖励和保障条例", 9),
        ],
    },
    "jtj": {
        "penalty": [
            ("民办学校擅自分立、合并", "中华人民共和国民办教育促进法", 62, 0, 0, "W",
             "revoke_license", None),
            ("未经批准擅自经营高危险性体育项目", "全民健身条例", 36, 10000, 50000, "FC", None, 5),
        ],
        "inspection": [
            ("民办学校办学行为检查", "中华人民共和国民办教育促进法", 41),
            ("经营高危险性体育项目监督检查", "全民健身条例", 35),
        ],
        "licensing": [
            ("民办学校办学许可", "中华人民共和国民办教育促进法", 12),
            ("经营高危险性体育项目许可", "全民健身条例", 32),
        ],
    },
    "mzj": {
        "penalty": [
            ("社会团体未按照规定办理变更登记", "社会团体登记管理条例", 30, 0, 0, "W",
             "revoke_license", None),
            ("殡葬服务单位制造、销售不符合国家技术标准的殡葬设备", "殡葬管理条例", 22, 0, 20000,
             "FC", None, None),
            ("养老机构未按照规定与老年人签订服务协议", "养老机构管理办法", 46, 0, 30000, "WF",
             None, None),
        ],
        "inspection": [
            ("养老机构服务质量监督检查", "养老机构管理办法", 37),
            ("社会组织年度检查", "社会团体登记管理条例", 28),
        ],
        "licensing": [
            ("社会团体成立登记", "社会团体登记管理条例", 9),
        ],
        "misc": [
            ("payment", "最低生活保障金给付", RELIEF, 9),
            ("payment", "临时救助金给付", RELIEF, 47),
        ],
    },
    "swu": {
        "penalty": [
            ("发卡企业未按规定办理单用途商业预付卡备案", "单用途商业预付卡管理办法（试行）", 36,
             10000, 30000, "F", None, None),
            ("回收企业出售不能继续使用的报废机动车零部件", "报废机动车回收管理办法", 21, 20000,
             200000, "FC", "revoke_license", None),
        ],
        "inspection": [
            ("单用途商业预付卡发卡企业检查", "单用途商业预付卡管理办法（试行）", 30),
            ("报废机动车回收企业监督检查", "报废机动车回收管理办法", 18),
        ],
    },
    "fgj": {
        "penalty": [
            ("依法必须进行招标的项目而不招标", "中华人民共和国招标投标法", 49, 5000, 100000, "F",
             None, None),
            ("企业投资项目未依法备案开工建设", "企业投资项目核准和备案管理条例", 19, 20000, 50000,
             "F", None, None),
        ],
        "inspection": [
            ("固定资产投资项目节能审查事中事后检查", "固定资产投资项目节能审查办法", 17),
            ("招标投标活动监督检查", "中华人民共和国招标投标法", 7),
        ],
        "licensing": [
            ("企业投资项目核准", "企业投资项目核准和备案管理条例", 3),
        ],
    },
    "czj": {
        "penalty": [
            ("未按照规定设置会计账簿", "中华人民共和国会计法", 42, 0, 50000, "F", None, None),
            ("代理记账机构未按规定开展代理记账业务", "代理记账管理办法", 28, 0, 30000, "WF", None,
             None),
        ],
        "inspection": [
            ("会计信息质量检查", "中华人民共和国会计法", 33),
            ("政府采购活动监督检查", "中华人民共和国政府采购法", 59),
        ],
        "licensing": [
            ("代理记账许可", "代理记账管理办法", 3),
        ],
    },
    "ybj": {
        "penalty": [
            ("定点医药机构以欺诈、伪造证明材料手段骗取医疗保障基金支出", MEDFUND, 40, 20000,
             500000, "F", None, None),
            ("定点医药机构分解住院、挂床住院", MEDFUND, 38, 10000, 100000, "F", None, None),
            ("个人以骗取医疗保障基金为目的转卖药品", MEDFUND, 41, 2000, 20000, "F", None, None),
        ],
        "inspection": [
            ("医疗保障基金使用监督检查", MEDFUND, 27),
        ],
        "misc": [
            ("payment", "医疗救助金给付", RELIEF, 28),
        ],
    },
    "tyjr": {
        "inspection": [
            ("优抚政策落实情况检查", "中华人民共和国退役军人保障法", 75),
        ],
        "misc": [
            ("payment", "优抚对象抚恤补助金给付", "军人抚恤优待条例", 27),
            ("reward", "退役军人表彰奖励", "中华人民共和国退役军人保障法", 69),
            ("confirmation", "退役军人身份确认", "中华人民共和国退役军人保障法", 17),
        ],
    },
    "tjj": {
        "penalty": [
            ("统计调查对象拒绝提供统计资料", STATS, 41, 0, 50000, "WF", None, None),
            ("统计调查对象迟报统计资料", STATS, 42, 0, 10000, "WF", None, None),
        ],
        "inspection": [
            ("统计执法检查", STATS, 34),
        ],
    },
    "gxj": {
        "penalty": [
            ("用能单位未按照规定配备、使用能源计量器具", ENERGY, 74, 10000, 50000, "F", None, None),
            ("使用国家明令淘汰的用能设备或者生产工艺", ENERGY, 71, 10000, 50000, "FC", "close",
             None),
        ],
        "inspection": [
            ("节能监察", ENERGY, 12),
        ],
    },
    "rfb": {
        "penalty": [
            ("侵占人民防空工程", CIVIL_DEFENCE, 49, 1000, 50000, "WF", None, None),
            ("不按照国家规定修建战时可用于防空的地下室", CIVIL_DEFENCE, 48, 10000, 100000, "F",
             None, None),
        ],
        "inspection": [
            ("人民防空工程维护管理检查", CIVIL_DEFENCE, 25),
        ],
        "licensing": [
            ("拆除人民防空工程审批", CIVIL_DEFENCE, 28),
        ],
        "misc": [
            ("levy", "防空地下室易地建设费征收", CIVIL_DEFENCE, 22),
        ],
    },
    "swju": {
        "penalty": [
            ("纳税人未按照规定期限办理纳税申报和报送纳税资料", TAX, 62, 0, 10000, "F", None, None),
            ("纳税人未按照规定办理税务登记", TAX, 60, 0, 10000, "F", None, None),
            ("违反发票管理规定开具发票", "中华人民共和国发票管理办法", 35, 0, 10000, "FC", None,
             None),
            ("纳税人偷税", TAX, 63, 5000, 500000, "F", None, 5),
        ],
        "inspection": [
            ("税务检查", TAX, 54),
            ("发票使用情况检查", "中华人民共和国发票管理办法", 30),
        ],
        "compulsory": [
            ("税收保全措施（冻结存款）", TAX, 38, "freeze"),
            ("税收强制执行（扣押、查封商品、货物）", TAX, 40, "seize"),
        ],
        "misc": [
            ("levy", "税款征收", TAX, 28),
        ],
    },
    "xfdd": {
        "penalty": [
            ("损坏、挪用或者擅自拆除、停用消防设施、器材", FIRE, 60, 5000, 50000, "F", None, 5),
            ("占用、堵塞、封闭疏散通道、安全出口", FIRE, 60, 5000, 50000, "F", None, 5),
            ("公众聚集场所未经消防安全检查擅自投入使用、营业", FIRE, 58, 30000, 300000, "F",
             "suspend_business", 5),
            ("易燃易爆危险品场所与居住场所设置在同一建筑物内", FIRE, 61, 5000, 50000, "F",
             "suspend_business", 5),
            ("电器产品的安装、使用不符合消防技术标准", FIRE, 66, 0, 500, "WF", None, 5),
        ],
        "inspection": [
            ("消防监督检查", FIRE, 53),
            ("公众聚集场所消防安全抽查", FIRE, 53),
        ],
        "licensing": [
            ("公众聚集场所投入使用、营业前消防安全检查", FIRE, 15),
        ],
        "compulsory": [
            ("临时查封危害公共安全的场所、部位", FIRE, 54, "seal"),
        ],
    },
    "qxj": {
        "penalty": [
            ("雷电防护装置未经设计审核擅自施工", METEO, 45, 50000, 100000, "F", None, None),
            ("危害气象探测环境", "中华人民共和国气象法", 35, 0, 50000, "WF", None, None),
        ],
        "inspection": [
            ("雷电防护装置检测活动监督检查", METEO, 23),
        ],
        "licensing": [
            ("升放无人驾驶自由气球或者系留气球活动审批", "通用航空飞行管制条例", 35),
            ("雷电防护装置设计审核", METEO, 23),
        ],
    },
    "mzzj": {
        "penalty": [
            ("擅自设立宗教活动场所", "宗教事务条例", 71, 0, 30000, "FC", None, None),
        ],
        "inspection": [
            ("宗教活动场所监督检查", "宗教事务条例", 11),
        ],
    },
    "yc": {
        "penalty": [
            ("无烟草专卖零售许可证经营烟草制品零售业务", TOBACCO, 57, 0, 5000, "FC", None, None),
            ("销售非法生产的烟草专卖品", "中华人民共和国烟草专卖法", 33, 1000, 50000, "FC",
             "revoke_license", None),
        ],
        "inspection": [
            ("烟草专卖市场检查", TOBACCO, 46),
        ],
        "licensing": [
            ("烟草专卖零售许可", "中华人民共和国烟草专卖法", 16),
        ],
        "compulsory": [
            ("扣押涉嫌违法的烟草专卖品", TOBACCO, 45, "seize"),
        ],
    },
    "street": {
        "penalty": [
            ("在城市道路两侧和公共场地堆放物料", CITY, 36, 0, 500, "WF", None, None),
            ("在露天场所焚烧垃圾、秸秆", AIR, 119, 500, 2000, "WF", None, None),
            ("农村村民未经批准非法占用土地建设住宅", LAND, 78, 1000, 20000, "F", None, None),
            ("在禁止的时间、地点燃放烟花爆竹", FIREWORKS, 42, 100, 500, "F", None, None),
            ("擅自设置户外广告设施", CITY, 37, 0, 5000, "F", None, None),
        ],
        "inspection": [
            ("街道综合执法巡查检查", CITY, 4),
            ("农村宅基地使用情况检查", LAND, 67),
        ],
        "licensing": [
            ("农村村民宅基地审批", LAND, 62),
        ],
        "compulsory": [
            ("暂扣占道经营物品", "山东省城市建设管理条例", 67, "seize"),
        ],
    },
}

# (key, name, decision abbreviation, type, share of records in %, share of person parties,
#  parent key, USCC registration prefix, catalogue key, region)
# Street region codes are illustrative [check]: load the real 统计用区划代码 before relying on them.
AGENCIES: list[tuple] = [
    ("sfj", "钢城区司法局", "钢司", "supervision_body", 0, 0, None, "11", None, "370117"),
    ("scjg", "钢城区市场监督管理局", "钢市监", "administrative_organ", 14, .15, None, "11", "scjg",
     "370117"),
    ("sthj", "济南市生态环境局钢城分局", "钢环", "administrative_organ", 5, .02, None, "11",
     "sthj", "370117"),
    ("yjgl", "钢城区应急管理局", "钢应急", "administrative_organ", 5, .03, None, "11", "yjgl",
     "370117"),
    ("zhzf", "钢城区综合行政执法局", "钢综执", "administrative_organ", 9, .5, None, "11", "zhzf",
     "370117"),
    ("jtys", "钢城区交通运输局", "钢交", "administrative_organ", 4, .35, None, "11", "jtys",
     "370117"),
    ("wsjk", "钢城区卫生健康局", "钢卫健", "administrative_organ", 4, .15, None, "11", "wsjk",
     "370117"),
    ("rsj", "钢城区人力资源和社会保障局", "钢人社", "administrative_organ", 3, .05, None, "11",
     "rsj", "370117"),
    ("zrzy", "济南市自然资源和规划局钢城分局", "钢自然资源", "administrative_organ", 3, .3, None,
     "11", "zrzy", "370117"),
    ("nync", "钢城区农业农村局", "钢农", "administrative_organ", 3, .3, None, "11", "nync",
     "370117"),
    ("wlj", "钢城区文化和旅游局", "钢文旅", "administrative_organ", 2, .1, None, "11", "wlj",
     "370117"),
    ("zjj", "钢城区住房和城乡建设局", "钢住建", "administrative_organ", 4, .02, None, "11", "zjj",
     "370117"),
    ("swj", "钢城区水务局", "钢水", "administrative_organ", 2, .2, None, "11", "swj", "370117"),
    ("gaj", "济南市公安局钢城分局", "钢公", "administrative_organ", 9, .9, None, "11", "gaj",
     "370117"),
    ("jtj", "钢城区教育和体育局", "钢教体", "administrative_organ", 1, .05, None, "11", "jtj",
     "370117"),
    ("mzj", "钢城区民政局", "钢民", "administrative_organ", 1, .3, None, "11", "mzj", "370117"),
    ("swu", "钢城区商务局", "钢商", "administrative_organ", 1, .05, None, "11", "swu", "370117"),
    ("fgj", "钢城区发展和改革局", "钢发改", "administrative_organ", .5, 0, None, "11", "fgj",
     "370117"),
    ("czj", "钢城区财政局", "钢财", "administrative_organ", .5, .05, None, "11", "czj", "370117"),
    ("ybj", "钢城区医疗保障局", "钢医保", "administrative_organ", 1.5, .3, None, "11", "ybj",
     "370117"),
    ("tyjr", "钢城区退役军人事务局", "钢退役", "administrative_organ", .5, .9, None, "11", "tyjr",
     "370117"),
    ("tjj", "钢城区统计局", "钢统", "administrative_organ", .5, 0, None, "11", "tjj", "370117"),
    ("gxj", "钢城区工业和信息化局", "钢工信", "administrative_organ", .5, 0, None, "11", "gxj",
     "370117"),
    ("rfb", "钢城区人民防空办公室", "钢人防", "administrative_organ", .5, .05, None, "11", "rfb",
     "370117"),
    ("swju", "国家税务总局济南市钢城区税务局", "钢税", "administrative_organ", 4, .2, None, "11",
     "swju", "370117"),
    ("mzzj", "钢城区民族宗教事务局", "钢宗", "administrative_organ", .3, .3, None, "11", "mzzj",
     "370117"),
    ("yc", "钢城区烟草专卖局", "钢烟", "administrative_organ", 1, .4, None, "11", "yc", "370117"),
    ("xfdd", "济南市钢城区消防救援大队", "钢消", "authorized_org", 4, .05, None, "11", "xfdd",
     "370117"),
    ("qxj", "钢城区气象局", "钢气", "authorized_org", .3, .05, None, "12", "qxj", "370117"),
    ("xmsy", "钢城区畜牧兽医事业发展中心", "钢牧", "entrusted_org", 1, .4, "nync", "12", "xmsy",
     "370117"),
    ("glzx", "钢城区公路事业发展中心", "钢公路", "entrusted_org", 1.5, .3, "jtys", "12", "glzx",
     "370117"),
    ("ais", "钢城区艾山街道办事处", "钢艾街", "administrative_organ", 2, .5, None, "11", "street",
     "370117001"),
    ("lix", "钢城区里辛街道办事处", "钢里街", "administrative_organ", 2, .5, None, "11", "street",
     "370117002"),
    ("wey", "钢城区汶源街道办事处", "钢汶街", "administrative_organ", 2, .5, None, "11", "street",
     "370117003"),
    ("yaz", "钢城区颜庄街道办事处", "钢颜街", "administrative_organ", 2, .5, None, "11", "street",
     "370117004"),
    ("xiz", "钢城区辛庄街道办事处", "钢辛街", "administrative_organ", 2, .5, None, "11", "street",
     "370117005"),
]

KIND_SHARE = {"inspection": .38, "penalty": .36, "licensing": .14, "compulsory": .07, "misc": .05}
DOC = {
    "penalty": "罚", "licensing": "许", "compulsory": "强", "levy": "征", "requisition": "征用",
    "payment": "给", "adjudication": "裁", "confirmation": "确", "reward": "奖", "other": "决",
}
PERSON_KINDS = {"payment", "reward", "confirmation"}
HEARING_PENALTIES = {"revoke_license", "suspend_business", "close", "lower_qualification",
                     "restrict_business"}
HARM_RANK = {"none": 0, "minor": 1, "serious": 2}

SURNAMES = ("王张李刘陈杨赵孙高徐马吴朱胡郭何林罗郑梁宋谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢"
            "蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵"
            "孟龙万段亓尹")
MALE = ("伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华",
        "飞", "鑫", "波", "凯", "浩", "峰", "亮", "健", "俊", "建国", "志强", "海涛", "晓东",
        "文博",
        "国栋", "振华", "德明", "庆", "立新", "宏伟", "子豪", "宇航", "俊杰", "兆峰", "传东", "成",
        "建华", "玉森", "继光", "瑞", "晨阳", "家乐", "广利")
FEMALE = ("芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂英", "玲", "燕", "丹", "萍",
          "红", "婷", "雪", "慧", "洁", "琳", "倩", "颖", "晶", "梅", "莉", "翠", "凤英", "欣怡",
          "雨涵", "佳琪", "淑珍", "秀兰", "春梅", "晓燕", "丽娟", "海燕", "文静", "思雨", "梦瑶",
          "玉兰", "美玲", "子涵")
ZIHAO = ("鑫华盛泰恒宏鼎源兴丰达通瑞祥昌隆德信诚安康顺利金润嘉博弘凯宇龙腾远海汇聚佳峰正元新众"
         "合晟卓越航铭辰钢汶莱泉岳齐鲁旺福永益明光天建成久荣茂")
INDUSTRY = ("商贸", "机械", "建材", "餐饮管理", "物流", "化工", "建筑工程", "食品", "科技",
            "汽车维修",
            "农业科技", "物业管理", "运输", "五金", "纺织", "环保科技", "矿业", "医药", "装饰工程",
            "再生资源", "新材料", "冶金", "电气", "热力", "能源", "酒店管理", "文化传媒",
            "教育咨询",
            "房地产开发", "劳务", "家具", "塑料制品", "印刷", "水泥制品", "锻造", "不锈钢制品",
            "畜牧养殖", "果蔬种植", "汽车销售", "钢结构")
ORG_FORMS = ("济南钢城{}{}有限公司", "山东{}{}有限公司", "济南{}{}有限公司钢城分公司",
             "济南市钢城区{}{}有限责任公司")
SHOPS = ("便利店", "饭店", "烧烤店", "五金店", "汽车修理部", "理发店", "水果店", "家常菜馆",
         "批发部",
         "超市", "建材经营部", "装饰材料店", "粮油店", "早餐店", "茶叶店", "服装店", "农资门市部",
         "洗车行", "面馆", "网吧", "酒店", "小吃部", "副食店", "废品收购站", "电动车行")
STREET_NAMES = ("艾山街道", "里辛街道", "汶源街道", "颜庄街道", "辛庄街道")
CROPS = ("蔬菜种植", "果品种植", "花椒种植", "生姜种植", "中药材种植", "粮食种植", "食用菌种植",
         "畜禽养殖", "茶叶种植", "农机服务")
ID_REGIONS = ("370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115",
              "370116", "370124", "370126")
CN_DIGITS = "零一二三四五六七八九"
FOUR_LIST_PREFIX = {"no_penalty": "BYCF", "mitigated": "JQCF", "lighter": "CQCF",
                    "no_compulsion": "MYQZ"}


def cn_number(n: int) -> str:
    """Chinese numerals as in article numbers: 122 → 一百二十二, 110 → 一百一十."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    head, rest = CN_DIGITS[n // 100] + "百", n % 100
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + CN_DIGITS[rest]
    return head + CN_DIGITS[rest // 10] + "十" + (CN_DIGITS[rest % 10] if rest % 10 else "")


def org_code_check(body8: str) -> str:
    """Check character of a 9-character 组织机构代码 (GB 11714) whose first 8 are ``body8``."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w
                for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc(prefix: str, region: str, body8: str) -> str:
    b17 = prefix + region + body8 + org_code_check(body8)
    return b17 + uscc_check_char(b17)


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _nice(x: float) -> int:
    if x <= 0:
        return 0
    mag = 10 ** max(0, int(math.log10(x)) - 1)
    return int(round(x / mag) * mag)


def _coprime(rng: random.Random, modulus: int) -> int:
    while True:
        a = rng.randrange(modulus // 3, modulus) | 1
        if math.gcd(a, modulus) == 1:
            return a


def _workday_table(first: dt.date, last: dt.date) -> bytearray:
    """1 for a working day; the State Council calendar where chinese_calendar knows the year."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - it is a project dependency
        chinese_calendar = None
    out = bytearray()
    d = first
    one = dt.timedelta(days=1)
    while d <= last:
        work = d.weekday() < 5
        if chinese_calendar is not None:
            try:
                work = chinese_calendar.is_workday(d)
            except NotImplementedError:
                pass
        out.append(1 if work else 0)
        d += one
    return out


# --------------------------------------------------------------------------------------------
# The district: agencies, officers, powers and four-list items (small, kept in memory).
# --------------------------------------------------------------------------------------------
@dataclass(eq=False)
class Agency:
    idx: int
    key: str
    code: str
    name: str
    abbr: str
    type: str
    level: str
    region: str
    parent: str | None
    weight: float
    person_share: float
    catalogue: str | None
    live: dict[str, list] = field(default_factory=dict)
    officers: list = field(default_factory=list)
    elig: list = field(default_factory=list)
    slot: int = 0
    slot_offset: int = 0


@dataclass(eq=False)
class Officer:
    cert: str
    name: str
    id_number: str
    agency: Agency
    issued: int
    expires: int
    status: str
    since: int | None
    legal: bool
    oath: int | None
    core: bool


@dataclass(eq=False)
class Power:
    seq: int
    code: str
    name: str
    kind: str
    agency: Agency
    legal_basis: str
    lo: int = 0
    hi: int = 0
    base: str = "F"
    heavy: str | None = None
    tiers: list | None = None
    tier_map: dict | None = None
    cap: int | None = None
    limitation: int | None = None
    measure: str | None = None
    no_penalty: tuple | None = None  # (max harm rank, requires corrected, window days)
    dead: bool = False


@dataclass
class Summary:
    out_dir: str
    seed: int
    start: dt.date
    end: dt.date
    counts: dict = field(default_factory=dict)
    powers_by_kind: dict = field(default_factory=dict)
    four_lists_by_list: dict = field(default_factory=dict)
    records_by_kind: dict = field(default_factory=dict)
    violations: dict = field(default_factory=dict)
    unexercised_powers: list = field(default_factory=list)
    org_pool: int = 0
    person_pool: int = 0


def default_period(year_from: int | None, year_to: int | None,
                   as_of: dt.date = AS_OF) -> tuple[dt.date, dt.date]:
    """First and last day of the data: by default the two years up to ``as_of``."""
    end = as_of if year_to is None else min(dt.date(year_to, 12, 31), as_of)
    start = add_years(as_of, -2) if year_from is None else dt.date(year_from, 1, 1)
    if start >= end:
        raise ValueError(f"empty period: {start} – {end}")
    return start, end


class DistrictGenerator:
    """Builds the district for one seed and streams ``records`` enforcement records."""

    V = 0.015  # share of all records that break each record rule on purpose
    VO = 0.018  # the same for the three officer rules, which every kind can break

    def __init__(self, records: int, seed: int, start: dt.date, end: dt.date):
        self.n_records = records
        self.seed = seed
        self.rng = random.Random(seed)
        self.start, self.end = start, end
        self.s0, self.e0 = start.toordinal(), end.toordinal()
        self.years = (self.e0 - self.s0 + 1) / 365.25
        # Dates as table lookups: the record loop never builds a date object.
        self.base = self.s0 - 6 * 366 - 400
        top = self.e0 + 800
        days = [dt.date.fromordinal(o) for o in range(self.base, top + 1)]
        self.iso = [d.isoformat() for d in days]
        self.year = [d.year for d in days]
        self.month = [d.year * 12 + d.month - 1 for d in days]
        self.work = _workday_table(days[0], days[-1])
        cum, total = [], 0.0
        for o in range(self.s0, self.e0 + 1):
            total += 1.0 if self.work[o - self.base] else 0.12
            cum.append(total)
        self.day_cum, self.day_total = cum, total
        self.docno: dict = {}
        self.slot_count: dict = {}
        self.planned = dict.fromkeys(RULES, 0)
        self._build_agencies()
        self._build_officers()
        self._build_powers()
        self._build_four_lists()
        self._index_powers()
        self._build_pools()
        self._build_scenarios()

    # ---- small helpers ------------------------------------------------------------------
    def d2s(self, o):
        return None if o is None else self.iso[o - self.base]

    def day(self) -> int:
        """An act date in the period; working days about eight times as likely as rest days."""
        return self.s0 + bisect.bisect(self.day_cum, self.rng.random() * self.day_total)

    def day_in(self, lo: int, hi: int) -> int:
        r = self.rng.random
        o = lo + int(r() * (hi - lo + 1))
        if not self.work[o - self.base] and r() < 0.85:
            o = lo + int(r() * (hi - lo + 1))
        return o

    def _cum(self, weights):
        out, t = [], 0.0
        for w in weights:
            t += w
            out.append(t)
        return out

    def pick_weighted(self, items, cum):
        return items[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def _name(self, h: int, male: bool) -> str:
        s = self.surnames[h % len(self.surnames)]
        h //= 97
        pool = MALE if male else FEMALE
        given = pool[h % len(pool)]
        h //= 61
        if len(given) == 1 and h % 3 == 0:
            given = pool[(h // 3) % len(pool)][0] + given
        return s + given

    # ---- agencies -----------------------------------------------------------------------
    def _build_agencies(self):
        rng = self.rng
        # Common surnames more often (rough frequency ranking).
        self.surnames = "".join(c * max(1, 12 - i // 6) for i, c in enumerate(SURNAMES))
        self.agencies: list[Agency] = []
        by_key = {}
        used = set()
        for i, (key, name, abbr, typ, weight, pshare, parent, prefix, cat, region) in \
                enumerate(AGENCIES):
            while True:
                body = f"{rng.randrange(10**8):08d}"
                code = uscc(prefix, REGION, body)
                if code not in used:
                    used.add(code)
                    break
            level = "street" if len(region) > 6 else "district"
            a = Agency(i, key, code, name, abbr, typ, level, region,
                       by_key[parent].code if parent else None, weight, pshare, cat)
            by_key[key] = a
            self.agencies.append(a)
        self.enforcers = [a for a in self.agencies if a.catalogue]

    # ---- officers -----------------------------------------------------------------------
    def _build_officers(self):
        rng = self.rng
        total = max(250, min(1500, self.n_records // 8))
        wsum = sum(a.weight for a in self.enforcers)
        self.officers: list[Officer] = []
        ids = set()
        seq = 0
        day5 = 1826

        def person_id(issued: int) -> tuple[str, bool]:
            last_year = min(2000, dt.date.fromordinal(issued).year - 22)
            while True:
                y = rng.randint(1965, max(1965, last_year))
                b = dt.date(y, 1, 1).toordinal() + rng.randrange(365)
                male = rng.random() < 0.62
                region = REGION if rng.random() < 0.6 else rng.choice(ID_REGIONS)
                s3 = rng.randrange(50) * 20 + rng.randrange(10) * 2 + (1 if male else 0)
                b17 = region + dt.date.fromordinal(b).strftime("%Y%m%d") + f"{s3:03d}"
                idn = b17 + id_check_char(b17)
                if idn not in ids:
                    ids.add(idn)
                    return idn, male

        def add(a: Agency, issued: int, core: bool):
            nonlocal seq
            seq += 1
            idn, male = person_id(issued)
            expires = add_years(dt.date.fromordinal(issued), 5).toordinal() - 1
            status, since, oath = "valid", None, issued + rng.randrange(8)
            if not core:
                u = rng.random()
                if u < 0.015:
                    oath = None
                elif u < 0.15:
                    oath = issued + 15 + rng.randrange(46)
                else:
                    oath = issued + rng.randrange(15)
                u = rng.random()
                if u < 0.07:
                    status = "suspended" if u < 0.04 else "revoked" if u < 0.055 else "lost"
                    lo = max(issued + 30, self.s0 - 365)
                    if rng.random() >= 0.1 and lo < self.e0:
                        since = lo + rng.randrange(self.e0 - lo)
            o = Officer(f"3701172{seq:06d}", self._name(rng.getrandbits(32), male), idn, a,
                        issued, expires, status, since, rng.random() < 0.12, oath, core)
            a.officers.append(o)
            self.officers.append(o)

        for a in self.enforcers:
            n = max(6, round(total * a.weight / wsum))
            g = 0
            # Two certificates per four-year generation, overlapping by a year, so every
            # agency has two valid, sworn officers on every day of any period.
            while True:
                issued = self.s0 - 30 - rng.randrange(270) + g * 1461
                if issued > self.e0:
                    break
                add(a, issued, True)
                add(a, issued - rng.randrange(30), True)
                g += 1
            lo, hi = self.s0 - day5 + 30, self.e0 - 20
            for _ in range(max(0, n - 2 * g)):
                add(a, lo + rng.randrange(hi - lo), False)
        # A few officers who never swore the oath, whatever the draw.
        if sum(1 for o in self.officers if o.oath is None) < 3:
            for o in [o for o in self.officers if not o.core][:3]:
                o.oath = None

        weeks = (self.e0 - self.s0) // 7 + 1
        for a in self.enforcers:
            a.elig = [[] for _ in range(weeks)]
            for o in a.officers:
                if o.oath is None or (o.status != "valid" and o.since is None):
                    continue
                first = max(o.issued, o.oath)
                last = o.expires if o.since is None else min(o.expires, o.since - 1)
                w_lo = max(0, -(-(first - self.s0) // 7))
                w_hi = min(weeks - 1, (last - 6 - self.s0) // 7)
                for w in range(w_lo, w_hi + 1):
                    a.elig[w].append(o.cert)
            assert all(len(x) >= 2 for x in a.elig), a.name

        # Windows in which a record can name an officer who breaks exactly one officer rule.
        self.bad_cert, self.bad_oath = [], []
        for o in self.officers:
            if o.oath is not None:
                if o.status != "valid":
                    lo = max(o.oath, self.s0) if o.since is None else max(o.since, o.oath)
                    self._window(self.bad_cert, o, lo, self.e0)
                self._window(self.bad_cert, o, max(o.expires + 1, o.oath), self.e0)
            valid_to = o.expires if o.since is None else min(o.expires, o.since - 1)
            if o.status != "valid" and o.since is None:
                continue
            late = valid_to if o.oath is None else min(valid_to, o.oath - 1)
            self._window(self.bad_oath, o, o.issued, late)
        self.bad_cert_cum = self._cum(w[2] - w[1] + 1 for w in self.bad_cert)
        self.bad_oath_cum = self._cum(w[2] - w[1] + 1 for w in self.bad_oath)

    def _window(self, out, o, lo, hi):
        lo, hi = max(lo, self.s0), min(hi, self.e0)
        if lo <= hi:
            out.append((o, lo, hi))

    # ---- powers -------------------------------------------------------------------------
    def _build_powers(self):
        rng = self.rng
        self.powers: list[Power] = []
        kinds_w = {k: sum(a.weight for a in self.enforcers if k in CATALOGUE[a.catalogue])
                   for k in KIND_SHARE}
        for a in self.enforcers:
            cat = CATALOGUE[a.catalogue]
            for kind in ("penalty", "inspection", "licensing", "compulsory", "misc"):
                templates = cat.get(kind, [])
                if not templates:
                    continue
                per_year = self.n_records * KIND_SHARE[kind] * a.weight / kinds_w[kind] / self.years
                if kind == "misc":
                    n = len(templates)
                else:
                    # About a dozen acts a year per item, so that an unexercised item is news.
                    n = max(1, min(len(templates) * 4, round(per_year / 12) + 1))
                for i in range(n):
                    self.powers.append(self._power(a, kind, templates[i % len(templates)],
                                                   i // len(templates) + 1))
        # Some items are never exercised (未履职): keep at least one live item per kind.
        by_ak: dict = {}
        for p in self.powers:
            if p.kind in MAIN_KINDS:
                by_ak.setdefault((p.agency.idx, p.kind), []).append(p)
        for group in by_ak.values():
            for p in group[1:]:
                if rng.random() < 0.05:
                    p.dead = True
        if not any(p.dead for p in self.powers):
            group = max(by_ak.values(), key=len)
            if len(group) > 1:
                group[-1].dead = True
            else:
                min(by_ak.values(), key=lambda g: g[0].agency.weight)[0].dead = True
        for p in self.powers:
            if not p.dead:
                key = "misc" if p.kind not in MAIN_KINDS else p.kind
                p.agency.live.setdefault(key, []).append(p)
        self.by_kind = {}
        for kind in KIND_SHARE:
            ags = [a for a in self.enforcers if a.live.get(kind)]
            self.by_kind[kind] = (ags, self._cum(a.weight for a in ags))
        self.insp_agencies = self.by_kind["inspection"][0]

    def _index_powers(self):
        live = [p for p in self.powers if not p.dead]
        self.np_powers = [p for p in live if p.kind == "penalty" and p.no_penalty]
        self.np_window_powers = [p for p in self.np_powers if p.no_penalty[2]]
        self.fine_powers = [p for p in live if p.kind == "penalty" and p.hi > 0]
        self.tier_powers = [p for p in self.fine_powers if p.tiers]
        self.cap_powers = [p for p in live if p.kind == "inspection" and p.cap]
        self.measure_powers = [p for p in live if p.kind == "compulsory" and p.measure != "other"]

    def _power(self, a: Agency, kind: str, t: tuple, variant: int) -> Power:
        rng = self.rng
        seq = len(self.powers) + 1
        if kind == "misc":
            kind, name, law, art = t
        elif kind == "penalty":
            phrase, law, art = t[:3]
            name = f"对{phrase}的行政处罚"
        else:
            name, law, art = t[:3]
        basis = f"《{law}》第{cn_number(art)}条"
        if variant > 1:
            name += f"（子项{cn_number(variant)}）"
            basis += f"第{cn_number(variant)}款"
        p = Power(seq, f"{REGION}{seq:05d}", name, kind, a, basis)
        if kind == "penalty":
            _, _, _, p.lo, p.hi, p.base, p.heavy, p.limitation = t
            if p.hi > 0 and rng.random() < 0.9:
                p.tiers = self._tiers(p.lo, p.hi)
                p.tier_map = {lvl: (mn, mx) for lvl, mn, mx in p.tiers}
        elif kind == "inspection":
            if rng.random() < 0.4:
                p.cap = rng.choice((1, 1, 1, 2, 2, 3, 4))
        elif kind == "compulsory":
            p.measure = t[3]
        return p

    @staticmethod
    def _tiers(lo: int, hi: int) -> list:
        w = hi - lo
        b1, b2 = _nice(lo + 0.3 * w), _nice(lo + 0.7 * w)
        if not lo < b1 < b2 < hi:
            b1, b2 = lo + w * 3 // 10, lo + w * 7 // 10
        tiers = [("lighter", lo, b1), ("general", b1, b2), ("heavier", b2, hi)]
        if lo > 0:
            tiers.insert(0, ("mitigated", _nice(lo * 0.2), lo))
        return tiers

    # ---- four lists ---------------------------------------------------------------------
    def _build_four_lists(self):
        rng = self.rng
        self.four_lists = []
        for p in self.powers:
            phrase = p.name.removeprefix("对").split("的行政处罚")[0]
            if p.kind == "penalty":
                if rng.random() < 0.35:
                    max_harm = rng.choice(("none", "minor"))
                    window = rng.choice((365, 365, 730, None, None, None, None))
                    if max_harm == "minor" or window:
                        req, cond = True, "初次违法且危害后果轻微并及时改正的，可以不予行政处罚"
                    else:
                        req = rng.random() < 0.85
                        cond = ("违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚" if req
                                else "违法行为轻微，没有造成危害后果的，不予行政处罚")
                    if window:
                        cond = f"{cond}（{window}日内首次）"
                    p.no_penalty = (HARM_RANK[max_harm], req, window)
                    self._item("no_penalty", p, f"{phrase}，{cond}", max_harm, req, window)
                if rng.random() < 0.3:
                    self._item("lighter", p,
                               f"{phrase}，主动消除或者减轻违法行为危害后果的，从轻处罚",
                               "minor", True, None)
                if p.tier_map and "mitigated" in p.tier_map and rng.random() < 0.25:
                    self._item("mitigated", p,
                               f"{phrase}，配合行政机关查处违法行为有立功表现的，减轻处罚",
                               "minor", True, None)
            elif p.kind == "compulsory" and rng.random() < 0.4:
                self._item("no_compulsion", p,
                           f"{p.name}：违法行为情节轻微或者社会危害较小，不采取行政强制措施不会危害社会的，"
                           "可以不采取行政强制措施", "minor", True, None)

    def _item(self, lst, p, description, max_harm, req, window):
        self.four_lists.append({
            "code": f"{FOUR_LIST_PREFIX[lst]}-{p.seq:05d}", "list": lst, "power": p.code,
            "description": description, "max_harm": max_harm, "requires_corrected": req,
            "first_offense_window_days": window,
        })

    # ---- parties ------------------------------------------------------------------------
    def _build_pools(self):
        rng = self.rng
        # Inspections follow a rota: agency a inspects party q in month m only when
        # q ≡ 3·rank(a) + m (mod M). Two agencies then meet the same party at least three
        # months apart, so repeat_inspection and inspection_cap fire only where planted.
        ins = self.insp_agencies
        self.M = 3 * (len(ins) + 1)
        months = max(1, (self.e0 - self.s0 + 1) / 30.44)
        wsum = sum(a.weight for a in ins)
        busiest = max(a.weight for a in ins) / wsum
        per_month = self.n_records * KIND_SHARE["inspection"] * busiest / months
        self.S = int(per_month * 1.3) + 12
        self.org_pool = self.M * self.S
        self.stride = next(p for p in (7919, 7927, 7933) if self.S % p)
        for rank, a in enumerate(ins):
            a.slot = 3 * rank
            a.slot_offset = rng.randrange(self.S)
        self.person_pool = max(1000, self.n_records // 3)
        self.birth0 = dt.date(1950, 1, 1).toordinal()
        self.birth_days = dt.date(2005, 12, 31).toordinal() - self.birth0 + 1
        self.k_num = _coprime(rng, 10**8)
        self.k_ma = _coprime(rng, 31**5)
        self.k_name = _coprime(rng, len(ZIHAO) ** 2 * len(INDUSTRY) * len(ORG_FORMS))
        self.k_pid = _coprime(rng, self.birth_days * 1000)
        self.k_pid2 = _coprime(rng, self.birth_days * 1000 * len(ID_REGIONS))
        self.add = [rng.randrange(10**9) for _ in range(6)]
        self.org = lru_cache(maxsize=1 << 13)(self._org)
        self.person = lru_cache(maxsize=1 << 13)(self._person)

    def _org(self, k: int) -> dict:
        t = k % 20
        typ = "1" if t < 15 else "2" if t < 19 else "3"
        if k % 3 == 0:
            x = (k * self.k_ma + self.add[0]) % 31**5
            body = "MA3"
            for _ in range(5):
                body += USCC_ALPHABET[x % 31]
                x //= 31
        else:
            body = f"{(k * self.k_num + self.add[1]) % 10**8:08d}"
        n = len(ZIHAO)
        x = (k * self.k_name + self.add[2]) % (n * n * len(INDUSTRY) * len(ORG_FORMS))
        zihao = ZIHAO[x % n] + ZIHAO[(x // n) % n]
        x //= n * n
        if typ == "1":
            name = ORG_FORMS[(x // len(INDUSTRY)) % len(ORG_FORMS)].format(
                zihao, INDUSTRY[x % len(INDUSTRY)])
        elif typ == "2":
            shop = SHOPS[x % len(SHOPS)]
            name = (f"济南市钢城区{zihao}{shop}" if x % 2 else
                    f"钢城区{STREET_NAMES[x % 5]}{zihao}{shop}")
        else:
            name = f"济南市钢城区{zihao}{CROPS[x % len(CROPS)]}专业合作社"
        return {"type": "organization", "id": uscc("9" + typ, REGION, body), "name": name}

    def _person(self, k: int) -> dict:
        if k % 4:
            x = (k * self.k_pid + self.add[3]) % (self.birth_days * 1000)
            region = REGION
        else:
            x = (k * self.k_pid2 + self.add[4]) % (self.birth_days * 1000 * len(ID_REGIONS))
            region = ID_REGIONS[x % len(ID_REGIONS)]
            x //= len(ID_REGIONS)
        s3, day = x % 1000, x // 1000
        b17 = region + dt.date.fromordinal(self.birth0 + day).strftime("%Y%m%d") + f"{s3:03d}"
        h = (k * 2654435761 + self.add[5]) % 4294967291
        name = self._name(h, s3 % 2 == 1)
        return {"type": "person", "id": b17 + id_check_char(b17), "name": name}

    def any_org(self) -> dict:
        return self.org(int(self.rng.random() * self.org_pool))

    def any_person(self) -> dict:
        return self.person(int(self.rng.random() * self.person_pool))

    def party_for(self, a: Agency, kind: str = "penalty") -> dict:
        if kind in PERSON_KINDS or self.rng.random() < a.person_share:
            return self.any_person()
        return self.any_org()

    def rota_party(self, a: Agency, d: int) -> dict:
        m = self.month[d - self.base]
        key = (a.idx, m)
        c = self.slot_count.get(key, 0)
        self.slot_count[key] = c + 1
        j = (c * self.stride + a.slot_offset) % self.S
        return self.org((a.slot + m) % self.M + self.M * j)

    # ---- record pieces ------------------------------------------------------------------
    def officers_on(self, a: Agency, d: int) -> list[str]:
        r = self.rng.random
        pool = a.elig[(d - self.s0) // 7]
        n = len(pool)
        i = int(r() * n)
        j = int(r() * (n - 1))
        if j >= i:
            j += 1
        out = [pool[i], pool[j]]
        if n > 2 and r() < 0.12:
            k = int(r() * n)
            if k != i and k != j:
                out.append(pool[k])
        return out

    def doc_no(self, a: Agency, doc: str, o: int) -> str:
        y = self.year[o - self.base]
        key = (a.idx, doc, y)
        n = self.docno.get(key, 0) + 1
        self.docno[key] = n
        return f"{a.abbr}{doc}〔{y}〕{n}号"

    def choose_agency(self, kind: str) -> Agency:
        ags, cum = self.by_kind[kind]
        return self.pick_weighted(ags, cum)

    def choose_power(self, a: Agency, kind: str) -> Power:
        ps = a.live[kind]
        return ps[int(self.rng.random() * len(ps))]

    def blank(self, kind, a, p, party, officers):
        return {
            "id": None, "kind": kind, "agency": a.code, "power": p.code, "party": party,
            "business": party["type"] == "organization", "procedure": None, "officers": officers,
            "violation_on": None, "action_on": None, "filed_on": None, "decided_on": None,
            "decision_no": None, "penalties": None, "fine": None, "discretion": None,
            "harm": None, "corrected": None, "major": False, "legal_review_on": None,
            "hearing_notified": False, "extended": False, "served_on": None,
            "disclosed_on": None, "measure": None, "measure_end_on": None,
            "measure_extended": False, "closed_on": None,
        }

    def late(self, o):
        """``o`` when it has happened by the end of the period, else None (not yet)."""
        return o if o is not None and o <= self.e0 else None

    # ---- kinds --------------------------------------------------------------------------
    def inspection(self, a=None, d=None, p=None, party=None):
        a = a or self.choose_agency("inspection")
        p = p or self.choose_power(a, "inspection")
        d = self.day() if d is None else d
        rec = self.blank("inspection", a, p, party or self.rota_party(a, d),
                         self.officers_on(a, d))
        rec["action_on"] = self.d2s(d)
        return rec

    def licensing(self, a=None, d=None, disclose_late=False):
        r = self.rng.random
        a = a or self.choose_agency("licensing")
        p = self.choose_power(a, "licensing")
        d = self.day() if d is None else d
        party = self.any_person() if r() < 0.15 else self.any_org()
        rec = self.blank("licensing", a, p, party, self.officers_on(a, d))
        if party["type"] == "person":
            rec["business"] = r() < 0.7
        decided = self.late(d + 1 + int(r() * 20))
        rec["filed_on"] = self.d2s(d)
        if decided is not None:
            rec["decided_on"] = self.d2s(decided)
            rec["decision_no"] = self.doc_no(a, "许", decided)
            rec["served_on"] = self.d2s(self.late(decided + int(r() * 4)))
            gap = 20 + int(r() * 40) if disclose_late else 1 + int(r() * 6)
            rec["disclosed_on"] = self.d2s(self.late(decided + gap))
        return rec

    def compulsory(self, a=None, d=None, p=None, too_long=False):
        r = self.rng.random
        a = a or self.choose_agency("compulsory")
        p = p or self.choose_power(a, "compulsory")
        d = self.day() if d is None else d
        party = self.party_for(a)
        rec = self.blank("compulsory", a, p, party, self.officers_on(a, d))
        rec["action_on"] = self.d2s(d)
        rec["measure"] = p.measure
        extended = r() < (0.4 if too_long else 0.1)
        if p.measure == "other":
            length = 1 + int(r() * 10)
            extended = False
        elif too_long:
            length = (63 + int(r() * 30)) if extended else (33 + int(r() * 28))
        else:
            length = (31 + int(r() * 30)) if extended else (3 + int(r() * 28))
        end = self.late(d + length)
        rec["measure_extended"] = extended
        rec["measure_end_on"] = self.d2s(end)
        if end is not None:
            rec["closed_on"] = self.d2s(self.late(end + int(r() * 10)))
        return rec

    def misc(self, a=None, d=None):
        r = self.rng.random
        a = a or self.choose_agency("misc")
        p = self.choose_power(a, "misc")
        d = self.day() if d is None else d
        party = self.party_for(a, p.kind)
        rec = self.blank(p.kind, a, p, party, self.officers_on(a, d))
        if p.kind in PERSON_KINDS:
            rec["business"] = False
        rec["filed_on"] = self.d2s(d)
        decided = self.late(d + 1 + int(r() * 30))
        if decided is not None:
            rec["decided_on"] = self.d2s(decided)
            rec["decision_no"] = self.doc_no(a, DOC[p.kind], decided)
            rec["served_on"] = self.d2s(self.late(decided + int(r() * 6)))
        return rec

    def summary_ok(self, p: Power, party: dict) -> bool:
        limit = 200 if party["type"] == "person" else 3000
        return p.base in ("F", "WF", "FC") and p.lo <= limit

    def penalty(self, a=None, d=None, p=None, party=None, *, procedure=None, harm=None,
                corrected=None, pens=None, tier=None, fine=None, violation_on=None,
                decide_gap=None, serve_gap=None, disclose_gap=None, no_penalty="avoid",
                major=None, hearing=None, waive=True):
        """One 行政处罚 case. Keyword arguments force a field; the rest is drawn so that the
        record breaks no rule unless a forced field does."""
        r = self.rng.random
        a = a or (p.agency if p else self.choose_agency("penalty"))
        p = p or self.choose_power(a, "penalty")
        d = self.day() if d is None else d
        party = party or self.party_for(a)
        rec = self.blank("penalty", a, p, party, self.officers_on(a, d))
        person = party["type"] == "person"
        if person:
            rec["business"] = a.key not in ("gaj", "mzj") and r() < 0.45
        if procedure is None:
            procedure = "summary" if self.summary_ok(p, party) and r() < 0.4 else "general"
        rec["procedure"] = procedure
        summary = procedure == "summary"

        # Tier, harm and correction go together: a heavier tier for serious harm.
        if tier is None and p.tiers and not summary:
            u = r()
            tier = ("mitigated" if u < 0.08 else "lighter" if u < 0.35 else
                    "general" if u < 0.8 else "heavier")
            if tier not in p.tier_map:
                tier = "lighter"
        if harm is None:
            u = r()
            if tier == "heavier":
                harm = "serious" if u < 0.7 else "minor"
            elif tier in ("lighter", "mitigated"):
                harm = "serious" if u < 0.15 else "minor" if u < 0.65 else "none"
            else:
                harm = "serious" if u < 0.4 else "minor" if u < 0.9 else "none"
        if corrected is None:
            corrected = r() < (0.9 if tier in ("lighter", "mitigated") else 0.7)
        waived = False
        if p.no_penalty and no_penalty == "avoid":
            max_rank, req, _ = p.no_penalty
            if HARM_RANK[harm] <= max_rank and (corrected or not req):
                # The no-penalty list applies: decide 不予处罚, or the facts make it not apply.
                if waive and pens is None and not summary and r() < 0.5:
                    waived = True
                elif req and r() < 0.6:
                    corrected = False
                else:
                    harm = "serious"
        rec["harm"], rec["corrected"] = harm, corrected

        if pens is None and not waived:
            u = r()
            base = p.base
            if summary:
                pens = ["warning"] if base == "WF" and u < 0.3 else ["fine"]
            elif base == "F":
                pens = ["fine"]
            elif base == "WF":
                pens = ["warning"] if u < 0.25 else ["fine"] if u < 0.85 else ["warning", "fine"]
            elif base == "FC":
                pens = ["fine"] if u < 0.6 else ["fine", "confiscation"]
            elif base == "D":
                pens = ["detention"] if u < 0.5 else ["fine", "detention"]
            elif base == "FS":
                pens = ["fine", "suspend_license"]
            else:
                pens = ["warning"]
            if p.heavy and not summary and tier in ("general", "heavier") and r() < 0.07:
                pens = pens + [p.heavy]
        rec["penalties"] = pens
        if pens and "fine" in pens:
            if fine is None:
                if summary:
                    limit = 200 if person else 3000
                    usual = (20, 50, 100, 200) if person else (200, 500, 1000, 2000, 3000)
                    opts = [x for x in usual if p.lo <= x <= min(limit, p.hi)] or \
                        [min(limit, max(p.lo, 1))]
                    fine = opts[int(r() * len(opts))]
                elif tier:
                    fine = self.amount(*p.tier_map[tier])
                else:
                    fine = self.amount(p.lo, p.hi)
            rec["fine"] = fine
            if not summary:
                rec["discretion"] = tier
        elif waived:
            rec["penalties"] = None

        # Dates: violation, 立案, decision within 90 days, service and disclosure within days.
        if violation_on is None:
            u = r()
            if summary:
                gap = int(r() * 4)
            elif u < 0.6:
                gap = int(r() * 30)
            else:
                gap = 30 + int(r() * 150) if u < 0.95 else 180 + int(r() * 270)
            violation_on = d - gap
        rec["violation_on"] = self.d2s(violation_on)
        rec["filed_on"] = self.d2s(d)
        if summary:
            decided = d
        elif decide_gap is not None:
            decided = self.late(d + decide_gap)
        else:
            u = r()
            if u < 0.03:
                rec["extended"] = True
                decided = self.late(d + 91 + int(r() * 60))
            elif u < 0.05:
                # 撤销立案: closed without a decision.
                rec["closed_on"] = self.d2s(self.late(d + 10 + int(r() * 50)))
                decided = None
            else:
                decided = self.late(d + 3 + int(r() * r() * 82))
        big = rec["fine"] is not None and rec["fine"] >= 100000
        heavy = bool(pens) and any(x in HEARING_PENALTIES for x in pens)
        if major is None:
            major = not summary and (big or heavy or r() < 0.02)
        rec["major"] = major
        if decided is not None:
            rec["decided_on"] = self.d2s(decided)
            rec["decision_no"] = self.doc_no(a, "罚" if rec["penalties"] else "不罚", decided)
            sg = serve_gap
            if sg is None:
                sg = 0 if summary or r() < 0.3 else 1 + int(r() * 5)
            rec["served_on"] = self.d2s(self.late(decided + sg))
            dg = disclose_gap if disclose_gap is not None else 1 + int(r() * 6)
            rec["disclosed_on"] = self.d2s(self.late(decided + dg))
            if major:
                rec["legal_review_on"] = self.d2s(max(d, decided - 1 - int(r() * 7)))
            rec["closed_on"] = self.d2s(self.late(decided + 15 + int(r() * 45)))
        if hearing is None:
            hearing = self.needs_hearing(rec) or (not summary and r() < 0.6)
        rec["hearing_notified"] = hearing
        return rec

    def amount(self, mn: int, mx: int):
        r = self.rng.random
        step = 100 if mx >= 20000 else 10 if mx >= 1000 else 1
        k0, k1 = max(1, -(-mn // step)), mx // step
        if k0 > k1:
            step, k0, k1 = 1, max(1, mn), mx
        fine = (k0 + int(r() * (k1 - k0 + 1))) * step
        if fine <= mx - 1 and r() < 0.03:
            return round(fine + int(r() * 99 + 1) / 100, 2)
        return fine

    @staticmethod
    def needs_hearing(rec) -> bool:
        pens = rec["penalties"] or ()
        if any(x in HEARING_PENALTIES for x in pens):
            return True
        fine = rec["fine"]
        if fine is None:
            return False
        if rec["party"]["type"] == "person":
            return fine >= (3000 if rec["business"] else 1000)
        return fine >= (10000 if rec["business"] else 5000)

    # ---- scenarios: each returns [(record, rule broken or None), ...] --------------------
    def _build_scenarios(self):
        V, VO = self.V, self.VO
        two_kinds = {k: KIND_SHARE[k] for k in ("penalty", "compulsory", "inspection")}
        t2 = sum(two_kinds.values())
        consumed = dict.fromkeys(KIND_SHARE, 0.0)
        for k, s in KIND_SHARE.items():
            consumed[k] += 2 * VO * s + VO * two_kinds.get(k, 0) / t2
        consumed["penalty"] += V * (9.7 + 2) + 0.012
        consumed["licensing"] += 0.3 * V
        consumed["compulsory"] += V
        consumed["inspection"] += V + 2.7 * V
        pen_clean = KIND_SHARE["penalty"] - consumed["penalty"]
        consumed["inspection"] += 0.2 * pen_clean
        table = [
            (self.s_inspection, KIND_SHARE["inspection"] - consumed["inspection"], 1),
            (self.s_penalty, pen_clean, 1.2),
            (self.s_licensing, KIND_SHARE["licensing"] - consumed["licensing"], 1),
            (self.s_compulsory, KIND_SHARE["compulsory"] - consumed["compulsory"], 1),
            (self.s_misc, KIND_SHARE["misc"] - consumed["misc"], 1),
            (self.v_officer_certificate, VO, 1), (self.v_two_officers, VO, 1),
            (self.v_oath_missing, VO, 1), (self.v_no_penalty_list, 1.25 * V, 1.2),
            (self.v_discretion_range, V, 1), (self.v_legal_review, V, 1),
            (self.v_hearing_notice, V, 1), (self.v_decision_deadline, V, 1),
            (self.v_service_deadline, V, 1), (self.v_disclosure_deadline, V, 1),
            (self.v_compulsory_duration, V, 1), (self.v_summary_procedure, V, 1),
            (self.v_double_fine, 2 * V, 2), (self.v_limitation, V, 1),
            (self.v_repeat_inspection, V, 2), (self.v_inspection_cap, 2.7 * V, 2.7),
            (self.s_first_offense, 0.012, 2),
        ]
        self.scen = [t[0] for t in table]
        self.scen_cum = self._cum(max(0.0, t[1]) / t[2] for t in table)

    def s_inspection(self):
        return [(self.inspection(), None)]

    def s_penalty(self):
        a = self.choose_agency("penalty")
        if a.live.get("inspection") and self.rng.random() < 0.2:
            # 检查发现违法 → 立案: an inspection of the same party shortly before.
            d0 = self.day_in(self.s0, self.e0 - 20)
            ins = self.inspection(a, d0)
            pen = self.penalty(a, d0 + 1 + int(self.rng.random() * 15), party=ins["party"])
            return [(ins, None), (pen, None)]
        return [(self.penalty(a), None)]

    def s_licensing(self):
        return [(self.licensing(), None)]

    def s_compulsory(self):
        return [(self.compulsory(), None)]

    def s_misc(self):
        return [(self.misc(), None)]

    def any_kind(self, a=None, d=None, kinds=tuple(KIND_SHARE)):
        """A clean record of a kind drawn by share (for ``a``: among its kinds)."""
        if a is not None:
            kinds = tuple(k for k in kinds if a.live.get(k)) or tuple(a.live)
        ws = [KIND_SHARE[k] for k in kinds]
        kind = kinds[bisect.bisect(self._cum(ws), self.rng.random() * sum(ws))]
        if a is None:
            a = self.choose_agency(kind)
        if kind == "penalty":
            return self.penalty(a, d)
        return getattr(self, kind)(a, d)

    def v_officer_certificate(self):
        r = self.rng.random
        u = r()
        if u < 0.6 or not self.bad_cert:
            rec = self.any_kind()
            if u < 0.3 or not self.bad_cert:
                bogus = (f"3701172{900000 + int(r() * 99999):06d}" if r() < 0.7
                         else f"3701162{int(r() * 3000):06d}")
                rec["officers"][-1] = bogus
            else:
                own = rec["agency"]
                d = self._act(rec)
                other = self.enforcers[int(r() * len(self.enforcers))]
                while other.code == own:
                    other = self.enforcers[int(r() * len(self.enforcers))]
                pool = other.elig[(d - self.s0) // 7]
                rec["officers"][-1] = pool[int(r() * len(pool))]
        else:
            o, lo, hi = self.pick_weighted(self.bad_cert, self.bad_cert_cum)
            rec = self.any_kind(o.agency, self.day_in(lo, hi))
            rec["officers"][-1] = o.cert
        return [(rec, "officer_certificate")]

    def _act(self, rec) -> int:
        s = rec["action_on"] or rec["filed_on"] or rec["decided_on"]
        return dt.date.fromisoformat(s).toordinal()

    def v_two_officers(self):
        rec = self.any_kind(kinds=("penalty", "compulsory", "inspection"))
        offs = rec["officers"]
        rec["officers"] = [offs[0]] if self.rng.random() < 0.7 else [offs[0], offs[0]]
        return [(rec, "two_officers")]

    def v_oath_missing(self):
        o, lo, hi = self.pick_weighted(self.bad_oath, self.bad_oath_cum)
        rec = self.any_kind(o.agency, self.day_in(lo, hi))
        rec["officers"][-1] = o.cert
        return [(rec, "oath_missing")]

    def v_no_penalty_list(self):
        r = self.rng.random
        if self.np_window_powers and r() < 0.2:
            # An earlier penalty outside the window does not stop the "first violation".
            p = self.np_window_powers[int(r() * len(self.np_window_powers))]
            window = p.no_penalty[2]
            last = self.e0 - window - 200
            if last > self.s0:
                party = self.party_for(p.agency)
                d1 = self.day_in(self.s0, last)
                first = self.penalty(p.agency, d1, p, party, procedure="general", harm="serious",
                                     decide_gap=5 + int(r() * 25))
                decided1 = dt.date.fromisoformat(first["decided_on"]).toordinal()
                d2 = decided1 + window + 20 + int(r() * 100)
                second = self._np_breach(p, d2, party)
                return [(first, None), (second, "no_penalty_list")]
        if not self.np_powers:
            return self.s_penalty()
        p = self.np_powers[int(r() * len(self.np_powers))]
        return [(self._np_breach(p, self.day_in(self.s0, self.e0 - 40)), "no_penalty_list")]

    def _np_breach(self, p, d, party=None):
        max_rank, _, _ = p.no_penalty
        harm = "none" if max_rank == 0 or self.rng.random() < 0.4 else "minor"
        return self.penalty(p.agency, d, p, party, harm=harm, corrected=True,
                            decide_gap=3 + int(self.rng.random() * 30), no_penalty="break",
                            procedure="general" if p.base in ("D", "FS") else None)

    def s_first_offense(self):
        """A repeat offender inside the window: the no-penalty list does not apply."""
        r = self.rng.random
        if not self.np_window_powers:
            return self.s_penalty()
        p = self.np_window_powers[int(r() * len(self.np_window_powers))]
        window = p.no_penalty[2]
        party = self.party_for(p.agency)
        d1 = self.day_in(self.s0, self.e0 - 120)
        first = self.penalty(p.agency, d1, p, party, procedure="general", harm="serious",
                             decide_gap=5 + int(r() * 25))
        decided1 = self.late(self._decided(first))
        if decided1 is None:
            return [(first, None)]
        d2 = min(self.e0 - 40, decided1 + 10 + int(r() * (window - 60)))
        if d2 <= decided1:
            return [(first, None)]
        max_rank, _, _ = p.no_penalty
        second = self.penalty(p.agency, d2, p, party, procedure="general",
                              harm="none" if max_rank == 0 else "minor", corrected=True,
                              decide_gap=1 + int(r() * 20), no_penalty="break")
        return [(first, None), (second, None)]

    def _decided(self, rec):
        s = rec["decided_on"]
        return None if s is None else dt.date.fromisoformat(s).toordinal()

    def v_discretion_range(self):
        r = self.rng.random
        if not self.tier_powers:
            return self.s_penalty()
        p = self.tier_powers[int(r() * len(self.tier_powers))]
        pens = ["fine"] if p.base != "D" else ["fine", "detention"]
        rec = self.penalty(p.agency, None, p, procedure="general", pens=pens)
        mn, mx = p.tier_map[rec["discretion"]]
        delta = max(1, _nice((mx - mn) * (0.05 + 0.3 * r())))
        rec["fine"] = mx + delta if mn - delta < 0 or r() < 0.6 else mn - delta
        rec["hearing_notified"] = True
        return [(rec, "discretion_range")]

    def v_legal_review(self):
        r = self.rng.random
        rec = self.penalty(procedure="general", decide_gap=10 + int(r() * 60), major=True,
                           d=self.day_in(self.s0, self.e0 - 90))
        decided = self._decided(rec)
        if r() < 0.6:
            rec["legal_review_on"] = None
        else:
            rec["legal_review_on"] = self.d2s(self.late(decided + 1 + int(r() * 6)))
        return [(rec, "legal_review")]

    def v_hearing_notice(self):
        r = self.rng.random
        p = self.fine_powers[int(r() * len(self.fine_powers))]
        rec = self.penalty(p.agency, None, p, procedure="general", hearing=False, waive=False)
        if self.needs_hearing(rec):
            return [(rec, "hearing_notice")]
        thr = {("person", False): 1000, ("person", True): 3000,
               ("organization", False): 5000, ("organization", True): 10000}[
            (rec["party"]["type"], rec["business"])]
        mx = p.tier_map[rec["discretion"]][1] if rec["discretion"] else p.hi
        mn = p.tier_map[rec["discretion"]][0] if rec["discretion"] else p.lo
        if rec["penalties"] and "fine" in rec["penalties"] and mx >= thr:
            rec["fine"] = self.amount(max(mn, thr), mx)
        else:
            heavy = p.heavy if p.heavy in HEARING_PENALTIES else "suspend_business"
            rec["penalties"] = (rec["penalties"] or ["warning"]) + [heavy]
        return [(rec, "hearing_notice")]

    def v_decision_deadline(self):
        r = self.rng.random
        d = self.day_in(self.s0, self.e0 - 160)
        if r() < 0.25:
            rec = self.penalty(d=d, procedure="general", decide_gap=10**6)  # still open
            rec["closed_on"] = None
        else:
            rec = self.penalty(d=d, procedure="general", decide_gap=95 + int(r() * 60))
        rec["extended"] = False
        return [(rec, "decision_deadline")]

    def v_service_deadline(self):
        r = self.rng.random
        rec = self.penalty(d=self.day_in(self.s0, self.e0 - 150), procedure="general",
                           decide_gap=3 + int(r() * 60),
                           serve_gap=10**6 if r() < 0.2 else 20 + int(r() * 30))
        return [(rec, "service_deadline")]

    def v_disclosure_deadline(self):
        r = self.rng.random
        gap = 10**6 if r() < 0.3 else 20 + int(r() * 45)
        if r() < 0.3:
            rec = self.licensing(d=self.day_in(self.s0, self.e0 - 90), disclose_late=True)
            if gap == 10**6:
                rec["disclosed_on"] = None
        else:
            rec = self.penalty(d=self.day_in(self.s0, self.e0 - 150), procedure="general",
                               decide_gap=3 + int(r() * 60), disclose_gap=gap)
        return [(rec, "disclosure_deadline")]

    def v_compulsory_duration(self):
        p = self.measure_powers[int(self.rng.random() * len(self.measure_powers))]
        rec = self.compulsory(p.agency, self.day_in(self.s0, self.e0 - 100), p, too_long=True)
        return [(rec, "compulsory_duration")]

    def v_summary_procedure(self):
        r = self.rng.random
        p = self.fine_powers[int(r() * len(self.fine_powers))]
        rec = self.penalty(p.agency, None, p, procedure="summary", pens=["fine"])
        person = rec["party"]["type"] == "person"
        if r() < 0.25:
            rec["penalties"] = ["fine", "confiscation"]
        else:
            # Over the summary limit, still under the hearing threshold.
            rec["fine"] = ((300, 500, 800) if person else (3500, 4000, 4800))[int(r() * 3)]
        return [(rec, "summary_procedure")]

    def v_double_fine(self):
        r = self.rng.random
        p = self.fine_powers[int(r() * len(self.fine_powers))]
        party = self.party_for(p.agency)
        d1 = self.day_in(self.s0, self.e0 - 200)
        pens = ["fine"] if p.base != "D" else ["fine", "detention"]
        v = d1 - 5 - int(r() * 30)
        first = self.penalty(p.agency, d1, p, party, procedure="general", harm="serious",
                             pens=pens, violation_on=v, decide_gap=5 + int(r() * 30))
        d2 = self._decided(first) + 5 + int(r() * 60)
        second = self.penalty(p.agency, d2, p, party, procedure="general", harm="serious",
                              pens=pens, violation_on=v, decide_gap=3 + int(r() * 30))
        return [(first, None), (second, "double_fine")]

    def v_limitation(self):
        r = self.rng.random
        rec = self.penalty(procedure="general")
        filed = dt.date.fromisoformat(rec["filed_on"])
        years = 5 if self._power_of(rec).limitation == 5 else 2
        v = add_years(filed, -years).toordinal() - 10 - int(r() * 300)
        rec["violation_on"] = self.d2s(v)
        return [(rec, "limitation")]

    def _power_of(self, rec) -> Power:
        return self.powers[int(rec["power"][len(REGION):]) - 1]

    def v_repeat_inspection(self):
        r = self.rng.random
        first = self.inspection()
        d = self._act(first)
        a = first["agency"]
        b = self.choose_agency("inspection")
        for _ in range(20):
            if b.code != a:
                break
            b = self.choose_agency("inspection")
        if b.code == a:
            return [(first, None)]
        d2 = self.day_in(max(self.s0, d - 29), min(self.e0, d + 29))
        second = self.inspection(b, d2, party=first["party"])
        pair = [(first, "repeat_inspection"), (second, "repeat_inspection")]
        return pair if r() < 0.5 else pair[::-1]

    def v_inspection_cap(self):
        r = self.rng.random
        if not self.cap_powers:
            return self.s_inspection()
        p = self.cap_powers[int(r() * len(self.cap_powers))]
        a = p.agency
        d = self.day()
        party = self.rota_party(a, d)
        first = dt.date.fromordinal(d).replace(day=1).toordinal()
        lo, hi = max(self.s0, first), min(self.e0, first + 27)
        dates = sorted(self.day_in(lo, hi) for _ in range(p.cap + 1))
        out = [(self.inspection(a, x, p, party), None) for x in dates]
        out[-1] = (out[-1][0], "inspection_cap")
        return out

    # ---- output -------------------------------------------------------------------------
    def district_rows(self):
        yield "agencies", [
            {"code": a.code, "name": a.name, "type": a.type, "level": a.level,
             "region": a.region, "parent": a.parent} for a in self.agencies]
        yield "officers", [
            {"certificate": o.cert, "name": o.name, "id_number": o.id_number,
             "agency": o.agency.code, "issued_on": dt.date.fromordinal(o.issued).isoformat(),
             "expires_on": dt.date.fromordinal(o.expires).isoformat(), "status": o.status,
             "status_since": None if o.since is None else dt.date.fromordinal(o.since).isoformat(),
             "legal_qualification": o.legal,
             "oath_on": None if o.oath is None else dt.date.fromordinal(o.oath).isoformat()}
            for o in self.officers]
        yield "powers", [
            {"code": p.code, "name": p.name, "kind": p.kind, "agency": p.agency.code,
             "legal_basis": p.legal_basis,
             "discretion": None if not p.tiers else
             [{"level": lvl, "min": mn, "max": mx} for lvl, mn, mx in p.tiers],
             "annual_inspection_cap": p.cap, "limitation_years": p.limitation}
            for p in self.powers]
        yield "four_lists", self.four_lists

    def records(self):
        """Yield (record, rule broken on purpose or None) until ``records`` were produced."""
        scen, cum, rand = self.scen, self.scen_cum, self.rng.random
        total = cum[-1]
        n = 0
        prefix = f"GC-{self.seed}-"
        while n < self.n_records:
            for rec, rule in scen[bisect.bisect(cum, rand() * total)]():
                if n >= self.n_records:
                    break
                n += 1
                rec["id"] = f"{prefix}{n:07d}"
                yield rec, rule


def generate(out_dir: str | Path, *, records: int = 10000, seed: int = 1,
             start: dt.date | None = None, end: dt.date | None = None) -> Summary:
    """Write the five contract files for one synthetic district into ``out_dir``."""
    if start is None or end is None:
        d_start, d_end = default_period(None, None)
        start, end = start or d_start, end or d_end
    if records < 0:
        raise ValueError("records must be ≥ 0")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = DistrictGenerator(records, seed, start, end)
    summary = Summary(str(out), seed, start, end)
    opt = orjson.OPT_APPEND_NEWLINE
    for name, rows in gen.district_rows():
        with open(out / f"{name}.jsonl", "wb") as f:
            f.write(b"".join(orjson.dumps(row, option=opt) for row in rows))
        summary.counts[name] = len(rows)
    by_kind: dict = {}
    planned = dict.fromkeys(RULES, 0)
    used = set()
    dumps = orjson.dumps
    with open(out / "records.jsonl", "wb", buffering=1 << 20) as f:
        buf = []
        for rec, rule in gen.records():
            buf.append(dumps(rec, option=opt))
            if rule:
                planned[rule] += 1
            k = rec["kind"]
            by_kind[k] = by_kind.get(k, 0) + 1
            used.add(rec["power"])
            if len(buf) >= 4096:
                f.write(b"".join(buf))
                buf.clear()
        f.write(b"".join(buf))
    summary.counts["records"] = records
    summary.records_by_kind = by_kind
    for p in gen.powers:
        summary.powers_by_kind[p.kind] = summary.powers_by_kind.get(p.kind, 0) + 1
    by_list = summary.four_lists_by_list
    for item in gen.four_lists:
        by_list[item["list"]] = by_list.get(item["list"], 0) + 1
    summary.unexercised_powers = [p.code for p in gen.powers
                                  if p.kind in MAIN_KINDS and p.code not in used]
    planned["unexercised_power"] = len(summary.unexercised_powers)
    summary.violations = planned
    summary.org_pool, summary.person_pool = gen.org_pool, gen.person_pool
    return summary
