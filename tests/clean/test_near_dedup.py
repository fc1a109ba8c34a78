import json
import random
import re

import numpy as np
import pyarrow as pa
import pytest

from dsbuild.clean.near_dedup import NearDedup
from dsbuild.errors import UserError

ZH = ("患者发热三天伴有咳嗽和咽痛，体温最高三十九度，血常规提示白细胞升高，考虑细菌感染，建议口服阿莫西林七天，"
      "多饮水注意休息，如出现呼吸困难或持续高热不退应及时到医院复诊，必要时进行胸部影像学检查以排除肺炎。")
EN = ("The patient has had a fever for three days with a cough and a sore throat. The highest temperature was "
      "thirty nine degrees and the blood count showed raised white cells, so a bacterial infection is likely. "
      "Take amoxicillin for seven days, drink plenty of water and rest, and come back at once if breathing "
      "becomes hard or the fever does not go down after three more days of treatment at home.")
OTHER_ZH = "孩子夜间反复咳嗽两周，无发热，晨起有鼻涕倒流，考虑上气道咳嗽综合征，可先用生理盐水洗鼻并观察一周。"
OTHER_EN = "Wash your hands with soap for twenty seconds before meals and after using the toilet or changing nappies."


def table(questions, **extra):
    n = len(questions)
    return pa.table({"id": [f"r{i}" for i in range(n)], "question": questions, "response": ["见上文"] * n, **extra})


def test_chinese_and_english_near_duplicates_point_at_the_first_row():
    zh_copy = ZH.replace("七天", "五天").replace("多饮水", "多喝水")
    en_copy = EN.replace("seven days", "Seven days,").replace("at home.", "at home!")
    v = NearDedup().run(table([ZH, EN, OTHER_ZH, zh_copy, OTHER_EN, en_copy]))
    assert v.duplicate_of == [None, None, None, "r0", None, "r1"]
    assert re.fullmatch(r"near-duplicate of r0 \(estimated Jaccard 0\.\d\d >= 0\.8 on question, response\)",
                        v.reasons[3])
    assert float(re.search(r"Jaccard (\S+)", v.reasons[5]).group(1)) >= 0.8


def test_rows_that_merely_share_a_topic_are_kept():
    rewritten = "发热三天、咳嗽、咽痛的患者，白细胞高，多半是细菌感染：阿莫西林吃一周，多喝水，呼吸困难要马上复诊。"
    v = NearDedup().run(table([ZH, rewritten, OTHER_ZH, EN, OTHER_EN]))
    assert v.reasons == [None] * 5


@pytest.mark.parametrize(
    ("keep", "extra", "kept"),
    [
        ("first", {}, "r0"),
        ("longest", {}, "r1"),
        ("highest", {"judge_score": [3.0, 4.0, 5.0, 1.0]}, "r2"),
        ("highest", {"judge_score": [5, 4, 5, None]}, "r0"),  # tie: the first of the best
    ],
)
def test_each_keep_rule_picks_its_survivor(keep, extra, kept):
    rows = [ZH, ZH + "请遵医嘱。", ZH.replace("七天", "一周"), OTHER_ZH]
    rule = NearDedup(keep=keep, score_field="judge_score" if keep == "highest" else None)
    v = rule.run(table(rows, **extra))
    cluster = [i for i in range(3) if f"r{i}" != kept]
    assert [v.duplicate_of[i] for i in cluster] == [kept, kept]
    assert v.duplicate_of[int(kept[1:])] is None and v.duplicate_of[3] is None


def test_a_chained_row_names_the_row_it_is_linked_through():
    words = EN.split()
    middle = words[:]
    middle[15:17] = ["slightly", "different"]
    far = middle[:]
    far[50:52] = ["quite", "changed"]  # true Jaccard: 0.89 with middle, 0.79 with the first
    rule = NearDedup(threshold=0.85, num_perm=512, fields=["question"])
    v = rule.run(table([" ".join(words), " ".join(middle), " ".join(far)]))
    assert v.duplicate_of == [None, "r0", "r0"]
    assert re.fullmatch(r"near-duplicate of r0 via r1 \(estimated Jaccard 0\.\d\d with r1 >= 0\.85 on question\)",
                        v.reasons[2])


def test_same_seed_same_result_and_other_seeds_agree_on_clear_pairs():
    rows = [ZH, EN, ZH.replace("七天", "五天"), OTHER_EN, EN.replace("rest", "sleep"), OTHER_ZH]
    first, again = NearDedup(seed=7).run(table(rows)), NearDedup(seed=7).run(table(rows))
    assert first.reasons == again.reasons and first.duplicate_of == again.duplicate_of
    assert NearDedup(seed=8).run(table(rows)).duplicate_of == first.duplicate_of == [None, None, "r0", None, "r1", None]


def test_group_labels_clusters_with_the_survivor_and_drops_nothing():
    rows = [OTHER_EN, ZH, EN, ZH.replace("七天", "五天"), OTHER_ZH, EN.replace("rest", "sleep")]
    v = NearDedup(action="group").run(table(rows))
    assert v.reasons is None
    assert v.table.column("near_dup_cluster").to_pylist() == [None, "r1", "r2", "r1", None, "r2"]
    assert v.table.num_rows == 6 and v.table.schema.field("near_dup_cluster").type == pa.string()


def test_empty_rows_are_never_near_duplicates():
    t = pa.table({"id": ["a", "b", "c"], "question": ["", None, "  "]})
    assert NearDedup().run(t).reasons == [None, None, None]


def test_shingle_modes_and_ngram_sizes_are_configurable():
    rows = [EN, EN.replace("fever", "temperature")]
    assert NearDedup(shingle="chars", ngram=5).run(table(rows)).duplicate_of == [None, "r0"]
    assert NearDedup(ngram={"chars": 4, "words": 2}).run(table(rows)).duplicate_of == [None, "r0"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"keep": "best"}, "keep must be one of first, longest, highest"),
        ({"keep": "highest"}, "score_field is not set"),
        ({"action": "delete"}, "action must be 'drop' or 'group'"),
        ({"bands": 40, "rows": 4}, "bands * rows <= num_perm"),
        ({"threshold": 1.5}, "threshold must be in (0, 1]"),
        ({"shingle": "tokens"}, "shingle must be one of auto, chars, words"),
        ({"ngram": 0}, "ngram for chars must be a whole number >= 1"),
        ({"ngram": {"letters": 3}}, "unknown key 'letters'"),
    ],
)
def test_config_mistakes_are_one_line_user_errors(options, message):
    with pytest.raises(UserError, match=re.escape(message)):
        NearDedup(**options)


def test_a_missing_or_text_score_field_is_named():
    rule = NearDedup(keep="highest", score_field="judge_score")
    with pytest.raises(UserError, match="score_field 'judge_score' is not in the data"):
        rule.run(table([ZH, ZH]))
    with pytest.raises(UserError, match="holds string values, not numbers"):
        rule.run(table([ZH, ZH], judge_score=["good", "bad"]))


def planted(n, copies, seed=3):
    """n random Chinese or English documents, `copies` of them near-copies of others (true pairs)."""
    rng = random.Random(seed)
    vocab = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in "nrstlm"]
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    docs = []
    for _ in range(n - copies):
        if rng.random() < 0.5:
            docs.append(" ".join(rng.choices(vocab, k=40)))
        else:
            docs.append("".join(rng.choices(chars, k=200)))
    pairs = []
    for _ in range(copies):
        source = rng.randrange(len(docs))
        text = docs[source]
        if " " in text:
            words = text.split()
            words[rng.choice([0, 1, -1, -2])] = rng.choice(vocab)
            copy = " ".join(words)
        else:
            copy = list(text)
            for _ in range(rng.randint(1, 3)):
                copy[rng.randrange(len(copy))] = rng.choice(chars)
            copy = "".join(copy)
        pairs.append((source, len(docs)))
        docs.append(copy)
    return docs, pairs


def test_recall_and_precision_on_a_planted_set():
    docs, pairs = planted(2000, 100)
    v = NearDedup().run(pa.table({"id": [f"d{i}" for i in range(len(docs))], "text": docs}))
    cluster = np.arange(len(docs))
    dropped = [i for i, d in enumerate(v.duplicate_of) if d is not None]
    cluster[dropped] = [int(v.duplicate_of[i][1:]) for i in dropped]
    recall = np.mean([cluster[a] == cluster[b] for a, b in pairs])
    truth = {frozenset(p) for p in pairs}
    precision = np.mean([frozenset((i, int(v.duplicate_of[i][1:]))) in truth for i in dropped])
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)


def test_build_keeps_every_cluster_in_one_split(tmp_path):
    from hydra import compose, initialize_config_dir

    from dsbuild.build import build
    from dsbuild.config import CONF_DIR

    overrides = [
        f"output_dir={tmp_path}", "format=jsonl", "split.group_by=near_dup_cluster", "split.ratios=[0.5,0.25,0.25]",
        "cleaning.rules.exact_dedup=null",  # leave the example's cosmetic copies to near_dedup
        "+cleaning.rules.near_dedup={_target_: dsbuild.clean.near_dedup.NearDedup, fields: [question], action: group}",
    ]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    result = build(cfg, show_progress=False)
    split_of = {}
    for path in result.path.glob("*.jsonl"):
        if path.name.startswith(("train", "validation", "test")) and "lineage" not in path.name:
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if row.get("near_dup_cluster"):
                    split_of.setdefault(row["near_dup_cluster"], set()).add(path.name.split(".")[0])
    assert len(split_of) >= 10, "the bundled example has cosmetic copies of questions"
    assert all(len(splits) == 1 for splits in split_of.values()), split_of
    assert len(set().union(*split_of.values())) >= 2


@pytest.mark.parametrize(("keep", "action"), [("first", "drop"), ("longest", "drop"), ("first", "group")])
def test_small_batches_give_the_verdicts_of_one_batch(monkeypatch, keep, action):
    import dsbuild.execute.spill as spill

    rng = random.Random(3)
    variants = [ZH, EN, OTHER_ZH, OTHER_EN]
    questions = []
    for i in range(60):  # near copies spread over many batches, chained through edits
        text = variants[i % 4]
        for _ in range(i % 3):
            cut = rng.randrange(len(text) - 5)
            text = text[:cut] + text[cut + 2:]
        questions.append(text if i % 7 else f"unrelated row {i} " * 3)
    rows = table(questions)
    whole = NearDedup(keep=keep, action=action).run(rows)
    monkeypatch.setattr(spill, "BATCH_ROWS", 7)
    batched = NearDedup(keep=keep, action=action).run(rows)
    assert batched.table.equals(whole.table)
    assert list(batched.reasons or []) == list(whole.reasons or [])
    assert list(batched.duplicate_of or []) == list(whole.duplicate_of or [])
    found = whole.table.column("near_dup_cluster").null_count < 60 if action == "group" else any(whole.reasons)
    assert found
