import pyarrow as pa
import pytest

from dsbuild.clean.chinese import ChineseConvert, HalfwidthToFullwidth
from dsbuild.clean.normalize import FullwidthToHalfwidth
from dsbuild.errors import UserError


def col(table, name="q"):
    return table.column(name).to_pylist()


def test_traditional_to_simplified_leaves_ascii_and_nulls():
    t = pa.table({"q": ["頭痛怎麼辦？醫生說要多喝水。", "Headache: drink water.", None, "乾燥的頭髮"]})
    assert col(ChineseConvert("t2s").run(t).table) == [
        "头痛怎么办？医生说要多喝水。", "Headache: drink water.", None, "干燥的头发",
    ]


def test_simplified_to_taiwan_with_phrases_only_in_configured_fields():
    t = pa.table({"q": ["软件和鼠标"], "r": ["软件和鼠标"]})
    out = ChineseConvert("s2twp", fields=["r"]).run(t).table
    assert col(out, "r") == ["軟體和滑鼠"] and col(out, "q") == ["软件和鼠标"]


def test_taiwan_and_hong_kong_to_simplified():
    t = pa.table({"q": ["軟體和滑鼠"], "r": ["我哋去飲茶"]})
    assert col(ChineseConvert("tw2sp", fields="q").run(t).table) == ["软件和鼠标"]
    assert col(ChineseConvert("hk2s.json", fields="r").run(t).table, "r") == ["我哋去饮茶"]


def test_unknown_opencc_config_is_a_user_error():
    with pytest.raises(UserError, match="'zh2en' is not an OpenCC config; use one of .*t2s"):
        ChineseConvert("zh2en")


@pytest.mark.parametrize(("text", "expected"), [
    ("头痛,怎么办?", "头痛，怎么办？"),
    ("服用400mg, 每日两次.", "服用400mg，每日两次。"),
    ("注意:多喝水!", "注意：多喝水！"),
    ("布洛芬(ibuprofen)每日两次", "布洛芬（ibuprofen）每日两次"),
    ("参见(见上文)(图1)", "参见（见上文）（图1）"),
    ("头痛. Doctor said rest.", "头痛。Doctor said rest."),
])
def test_ascii_punctuation_in_chinese_becomes_fullwidth(text, expected):
    assert col(HalfwidthToFullwidth().run(pa.table({"q": [text]})).table) == [expected]


@pytest.mark.parametrize("text", [
    "体温38.5度", "共1,000元", "时间10:30开始", "版本1.2.3", "打开文件名.txt", "等等...", "(1)头痛",
    "Hello, world (again).", "见https://a.com/x,y?z=1",
])
def test_numbers_files_urls_and_english_are_left_alone(text):
    assert col(HalfwidthToFullwidth().run(pa.table({"q": [text, None]})).table) == [text, None]


def test_marks_narrow_what_changes_and_round_trip_with_fullwidth_to_halfwidth():
    t = pa.table({"q": ["头痛,怎么办?"]})
    assert col(HalfwidthToFullwidth(marks="?").run(t).table) == ["头痛,怎么办？"]
    back = FullwidthToHalfwidth().run(HalfwidthToFullwidth().run(t).table).table
    assert col(back) == ["头痛,怎么办?"]
    with pytest.raises(UserError, match="marks: '~'"):
        HalfwidthToFullwidth(marks=",~")
