import random

import numpy as np
import pyarrow as pa
import pytest

from dsbuild.clean import quality_features as qf
from dsbuild.clean.isolation import IsolationOutliers
from dsbuild.clean.pipeline import run_cleaning
from dsbuild.errors import UserError

EN_Q = ["What should I do about {s}?", "Is {s} serious for an adult?", "How long does {s} usually last?",
        "Can children get {s} after a cold?"]
EN_A = ["Rest, drink plenty of fluids and watch for {s} getting worse. See a doctor if it lasts more than a week.",
        "Most cases of {s} settle on their own within a few days. Seek care if you notice high fever or pain.",
        "It depends on the cause. Keep a diary of when {s} happens and discuss it with your doctor at the next visit."]
EN_S = ["a headache", "a sore throat", "back pain", "a mild fever", "a dry cough", "dizziness", "heartburn", "a rash"]
ZH_Q = ["{s}怎么办？", "{s}严重吗？", "{s}一般多久能好？", "孩子{s}需要去医院吗？"]
ZH_A = ["注意休息，多喝水，观察{s}有没有加重。如果超过一周没有好转，请及时就医。",
        "大多数{s}几天内会自行缓解。如果出现高烧或剧烈疼痛，应尽快就诊。",
        "要看具体原因。建议记录{s}出现的时间和诱因，复诊时告诉医生。"]
ZH_S = ["头痛", "嗓子疼", "腰疼", "低烧", "干咳", "头晕", "烧心", "起皮疹"]

DIARY = [f"Point {i}: keep a diary of symptoms, sleep, meals, stress and medicines taken on day {i}."
         for i in range(200)]
PLANTED = {
    "digits": ("What is my result?", "4417 2291 0093 8812 7730 1102 5561 9903 2218 6654 0071 3392"),
    "one_char": ("头痛怎么办？", "啊" * 80),
    "huge": ("What should I do about a headache?", " ".join(DIARY)),
}


def qa_table(n_normal=300, planted=PLANTED):
    rng = random.Random(0)
    rows = []
    for i in range(n_normal):
        if i % 2:
            s = rng.choice(ZH_S)
            rows.append((rng.choice(ZH_Q).format(s=s), rng.choice(ZH_A).format(s=s)))
        else:
            s = rng.choice(EN_S)
            rows.append((rng.choice(EN_Q).format(s=s), rng.choice(EN_A).format(s=s)))
    rows += list(planted.values())
    return pa.table({"id": [f"r{i}" for i in range(len(rows))],
                     "question": [q for q, _ in rows], "response": [a for _, a in rows]})


def flagged(reasons):
    return {i: r for i, r in enumerate(reasons) if r is not None}


def test_planted_outliers_are_found_with_the_features_that_set_them_apart():
    reasons = flagged(IsolationOutliers().run(qa_table()).reasons)
    digits, one_char, huge = 300, 301, 302
    assert {digits, one_char, huge} <= set(reasons)
    assert len(reasons) <= 4  # contamination 0.01 of 303 rows
    assert reasons[digits].startswith("outlier (isolation score -")
    assert "response.digit_ratio 0.81 (typical 0)" in reasons[digits]
    assert "response.repeated_ngram_ratio 1 (typical 0)" in reasons[one_char]
    assert "response.distinct_word_ratio 0.013" in reasons[one_char]
    top_huge = reasons[huge].split(": ", 1)[1].split(", ")[0]
    assert top_huge.startswith("response.length ") and top_huge.endswith("chars (typical 110 chars)")


def test_same_seed_same_verdicts_and_reasons():
    table = qa_table()
    assert IsolationOutliers(seed=7).run(table).reasons == IsolationOutliers(seed=7).run(table).reasons


def test_below_min_rows_nothing_is_flagged():
    table = qa_table(n_normal=40)
    assert flagged(IsolationOutliers(min_rows=100).run(table).reasons) == {}
    assert flagged(IsolationOutliers(min_rows=10, contamination=0.05).run(table).reasons)


def test_a_feature_subset_limits_what_the_forest_sees_and_names():
    reasons = flagged(IsolationOutliers(features=["digit_ratio", "response.length"]).run(qa_table()).reasons)
    assert 300 in reasons and 302 in reasons
    named = {part.split(" ")[0] for r in reasons.values() for part in r.split(": ", 1)[1].split(", ")}
    assert named <= {"question.digit_ratio", "response.digit_ratio", "response.length"}


def test_auto_contamination_runs_through_the_pipeline_with_reasons_in_rejects():
    kept, rejected, report = run_cleaning(qa_table(), [("isolation", IsolationOutliers(contamination="auto"))])
    assert kept.num_rows + report.rejected == 303
    assert {"r300", "r301", "r302"} <= set(rejected[0].column("id").to_pylist())
    assert all(r.startswith("outlier (isolation score") for r in rejected[0].column("_reason").to_pylist())


def test_rows_typical_in_every_feature_are_kept_unless_min_z_is_zero():
    few = {"features": ["digit_ratio", "response.length"], "contamination": "auto"}
    table = qa_table()
    explained = flagged(IsolationOutliers(**few).run(table).reasons)
    assert set(explained) == {300, 301, 302}
    assert explained[301] == "outlier (isolation score -0.23): response.length 80 chars (typical 32 chars)"
    assert len(flagged(IsolationOutliers(**few, min_z=0).run(table).reasons)) > 50  # sklearn's threshold, ties


@pytest.mark.parametrize("kwargs, message", [
    ({"contamination": 0.9}, "contamination must be a share in (0, 0.5] or 'auto'"),
    ({"contamination": "high"}, "contamination must be a share"),
    ({"features": ["sparkle"]}, "unknown feature 'sparkle'"),
    ({"n_estimators": 0}, "n_estimators must be a whole number >= 1"),
    ({"min_z": -1}, "min_z must be a number >= 0"),
])
def test_config_mistakes_are_user_errors(kwargs, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        IsolationOutliers(**kwargs)


def test_a_feature_of_a_field_the_rule_does_not_read_is_a_user_error():
    with pytest.raises(UserError, match="'question.length' names field 'question', which the rule does not read"):
        IsolationOutliers(fields=["response"], features=["question.length"]).run(qa_table())


def test_features_count_cjk_characters_as_words_and_measure_classes():
    table = pa.table({"t": ["Hello hello WORLD 42!", "头痛怎么办？", None, "", "#### 😀😀"]})
    f = qf.features(table, ["t"])
    assert f["t.length"].tolist() == [21, 6, 0, 0, 7]
    assert f["t.words"].tolist() == [4, 5, 0, 0, 0]
    assert f["t.cjk_ratio"][1] == pytest.approx(5 / 6)
    assert f["t.digit_ratio"][0] == pytest.approx(2 / 21)
    assert f["t.uppercase_ratio"][0] == pytest.approx(6 / 15)
    assert f["t.distinct_word_ratio"][0] == pytest.approx(3 / 4)  # hello/Hello fold together
    assert f["t.punctuation_ratio"][4] == pytest.approx(4 / 7)  # '#' is punctuation in Unicode
    assert f["t.symbol_ratio"][4] == pytest.approx(2 / 7)
    assert f["t.mean_word_length"][0] == pytest.approx((5 + 5 + 5 + 2) / 4)


def test_repetition_features():
    table = pa.table({"t": [
        "Take it easy.\nDrink water!\n\ntake  it easy\n---\n---",
        "rest and drink water now " * 4,
        "one two three four five six seven eight nine ten",
        "多喝水多休息。" * 3,
    ]})
    f = qf.features(table, ["t"])
    assert f["t.dup_line_ratio"].tolist() == [pytest.approx(1 / 3), 0, 0, 0]  # '---' lines have no words
    assert f["t.repeated_ngram_ratio"].tolist() == [0, 1, 0, 1]


def test_measuring_in_slices_and_chunks_gives_the_same_numbers(monkeypatch):
    table = qa_table(n_normal=30)
    whole = qf.features(table, ["question", "response"])
    chunked = pa.concat_tables([table.slice(0, 7), table.slice(7)])
    monkeypatch.setattr(qf, "BATCH_ROWS", 4)
    sliced = qf.features(chunked, ["question", "response"])
    for name, values in whole.items():
        np.testing.assert_allclose(sliced[name], values, err_msg=name)


def test_unknown_feature_name_is_a_user_error():
    with pytest.raises(UserError, match="unknown quality feature 'nope'"):
        qf.features(pa.table({"t": ["x"]}), ["t"], ["nope"])


def test_small_batches_drop_the_rows_one_batch_drops(monkeypatch):
    import dsbuild.execute.spill as spill

    rows = [f"How should I treat a mild fever in a child, case {i}?" for i in range(150)]
    rows[40] = "!!!! 1234567890 1234567890 1234567890 ####"
    rows[120] = "x"
    data = pa.table({"id": [f"r{i}" for i in range(150)], "question": rows})
    whole = IsolationOutliers(contamination=0.02, min_z=0).run(data)
    monkeypatch.setattr(spill, "BATCH_ROWS", 11)
    batched = IsolationOutliers(contamination=0.02, min_z=0).run(data)
    assert list(batched.reasons) == list(whole.reasons)
    assert whole.reasons[40] and whole.reasons[120]
