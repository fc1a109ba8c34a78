import datetime

import pyarrow as pa
import pytest

from dsbuild.clean.pii import PiiRedact
from dsbuild.clean.pipeline import named_steps, run_cleaning
from dsbuild.errors import UserError

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(first17: str) -> str:
    """The 18-digit ID with its ISO 7064 MOD 11-2 check character, computed here independently."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def wrong_check(first17: str) -> str:
    good = resident_id(first17)[-1]
    return first17 + ("1" if good != "1" else "2")


def luhn_complete(prefix: str) -> str:
    """prefix + the check digit that makes it Luhn-valid."""
    for d in "0123456789":
        digits = [int(c) for c in prefix + d][::-1]
        total = sum(x if i % 2 == 0 else (2 * x - 9 if 2 * x > 9 else 2 * x) for i, x in enumerate(digits))
        if total % 10 == 0:
            return prefix + d
    raise AssertionError


def table(*texts, field="response"):
    return pa.table({"id": [f"r{i}" for i in range(len(texts))], field: list(texts)})


def redact(text, **kwargs):
    return PiiRedact(**kwargs).run(table(text)).table.column("response")[0].as_py()


ID = resident_id("11010519491231002")
CARD = luhn_complete("622202123456789")  # 16-digit UnionPay-like
VISA = luhn_complete("411111111111111")


def test_valid_resident_id_is_redacted_next_to_chinese_punctuation():
    assert ID[-1] == "X"  # this one ends in X: the check character is not always a digit
    assert redact(f"我的身份证号是{ID}，请核实。") == "我的身份证号是[ID]，请核实。"
    assert redact(f"身份证：{ID.lower()}。") == "身份证：[ID]。"
    other = resident_id("44030619900307123")
    assert redact(f"（{other}）") == "（[ID]）"


def test_ids_with_wrong_checksum_or_impossible_birth_date_are_not_ids():
    assert redact(f"编号{wrong_check('11010519491231002')}") == f"编号{wrong_check('11010519491231002')}"
    bad_date = resident_id("11010519490231002")  # 31 Feb
    assert redact(f"编号{bad_date}") == f"编号{bad_date}"
    future = resident_id(f"110105{datetime.date.today().year + 1}0101002")
    assert redact(f"编号{future}") == f"编号{future}"


def test_old_15_digit_ids_only_when_asked():
    old = "110105491231002"
    assert redact(f"旧证{old}") == f"旧证{old}"
    assert redact(f"旧证{old}", kinds=["cn_id_old"]) == "旧证[ID]"
    assert redact("旧证110105491331002", kinds=["cn_id_old"]) == "旧证110105491331002"  # month 13


def test_luhn_valid_cards_with_separators_and_invalid_ones_kept():
    grouped = " ".join(CARD[i: i + 4] for i in range(0, 16, 4))
    dashed = "-".join(VISA[i: i + 4] for i in range(0, 16, 4))
    text = f"卡号{CARD}，另一张{grouped}；Visa {dashed}."
    assert redact(text) == "卡号[BANK_CARD]，另一张[BANK_CARD]；Visa [BANK_CARD]."
    broken = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    assert redact(f"卡号{broken}") == f"卡号{broken}"


def test_a_timestamp_or_long_decimal_is_not_a_card_or_phone():
    for text in ["时间戳1700000000000毫秒", "π≈3.14159265358979", "共1,000,000元", "13800138000.5", "8613800138000"]:
        assert redact(text) == text


def test_mainland_phones_with_prefixes_and_separators():
    text = "电话13800138000，或+86 139 1234 5678、0086-137-0000-1111，(+86)15012345678。"
    assert redact(text) == "电话[PHONE]，或[PHONE]、[PHONE]，[PHONE]。"


def test_international_phones_need_plus_and_8_to_15_digits():
    text = "London +44 20 7946 0958, SF +1 (415) 555-2671; code +12 and +1234567890123456789"
    assert redact(text) == "London [PHONE], SF [PHONE]; code +12 and +1234567890123456789"


def test_dates_versions_and_decimals_are_not_ips_or_phones():
    text = (
        "2023-10-12 发布版本1.2.3.4（v10.0.0.1），体温38.5度，血压120/80，时间10:30:45，"
        "std::vector，MAC 00:1A:2B:3C:4D:5E，version 4.2.1.0"
    )
    assert redact(text) == text


def test_ips_emails_and_urls():
    text = (
        "服务器192.168.1.10和2001:db8::8a2e:370:7334，本机::1。"
        "联系zhang.san@example.com.cn或访问https://example.com/a?b=1（官网）或www.example.org."
    )
    assert redact(text) == "服务器[IP]和[IP]，本机[IP]。联系[EMAIL]或访问[URL]（官网）或[URL]."


def test_a_url_holding_an_ip_and_an_address_is_one_url():
    assert redact("见http://192.168.0.1:8080/x?to=a@b.co。") == "见[URL]。"


def test_url_keeps_balanced_parentheses_and_drops_sentence_punctuation():
    assert redact("See https://en.wikipedia.org/wiki/Fever_(disease), then (https://x.org/a).") == (
        "See [URL], then ([URL])."
    )


def test_placeholders_and_kinds_are_configurable():
    text = f"mail a@b.co phone 13800138000 id {ID}"
    assert redact(text, kinds=["email"], placeholders={"email": "<EMAIL>"}) == (
        f"mail <EMAIL> phone 13800138000 id {ID}"
    )


def test_counts_per_kind_from_the_last_run():
    step = PiiRedact()
    step.run(table(f"电话13800138000 和 13900139000，身份证{ID}", "nothing here", None, "a@b.co"))
    assert step.counts["phone_cn"] == 2 and step.counts["cn_id"] == 1 and step.counts["email"] == 1
    assert step.counts["bank_card"] == 0 and set(step.counts) == set(step.kinds)
    step.run(table("a@b.co"))
    assert step.counts["phone_cn"] == 0 and step.counts["email"] == 1


def test_drop_rejects_rows_naming_kinds_and_fields():
    t = pa.table({
        "id": ["a", "b", "c"],
        "question": [f"我的身份证{ID}", "头痛怎么办？", "邮箱a@b.co，电话13800138000"],
        "response": ["多喝水。", "休息。", "请拨打+44 20 7946 0958"],
    })
    step = PiiRedact(action="drop")
    kept, rejected, report = run_cleaning(t, named_steps({"pii": step}))
    assert kept.column("id").to_pylist() == ["b"]
    reasons = dict(zip(rejected[0].column("id").to_pylist(), rejected[0].column("_reason").to_pylist()))
    assert reasons == {
        "a": "contains PII: cn_id in question",
        "c": "contains PII: email, phone_cn in question; phone_intl in response",
    }
    assert report.by_rule == {"pii": 2}
    assert step.counts["email"] == 1 and step.counts["phone_intl"] == 1


def test_redact_keeps_every_row_and_touches_only_configured_fields():
    t = pa.table({"id": ["a"], "question": ["a@b.co"], "response": ["a@b.co"]})
    v = PiiRedact(fields=["question"]).run(t)
    assert v.reasons is None
    assert v.table.column("question").to_pylist() == ["[EMAIL]"]
    assert v.table.column("response").to_pylist() == ["a@b.co"]


def test_config_mistakes_are_one_line_user_errors():
    with pytest.raises(UserError, match="'passport' is not a PII kind"):
        PiiRedact(kinds=["email", "passport"])
    with pytest.raises(UserError, match="placeholders: 'mail'"):
        PiiRedact(placeholders={"mail": "x"})
    with pytest.raises(UserError, match="action must be 'redact' or 'drop'"):
        PiiRedact(action="mask")
    with pytest.raises(UserError, match="field 'answer' is not in the data"):
        PiiRedact(fields=["answer"]).run(table("x"))
