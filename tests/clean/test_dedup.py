import pyarrow as pa

from dsbuild.clean.dedup import ExactDedup


def table(questions, responses=None):
    n = len(questions)
    return pa.table({"id": [f"r{i}" for i in range(n)], "question": questions,
                     "response": responses or ["same"] * n})


def test_cosmetic_variants_collapse_to_the_first():
    t = table(["头痛怎么办？", "头痛怎么办?", "Headache, what now?", "headache what now", "other"])
    v = ExactDedup().run(t)
    assert v.duplicate_of == [None, "r0", None, "r2", None]
    assert v.reasons[1] == "duplicate of r0 (same normalized question+response)"


def test_keep_longest_picks_the_longest_and_first_on_ties():
    t = table(["a b", "A B!", "a  b"], ["x", "x", "x"])
    v = ExactDedup(keep="longest").run(t)
    assert v.duplicate_of == ["r1", None, "r1"]


def test_case_and_punctuation_can_matter():
    t = table(["Cold?", "cold"])
    assert ExactDedup(ignore_case=False, ignore_punctuation=False).run(t).duplicate_of == [None, None]


def test_null_fields_are_compared_too():
    t = pa.table({"id": ["a", "b", "c"], "question": [None, None, "q"], "response": ["r", "r", "r"]})
    assert ExactDedup().run(t).duplicate_of == [None, "a", None]
