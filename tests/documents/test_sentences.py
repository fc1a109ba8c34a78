"""Sentence, clause, line and word splitting for Chinese and English text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dsbuild.documents.sentences import clauses, lines, paragraphs, sentences, trimmed, words


def texts(spans, text):
    return [text[start:end] for start, end in spans]


def test_chinese_sentence_ends_keep_closing_quotes():
    text = "他说：“好。”然后走了……真的吗？！是的；我们走吧。OK!好的"
    assert texts(sentences(text), text) == [
        "他说：“好。”",
        "然后走了……",
        "真的吗？！",
        "是的；",
        "我们走吧。",
        "OK!",
        "好的",
    ]


def test_english_sentence_ends_skip_abbreviations_decimals_and_initials():
    text = (
        "Dr. Smith gave 3.5 mg. to J. K. Rowling, e.g. the patient. Then he left! Was it ok? "
        'He said "stop." See Fig. 2 and No. 5 etc. In the U.S. Army. Done...'
    )
    assert texts(sentences(text), text) == [
        "Dr. Smith gave 3.5 mg. to J. K. Rowling, e.g. the patient.",
        "Then he left!",
        "Was it ok?",
        'He said "stop."',
        "See Fig. 2 and No. 5 etc. In the U.S. Army.",
        "Done...",
    ]


def test_blank_lines_end_sentences_and_single_line_breaks_do_not():
    text = "A heading\n\nwrapped line\ncontinues here. Next one\n \n after etc.\n\nend"
    assert texts(sentences(text), text) == [
        "A heading",
        "wrapped line\ncontinues here.",
        "Next one",
        "after etc.",
        "end",
    ]


def test_offsets_index_the_whole_text_when_splitting_a_part():
    text = "skip. 第一句。第二句。 skip"
    start = text.index("第")
    assert sentences(text, start, start + 8) == [(start, start + 4), (start + 4, start + 8)]
    assert texts(sentences(text, start, start + 8), text) == ["第一句。", "第二句。"]


def test_clauses_lines_paragraphs_and_words():
    text = "一、发热，咳嗽：多喝水 3,500 mg, twice; rest: yes"
    assert texts(clauses(text, 0, len(text)), text) == [
        "一、",
        "发热，",
        "咳嗽：",
        "多喝水 3,500 mg,",
        "twice;",
        "rest:",
        "yes",
    ]
    text = "one\r\ntwo  \n\n\nthree four"
    assert texts(lines(text, 0, len(text)), text) == ["one", "two", "three four"]
    assert texts(paragraphs(text, 0, len(text)), text) == ["one\r\ntwo", "three four"]
    assert texts(words(text, 0, len(text)), text) == ["one", "two", "three", "four"]


def test_trimmed():
    assert trimmed("  ab c \n", 0, 8) == (2, 6)
    assert trimmed(" \n\t", 0, 3) is None


_PARTS = st.sampled_from(
    ["发热。", "咳嗽，", "真的吗？！", "好……", "“是。”", "Dr. Who", "3.5 mg.", "Yes!", "e.g.", "No. 5", "word", "a, b;"]
)
_GAPS = st.sampled_from(["", " ", "  ", "\n", "\n\n", " \n \n "])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_PARTS, _GAPS), min_size=1, max_size=30))
def test_every_splitter_covers_each_visible_character_once_in_order(parts):
    text = "".join(part + gap for part, gap in parts)
    span = trimmed(text, 0, len(text))
    visible = "".join(text.split())
    for split in (sentences, clauses, lines, paragraphs, words):
        pieces = split(text, *span)
        assert "".join("".join(piece.split()) for piece in texts(pieces, text)) == visible
        assert all(trimmed(text, start, end) == (start, end) for start, end in pieces)
        assert all(a[1] <= b[0] for a, b in zip(pieces, pieces[1:]))
