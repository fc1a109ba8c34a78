import pyarrow as pa
import pytest

from dsbuild.clean.rules import LengthBounds, MissingValues, RegexBlocklist
from dsbuild.errors import UserError


def test_missing_values_names_every_missing_field():
    t = pa.table({"id": ["a", "b", "c"], "question": ["q", "", None], "response": ["r", "  ", "r"],
                  "input": ["", "", ""]})
    assert MissingValues().run(t).reasons == [None, "missing question, response", "missing question"]


def test_missing_values_fill_keeps_rows():
    t = pa.table({"question": ["q", None], "response": [" ", "r"]})
    out = MissingValues(action="fill", fill_value="N/A").run(t)
    assert out.reasons is None
    assert out.table.to_pylist() == [{"question": "q", "response": "N/A"}, {"question": "N/A", "response": "r"}]


def test_unknown_field_is_a_user_error():
    with pytest.raises(UserError, match="'answer' is not in the data"):
        MissingValues(fields=["answer"]).run(pa.table({"question": ["q"]}))


def test_length_bounds_reports_the_length():
    t = pa.table({"question": ["?", "fine question", "x" * 50]})
    assert LengthBounds("question", min_chars=2, max_chars=20).run(t).reasons == [
        "question has 1 chars < min 2", None, "question has 50 chars > max 20"]


def test_blocklist_names_the_pattern():
    t = pa.table({"response": ["As an AI language model, I cannot.", "作为一个AI语言模型，我不能。", "Drink water."]})
    reasons = RegexBlocklist(["as an ai (language )?model", "作为一个?(ai|人工智能)(语言)?模型"]).run(t).reasons
    assert reasons[0] == "response matches blocklist pattern 'as an ai (language )?model'"
    assert "作为" in reasons[1] and reasons[2] is None


def test_bad_regex_is_a_user_error():
    with pytest.raises(UserError, match="not a valid regex"):
        RegexBlocklist(["(unclosed"])
