import pyarrow as pa

from dsbuild.record import content_ids, renumber_content_ids, text_fields


def test_ids_ignore_cosmetic_whitespace_and_fullwidth_forms_but_not_content():
    t = pa.table({"question": ["Ａ  question", "A question", "Another"], "response": ["r", "r", "r"]})
    ids = content_ids(t).to_pylist()
    assert ids[1] == ids[0] + "-2" and ids[2] != ids[0]


def test_ids_are_stable_across_row_order_and_column_order():
    a = pa.table({"question": ["x", "y"], "response": ["1", "2"]})
    b = pa.table({"response": ["2", "1"], "question": ["y", "x"]})
    assert content_ids(a).to_pylist() == list(reversed(content_ids(b).to_pylist()))


def test_non_text_fields_count():
    t = pa.table({"question": ["x", "x"], "label": [1, 2]})
    ids = content_ids(t).to_pylist()
    assert "-" not in ids[1]


def test_renumber_after_concat_keeps_ids_unique_and_user_ids_untouched():
    h = "ab" * 12
    assert renumber_content_ids(pa.array([h, h, h + "-2", "user-7"])).to_pylist() == [h, h + "-2", h + "-3", "user-7"]


def test_text_fields_skip_lineage_and_non_strings():
    t = pa.table({"id": ["1"], "source": ["s"], "question": ["q"], "label": [3]})
    assert text_fields(t) == ["question"]
