"""The text modality: synonyms, EDA word operations, character noise, the presets and the contract."""

import json
import random
import re
import unicodedata

import numpy as np
import pyarrow as pa
import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

import dsbuild.augment.text as text_module
from dsbuild.augment.base import AugmentContext, Copies, MediaFolder
from dsbuild.augment.text import TextAugment
from dsbuild.augment.text_noise import QWERTY, CharNoise
from dsbuild.augment.text_ops import RandomDelete, RandomInsert, RandomSwap
from dsbuild.augment.text_synonyms import Synonyms
from dsbuild.augment.text_words import cache_dir, language_of, tokenize
from dsbuild.config import CONF_DIR, EXAMPLES_DIR
from dsbuild.errors import UserError

ZH = "孩子发烧三天了，医生说不是心肌梗塞，是耳石症，头痛怎么办？"
EN = "My child has had a Fever and a sore throat for 3 days, and a HEADACHE too."
NUMBERS = re.compile(r"\d+(?:[.,:]\d+)*")


@pytest.fixture
def dictionary(tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("# medical words\n发烧 发热 高烧\n头痛 头疼\n医生 大夫\n心肌梗塞 心梗\n耳石症 耳石病  # BPPV\n"
                    "fever\tpyrexia\nsore throat, pharyngitis\nheadache, cephalalgia\n", encoding="utf-8")
    return path


def copies(texts, seeds, field="question", **other):
    columns = {"id": [f"r{i}" for i in range(len(texts))], field: list(texts), "response": ["keep me"] * len(texts)}
    return Copies(pa.table({**columns, **other}), np.asarray(seeds, dtype=np.uint32))


def context(tmp_path, workers=1):
    return AugmentContext(media=MediaFolder(tmp_path), workers=workers)


def standard(path):
    return {"synonyms": Synonyms(path, rate=0.2), "swap": RandomSwap(0.1), "delete": RandomDelete(0.1),
            "insert": RandomInsert(0.1, synonyms=path), "char_noise": CharNoise(0.05)}


def test_equal_seeds_give_equal_texts_and_other_seeds_other_texts(dictionary, tmp_path):
    augment = TextAugment(fields=["question"], transforms=standard(dictionary))
    batch = copies([ZH, EN] * 10, [s // 2 for s in range(20)])
    first = augment.augment(batch, context(tmp_path))
    again = TextAugment(fields="question", transforms=standard(dictionary)).augment(batch, context(tmp_path))
    assert first.columns == again.columns and first.applied == again.applied
    assert set(first.columns) == {"question"}  # response untouched, not even rewritten
    assert len(set(first.columns["question"][0::2])) > 5 and len(set(first.columns["question"][1::2])) > 5
    assert all(first.changed) and first.failed == [None] * 20
    assert all(text not in (ZH, EN) for text in first.columns["question"])
    assert [entry["transform"] for entry in first.applied[0]][:1] == ["synonyms"]
    assert all(entry["field"] == "question" for entries in first.applied for entry in entries)


def test_results_do_not_depend_on_the_worker_count(dictionary, tmp_path, monkeypatch):
    monkeypatch.setattr(text_module, "MIN_PER_PROCESS", 4)
    batch = copies([ZH, EN] * 12, range(24))
    one = TextAugment(["question"], standard(dictionary)).augment(batch, context(tmp_path, workers=1))
    two = TextAugment(["question"], standard(dictionary)).augment(batch, context(tmp_path, workers=3))
    assert one.columns == two.columns and one.applied == two.applied and one.changed == two.changed


def test_rate_zero_changes_nothing(dictionary, tmp_path):
    zero = {"synonyms": Synonyms(dictionary, rate=0), "swap": RandomSwap(0), "delete": RandomDelete(0),
            "insert": RandomInsert(0), "noise": CharNoise(0)}
    out = TextAugment(["question"], zero).augment(copies([ZH, EN], [1, 2]), context(tmp_path))
    assert out.columns["question"] == [ZH, EN]
    assert out.changed == [False, False] and out.applied == [[], []]


def test_p_is_the_chance_a_transform_runs_on_a_copy(tmp_path):
    never = TextAugment(["question"], {"noise": CharNoise(rate=1.0, p=0)})
    assert never.augment(copies([EN] * 5, range(5)), context(tmp_path)).changed == [False] * 5
    half = TextAugment(["question"], {"noise": CharNoise(rate=0.1, p=0.5)}).augment(
        copies([EN] * 200, range(200)), context(tmp_path))
    assert 70 < sum(half.changed) < 130
    with pytest.raises(UserError, match=r"RandomDelete\.p must be a number between 0 and 1"):
        RandomDelete(p=1.5)


def test_chinese_synonyms_replace_whole_jieba_words(dictionary, tmp_path):
    out = TextAugment(["question"], {"synonyms": Synonyms(dictionary, rate=1.0)}).augment(
        copies([ZH], [7]), context(tmp_path))
    entry = out.applied[0][0]
    assert entry["transform"] == "synonyms" and entry["field"] == "question"
    groups = [{"发烧", "发热", "高烧"}, {"头痛", "头疼"}, {"医生", "大夫"}, {"心肌梗塞", "心梗"}, {"耳石症", "耳石病"}]
    assert sorted(old for old, _ in entry["replaced"]) == sorted(["发烧", "医生", "心肌梗塞", "耳石症", "头痛"])
    for old, new in entry["replaced"]:
        assert new != old and any({old, new} <= group for group in groups)
    rebuilt = ZH
    for old, new in entry["replaced"]:
        rebuilt = rebuilt.replace(old, new, 1)
    assert out.columns["question"] == [rebuilt]
    assert "耳石症" in tokenize(ZH, "zh", ("耳石病", "耳石症"))  # jieba alone cuts it into 耳石 + 症


def test_english_synonyms_keep_case_and_punctuation(dictionary):
    text, params = Synonyms(dictionary, rate=1.0, language="en").edit(EN, random.Random(0))
    assert text == "My child has had a Pyrexia and a pharyngitis for 3 days, and a CEPHALALGIA too."
    assert params == {"replaced": [["Fever", "Pyrexia"], ["sore throat", "pharyngitis"], ["HEADACHE", "CEPHALALGIA"]]}


def test_delete_never_empties_and_leaves_no_double_spaces():
    for text in ("fever", "头痛", "I have a fever.", "不要自己停药", "  "):
        for seed in range(20):
            out, _ = RandomDelete(rate=1.0).edit(text, random.Random(seed))
            assert out.strip() or not text.strip()
            assert "  " not in out.strip()
    out, params = RandomDelete(rate=1.0).edit("I have a fever.", random.Random(0))
    assert len(params["deleted"]) == 3 and len(out.split()) == 1 and out.endswith(".")
    assert "不要" in RandomDelete(rate=1.0).edit("不要自己停药", random.Random(1))[0]  # negations stay


def test_swap_moves_words_but_not_numbers_or_their_units():
    text = "体温38.5度，吃了2片布洛芬，还是头痛得厉害"
    for seed in range(10):
        out, params = RandomSwap(rate=1.0).edit(text, random.Random(seed))
        assert params["swaps"] >= 1 and sorted(out) == sorted(text)
        assert "38.5度" in out and "2片" in out


def test_insert_uses_synonyms_of_the_text_or_copies_a_word(dictionary):
    out, params = RandomInsert(rate=0.3, synonyms=dictionary).edit(ZH, random.Random(3))
    synonyms = {"发热", "高烧", "头疼", "大夫", "心梗", "耳石病"}
    assert params["inserted"] and all(word in synonyms for word in params["inserted"])
    assert len(out) == len(ZH) + sum(map(len, params["inserted"]))
    out, params = RandomInsert(rate=0.3).edit(EN, random.Random(3))
    assert all(word in EN.split() or word in re.findall(r"\w+", EN) for word in params["inserted"])
    assert len(out.split()) == len(EN.split()) + len(params["inserted"])
    assert RandomInsert(rate=1.0, synonyms=dictionary).edit("今天天气很好", random.Random(0))[0] == "今天天气很好"


def test_width_flips_undo_under_nfkc_and_keep_digits():
    text = "体温３８.５度, take 2 tablets (500mg)　每天 3 次!"
    for seed in range(10):
        out, params = CharNoise(rate=0.5, kinds=["width"]).edit(text, random.Random(seed))
        assert out != text and params["width"] >= 1 and "typo" not in params
        assert unicodedata.normalize("NFKC", out) == unicodedata.normalize("NFKC", text)
        assert NUMBERS.findall(out) == NUMBERS.findall(text)


def test_typos_never_touch_numbers_and_stay_near_the_original():
    text = "Take 2 tablets of 500mg at 10:30; temperature 38.5, pulse 1,200?"
    for seed in range(20):
        out, params = CharNoise(rate=0.3, kinds="typo").edit(text, random.Random(seed))
        assert out != text and params["typo"] >= 1
        assert NUMBERS.findall(out) == NUMBERS.findall(text)
        assert abs(len(out) - len(text)) <= params["typo"]
    assert QWERTY["a"] == "qswz" and QWERTY["h"] == "bgjnuy" and QWERTY["m"] == "jkn"
    assert "不" in CharNoise(rate=1.0, kinds=["typo"]).edit("不要", random.Random(0))[0]


def test_null_and_blank_fields_are_left_alone(dictionary, tmp_path):
    out = TextAugment(["question"], {"noise": CharNoise(0.5)}).augment(copies([None, " ", EN], [1, 2, 3]),
                                                                       context(tmp_path))
    assert out.columns["question"][:2] == [None, " "] and out.changed == [False, False, True]


def test_several_fields_and_their_order_in_applied(dictionary, tmp_path):
    batch = copies([ZH], [5], field="question", answer=["医生建议多喝水，发烧超过三天请就医。"])
    out = TextAugment(["question", "answer"], {"synonyms": Synonyms(dictionary, 1.0), "noise": CharNoise(0.1)}
                      ).augment(batch, context(tmp_path))
    assert [(e["transform"], e["field"]) for e in out.applied[0]] == [
        ("synonyms", "question"), ("synonyms", "answer"), ("noise", "question"), ("noise", "answer")]


def test_language_by_script():
    assert language_of(ZH) == "zh" and language_of(EN) == "en"
    assert language_of("I took 布洛芬 yesterday") == "en" and language_of("B超说有脂肪肝") == "zh"


def test_config_mistakes_are_one_line_user_errors(dictionary, tmp_path):
    augment = TextAugment(["answer"], {"noise": CharNoise()})
    with pytest.raises(UserError, match=r"augment\.text\.fields names 'answer', which the data does not have"):
        augment.augment(copies([ZH], [1]), context(tmp_path))
    with pytest.raises(UserError, match=r"augment\.text\.fields names 'n', which holds int64, not text"):
        TextAugment(["n"], {"noise": CharNoise()}).check(pa.schema([("n", pa.int64())]))
    with pytest.raises(UserError, match=r"augment\.text\.transforms is empty"):
        TextAugment(["question"], {"noise": None})
    with pytest.raises(UserError, match=r"augment\.text\.transforms\.x is a dict, not a text transform"):
        TextAugment(["question"], {"x": {"rate": 1}})
    with pytest.raises(UserError, match=r"augment\.text\.fields must list"):
        TextAugment([], {"noise": CharNoise()})
    with pytest.raises(UserError, match=r"RandomSwap\.rate must be a number between 0 and 1"):
        RandomSwap(rate=2)
    with pytest.raises(UserError, match=r"CharNoise\.kinds"):
        CharNoise(kinds=["typo", "emoji"])


def test_bad_dictionaries_name_the_file_and_line(tmp_path):
    cases = {"missing.txt": None, "empty.txt": "# nothing\n\n", "lonely.txt": "发烧 发热\n头痛\n",
             "broken.json": '{"fever": ["pyrexia"],\n "cough": }', "types.json": '{"fever": 3}'}
    expected = {"missing.txt": "not found", "empty.txt": "has no synonyms", "lonely.txt": "line 2: '头痛' has one word",
                "broken.json": "line 2: not valid JSON", "types.json": "'fever' must be a non-empty list"}
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content, encoding="utf-8")
        with pytest.raises(UserError, match=re.escape(expected[name])) as caught:
            Synonyms(path)
        assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_json_dictionary_maps_one_way(tmp_path):
    path = tmp_path / "syn.json"
    path.write_text(json.dumps({"fever": ["pyrexia", "high temperature"]}), encoding="utf-8")
    text, _ = Synonyms(path, rate=1.0).edit("Fever and pyrexia.", random.Random(0))
    assert text.split()[0] in ("Pyrexia", "High") and text.endswith("and pyrexia.")


def test_fingerprint_follows_the_dictionary_content(dictionary):
    first = TextAugment(["question"], standard(dictionary)).fingerprint()
    assert [entry["path"] for entry in first] == [str(dictionary.resolve())]
    dictionary.write_text("发烧 发热\n", encoding="utf-8")
    assert TextAugment(["question"], standard(dictionary)).fingerprint()[0]["sha256"] != first[0]["sha256"]


def test_jieba_is_quiet_and_caches_outside_the_repository(dictionary, capfd):
    Synonyms(dictionary, rate=1.0).edit("医生说是耳石症", random.Random(0))
    assert capfd.readouterr().err == ""
    assert not str(cache_dir()).startswith(str(CONF_DIR.parent)) and list(cache_dir().glob("jieba*.cache"))


def test_every_preset_composes_and_the_standard_one_augments_the_example(tmp_path):
    presets = sorted(p.stem for p in (CONF_DIR / "augment" / "text").glob("*.yaml"))
    assert presets == ["back_translation", "char_noise", "eda", "standard", "synonyms"]
    built = {}
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        for preset in presets:
            cfg = compose("config", overrides=["augment=text", f"augment/text={preset}"])
            built[preset] = instantiate(cfg.augment.text, _convert_="all")
    assert list(built["standard"].transforms) == ["synonyms", "swap", "delete", "insert", "char_noise"]
    assert {e["path"] for e in built["standard"].fingerprint()} == {
        str(EXAMPLES_DIR / "synonyms_zh.txt"), str(EXAMPLES_DIR / "synonyms_en.txt")}
    for line in (CONF_DIR / "augment" / "text").glob("*.yaml"):
        assert line.read_text(encoding="utf-8").startswith(f"# dsbuild augment=text augment/text={line.stem}")
    rows = [json.loads(line) for line in (EXAMPLES_DIR / "doctor_qa.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = [r["question"] for r in rows if isinstance(r.get("question"), str) and r["question"].strip()][:60]
    out = built["standard"].augment(copies(questions, range(len(questions))), context(tmp_path))
    assert sum(out.changed) >= 0.8 * len(questions)
    for question, new, changed, applied in zip(questions, out.columns["question"], out.changed, out.applied):
        assert (new != question) == changed and bool(applied) == changed
    replaced = [e for entries in out.applied for e in entries if e["transform"] == "synonyms"]
    assert len(replaced) >= 15  # the bundled dictionaries match the bundled questions
