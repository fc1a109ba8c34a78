import re

import pyarrow as pa
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from dsbuild.clean.langid_batch import shared_identifier
from dsbuild.clean.language import LanguageFilter
from dsbuild.clean.pipeline import named_steps, run_cleaning
from dsbuild.errors import UserError

ZH = "我最近总是失眠，晚上睡不着，白天没有精神，应该怎么调理？"
ZH_TRADITIONAL = "醫生，我的孩子咳嗽三天了，晚上咳得更厲害。"
EN = "I have had a headache for three days and painkillers do not help."
JA = "頭が痛いです。どうすればいいですか？病院に行くべきでしょうか。"
KO = "머리가 아파요. 어떻게 해야 하나요? 병원에 가야 할까요?"
FR = "J'ai mal à la tête depuis trois jours, que dois-je faire ?"
SHORT_MANDARIN = [
    "孩子四岁，嘴里起泡，手心脚心也有疹子。",
    "家里几个人晚上都特别痒，手指缝最明显。",
    "孩子三岁，四天才拉一次大便，每次都哭。",
    "脚趾缝发白、裂口，特别痒。",
]


def table(questions, responses):
    return pa.table({"id": [f"r{i}" for i in range(len(questions))], "question": questions, "response": responses})


def test_batch_detection_equals_py3langid_one_by_one():
    texts = [ZH, ZH_TRADITIONAL, EN, JA, KO, FR, "Drink water.", "HELLO WORLD", "腹痛", *SHORT_MANDARIN]
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    found = shared_identifier().detect(texts)
    for text, language, confidence in zip(texts, found.languages, found.confidences):
        expected, expected_confidence = reference.classify(text)
        assert (language, round(float(confidence), 3)) == (expected, round(expected_confidence, 3)), text


def test_text_without_features_has_no_language():
    found = shared_identifier().detect(["", "   "])
    assert found.languages == ["", ""] and found.confidences.tolist() == [0.0, 0.0]


def test_rows_in_other_languages_are_dropped_with_language_and_confidence():
    t = table([ZH, EN, JA, ZH_TRADITIONAL, KO], [EN, ZH, ZH, EN, ZH])
    v = LanguageFilter(languages=["zh", "en"]).run(t)
    assert v.reasons[:2] == [None, None] and v.reasons[3] is None
    assert re.fullmatch(r"question is ja \(\d\.\d\d\), not one of zh, en", v.reasons[2])
    assert re.fullmatch(r"question is ko \(\d\.\d\d\), not one of zh, en", v.reasons[4])


def test_per_field_languages():
    t = table([ZH, EN, ZH], [EN, EN, FR])
    v = LanguageFilter(per_field={"question": ["zh"], "response": ["zh", "en"]}).run(t)
    assert v.reasons[0] is None
    assert v.reasons[1].startswith("question is en (") and v.reasons[1].endswith("not one of zh")
    assert v.reasons[2].startswith("response is fr (") and v.reasons[2].endswith("not one of zh, en")


def test_per_field_overrides_languages_for_its_field_only():
    t = table([EN], [EN])
    v = LanguageFilter(languages=["en"], per_field={"response": ["zh"]}).run(t)
    assert v.reasons[0].startswith("response is en (")


def test_short_fields_and_nulls_are_not_judged():
    t = table([FR, None, ""], ["ok", "ok", "ok"])
    assert LanguageFilter(languages=["zh"], min_chars=len(FR) + 1).run(t).reasons == [None, None, None]
    assert LanguageFilter(languages=["zh"], min_chars=len(FR)).run(t).reasons[0].startswith("question is fr")


def test_text_without_language_features_is_unsure_even_at_zero_confidence():
    t = table(["----- ... -----"], ["x"])
    assert LanguageFilter(languages=["en"], min_chars=1, min_confidence=0).run(t).reasons == [None]
    reasons = LanguageFilter(languages=["en"], min_chars=1, min_confidence=0.1, unsure="drop").run(t).reasons
    assert reasons == ["question language is unsure: no language features < min_confidence 0.1"]


def test_unsure_detections_are_kept_unless_asked_to_drop():
    t = table([EN, "腹痛难忍吗"], ["x", "x"])
    assert LanguageFilter(languages=["en"], min_chars=1, min_confidence=0.99).run(t).reasons == [None, None]
    reasons = LanguageFilter(languages=["en"], min_chars=1, min_confidence=0.99, unsure="drop").run(t).reasons
    assert re.fullmatch(r"question language is unsure: \w+ \(0\.\d\d\) < min_confidence 0\.99", reasons[1])


def test_short_mandarin_counts_as_zh_though_the_model_may_call_it_wu_or_cantonese():
    t = table(SHORT_MANDARIN, ["x"] * len(SHORT_MANDARIN))
    assert LanguageFilter(languages=["zh"]).run(t).reasons == [None] * len(SHORT_MANDARIN)
    strict = LanguageFilter(languages=["zh"], merge={}).run(t).reasons
    assert any(r and re.match(r"question is (wuu|yue) ", r) for r in strict)


def test_only_the_first_max_chars_are_judged():
    t = table([ZH + EN * 20], ["x"])
    assert LanguageFilter(languages=["zh"], max_chars=len(ZH)).run(t).reasons == [None]
    assert LanguageFilter(languages=["zh"], max_chars=None).run(t).reasons[0].startswith("question is en")


def test_in_the_pipeline_rejects_are_accounted():
    t = table([ZH, JA, EN], [ZH, ZH, EN])
    kept, rejected, report = run_cleaning(t, named_steps({"language": LanguageFilter(languages=["zh", "en"])}))
    assert kept.column("id").to_pylist() == ["r0", "r2"] and report.by_rule == {"language": 1}
    assert rejected[0].column("_rule").to_pylist() == ["language"]


def test_config_mistakes_are_one_line_user_errors():
    with pytest.raises(UserError, match="'zh-cn' is not a language the detector knows"):
        LanguageFilter(languages=["zh-cn"])
    with pytest.raises(UserError, match="needs `languages`"):
        LanguageFilter()
    with pytest.raises(UserError, match="'yue' counts as 'zh' by `merge`"):
        LanguageFilter(languages=["yue"])
    with pytest.raises(UserError, match="unsure must be 'keep' or 'drop'"):
        LanguageFilter(languages=["zh"], unsure="maybe")
    with pytest.raises(UserError, match="field 'response' has no languages"):
        LanguageFilter(per_field={"question": ["zh"]}, fields=["question", "response"]).run(table([ZH], [ZH]))
