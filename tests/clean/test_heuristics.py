import pyarrow as pa
import pytest

from dsbuild.clean.heuristics import (
    AnswerRepeatsQuestion,
    Boilerplate,
    FewDistinctWords,
    RepeatedLines,
    RepeatedNgrams,
    SymbolRatio,
)
from dsbuild.clean.pipeline import run_cleaning
from dsbuild.errors import UserError

EN = "Rest, drink plenty of fluids and see a doctor if the fever lasts more than three days or gets worse."
ZH = "注意休息，多喝水。如果发烧超过三天或者症状加重，请及时到医院就诊，必要时查血常规。"


def reasons(rule, texts, field="response"):
    return rule.run(pa.table({field: texts})).reasons


def test_repeated_ngrams_drops_loops_in_both_languages_and_keeps_normal_text():
    loop_en = "You should rest at home today. " * 5
    loop_zh = "多喝热水，注意保暖，按时吃药。" * 4
    got = reasons(RepeatedNgrams(), [EN, ZH, loop_en, loop_zh, None])
    assert got[:2] == [None, None] and got[4] is None
    assert got[2] == "response: 100% of the text is in repeated 5-word sequences (max 30%)"
    assert got[3] == "response: 100% of the text is in repeated 8-character sequences (max 30%)"


def test_repeated_ngrams_share_is_partial_and_compared_with_the_max():
    text = "see a doctor if it hurts " * 2 + "otherwise rest drink fluids and wait for a week or two before worrying"
    assert reasons(RepeatedNgrams(max_share=0.5), [text]) == [None]
    assert reasons(RepeatedNgrams(max_share=0.2), [text])[0].startswith("response: 40% of the text")


def test_repeated_lines_counts_lines_with_words_only():
    repeated = "Drink water.\nRest.\ndrink water\nDrink  water!"
    markdown = "```\ncode here\n```\n\n---\nmore text\n---"
    zh = "多喝水。\n多休息。\n多喝水。"
    got = reasons(RepeatedLines(), [repeated, markdown, zh, EN, ZH])
    assert got[0] == "response: 2 of 4 lines repeat an earlier line (50% > max 30%)"
    assert got[1] is None
    assert got[2] == "response: 1 of 3 lines repeat an earlier line (33% > max 30%)"
    assert got[3:] == [None, None]


def test_symbol_ratio_counts_hashes_ellipses_and_emoji_per_word():
    hashtags = "#health #fever #tips #doctor rest"
    emoji = "好的😀😀😀😀"
    got = reasons(SymbolRatio(), [EN, ZH, hashtags, emoji, "###", "Wait... then rest for a day or two at home please"])
    assert got[:2] == [None, None]
    assert got[2] == "response: 0.80 symbols per word > max 0.1 ('#' x4 in 5 words)"
    assert got[3] == "response: 2.00 symbols per word > max 0.1 (emoji x4 in 2 words)"
    assert got[4] == "response: 3 symbols ('#' x3) and no words"
    assert got[5] is None  # one '...' in 11 words


def test_symbol_ratio_without_emoji_and_with_own_symbols():
    assert reasons(SymbolRatio(emoji=False), ["好的😀😀😀😀"]) == [None]
    assert reasons(SymbolRatio(symbols=["!!"], emoji=False, max_ratio=0.5), ["go now!! ok!!"]) == [
        "response: 0.67 symbols per word > max 0.5 ('!!' x2 in 3 words)"]


def test_few_distinct_words_in_both_languages_leaves_blank_to_missing_values():
    got = reasons(FewDistinctWords(), ["ok OK ok ok", "好的好的", "???", EN, ZH, "", "   ", None])
    assert got[0] == "response has 1 distinct word (min 3)"
    assert got[1] == "response has 2 distinct words (min 3)"
    assert got[2] == "response has 0 distinct words (min 3)"
    assert got[3:] == [None] * 5


def test_boilerplate_is_case_insensitive_and_names_the_phrase():
    got = reasons(Boilerplate(), [EN, ZH, "For more, CLICK HERE.", "内容来自网络，版权所有，转载请注明。"])
    assert got == [None, None, "response contains boilerplate 'click here'",
                   "response contains boilerplate '版权所有'"]
    assert reasons(Boilerplate(phrases=["see a doctor"]), [EN, ZH]) == [
        "response contains boilerplate 'see a doctor'", None]


def qa(pairs):
    return pa.table({"id": [f"r{i}" for i in range(len(pairs))],
                     "question": [q for q, _ in pairs], "response": [a for _, a in pairs]})


def test_answer_that_only_repeats_the_question_is_dropped():
    table = qa([
        ("What should I do about a headache?", "What should I do about a headache?"),
        ("What should I do about a headache?", "about a headache"),
        ("What should I do about a headache?", EN),
        ("Should I take ibuprofen for a headache?", "Yes, you can take ibuprofen for a headache after food."),
        ("感冒了应该吃什么药？", "感冒了应该吃什么药"),
        ("感冒了应该吃什么药？", "感冒了应该多喝水，多休息，发烧时可以吃退烧药。"),
        ("头痛", None),
    ])
    got = AnswerRepeatsQuestion().run(table).reasons
    assert got[0] == "response repeats the question: 100% of its 7 distinct words are in the question (max 80%)"
    assert got[1] is not None and got[4] is not None
    assert got[2] is None and got[3] is None and got[5] is None and got[6] is None


def test_answer_repeats_question_fields_are_configurable_and_checked():
    table = pa.table({"ask": ["Is rest enough?"], "answer": ["Is rest enough"]})
    assert AnswerRepeatsQuestion("ask", "answer").run(table).reasons[0].startswith("answer repeats the ask: 100%")
    with pytest.raises(UserError, match="AnswerRepeatsQuestion.question_field: field 'question' is not in the data"):
        AnswerRepeatsQuestion(answer_field="answer").run(table)


def test_rules_run_in_the_pipeline_and_reject_with_reasons():
    table = qa([("Fever?", EN), ("发烧？", ZH), ("Fever?", "Click here to read more. " * 3), ("Fever?", "Fever?")])
    steps = [("boilerplate", Boilerplate()), ("echo", AnswerRepeatsQuestion()), ("ngrams", RepeatedNgrams())]
    kept, rejected, report = run_cleaning(table, steps)
    assert kept.column("id").to_pylist() == ["r0", "r1"]
    assert report.by_rule == {"boilerplate": 1, "echo": 1}
    assert rejected[0].column("_reason").to_pylist() == ["response contains boilerplate 'click here'"]


@pytest.mark.parametrize("make, message", [
    (lambda: RepeatedNgrams(max_share=1.5), "RepeatedNgrams.max_share must be a share between 0 and 1"),
    (lambda: RepeatedNgrams(n=1), "RepeatedNgrams.n must be a whole number from 2 to 64"),
    (lambda: RepeatedLines(max_share="half"), "RepeatedLines.max_share must be a share"),
    (lambda: SymbolRatio(symbols=[], emoji=False), "SymbolRatio has nothing to count"),
    (lambda: FewDistinctWords(min_distinct=0), "FewDistinctWords.min_distinct must be a whole number"),
    (lambda: Boilerplate(phrases=[]), "Boilerplate.phrases must be a list of non-empty phrases"),
    (lambda: AnswerRepeatsQuestion(max_overlap=2), "AnswerRepeatsQuestion.max_overlap must be a share"),
])
def test_config_mistakes_are_user_errors(make, message):
    with pytest.raises(UserError, match=message):
        make()


def test_unknown_field_is_a_user_error():
    with pytest.raises(UserError, match="field 'answer' is not in the data"):
        RepeatedLines(fields=["answer"]).run(pa.table({"response": [EN]}))
