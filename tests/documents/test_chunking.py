"""Chunking documents into passages: exact chunks per strategy, properties on random zh/en documents, config errors."""

from __future__ import annotations

import os

import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from dsbuild.documents import tokens
from dsbuild.documents.chunking import ChunkingConfig, chunk_document
from dsbuild.documents.model import Document, Section
from dsbuild.documents.sentences import sentences
from dsbuild.errors import UserError


def cut(doc, **options):
    return [chunk.text for chunk in chunk_document(doc, ChunkingConfig(**options))]


# "Fever is common. Rest helps." + blank line + "Drink water. See a doctor." (56 characters)
ENGLISH = Document([Section("Fever is common. Rest helps.\n\nDrink water. See a doctor.")])
CHINESE = Document([Section("心脏泵血。它有四个腔室，瓣膜让血液单向流动。"), Section("肺部为血液加氧。")])


def test_recursive_keeps_paragraphs_that_fit_whole():
    assert cut(ENGLISH, strategy="recursive", max_size=45, min_size=0) == [
        "Fever is common. Rest helps.",
        "Drink water. See a doctor.",
    ]


def test_fixed_packs_sentences_across_paragraphs():
    assert cut(ENGLISH, strategy="fixed", max_size=45, min_size=0) == [
        "Fever is common. Rest helps.\n\nDrink water.",
        "See a doctor.",
    ]


def test_fixed_overlap_carries_whole_sentences_within_the_budget():
    chunks = chunk_document(ENGLISH, ChunkingConfig(strategy="fixed", max_size=45, min_size=0, overlap=20))
    assert [c.text for c in chunks] == ["Fever is common. Rest helps.\n\nDrink water.", "Drink water. See a doctor."]
    assert chunks[1].start == ENGLISH.text.index("Drink")


def test_a_tiny_trailing_piece_joins_its_neighbour_only_when_that_fits():
    assert cut(ENGLISH, strategy="fixed", max_size=45, min_size=20)[-1] == "See a doctor."  # 56 > 45: stays
    assert cut(ENGLISH, strategy="fixed", max_size=56, min_size=20) == [ENGLISH.text]


def test_chinese_recursive_and_fixed_cut_at_sentence_then_clause_ends():
    assert cut(CHINESE, strategy="recursive", max_size=17, min_size=0) == [
        "心脏泵血。",
        "它有四个腔室，瓣膜让血液单向流动。",
        "肺部为血液加氧。",
    ]
    assert cut(CHINESE, strategy="fixed", max_size=12, min_size=0)[0] == "心脏泵血。它有四个腔室，"  # 17 > 12
    assert cut(CHINESE, strategy="fixed", max_size=11, min_size=0) == [
        "心脏泵血。",
        "它有四个腔室，",
        "瓣膜让血液单向流动。",
        "肺部为血液加氧。",
    ]


def test_one_sentence_longer_than_max_size_is_split_at_clauses_then_spaces_then_characters():
    doc = Document([Section("一二三四五六七八九十，甲乙丙。alpha beta gamma delta")])
    assert cut(doc, strategy="fixed", max_size=6, min_size=0) == [
        "一二三四五六",
        "七八九十，",
        "甲乙丙。",
        "alpha",
        "beta",
        "gamma",
        "delta",
    ]


HEADED = Document(
    [
        Section("Overview.", page=1, headings=("Heart",)),
        Section("Valves keep blood moving one way.", page=1, headings=("Heart", "Valves")),
        Section("Rate: 60-100.", page=2, headings=("Heart", "Rate")),
        Section("The lungs add oxygen to the blood.", page=3, headings=("Lungs",)),
    ]
)


def test_headings_merges_a_small_section_into_the_next_one_under_the_same_parent():
    chunks = chunk_document(HEADED, ChunkingConfig(strategy="headings", max_size=50, min_size=15))
    assert [(c.text, c.headings, c.pages) for c in chunks] == [
        ("Overview.\n\nValves keep blood moving one way.", ("Heart",), (1, 1)),
        ("Rate: 60-100.", ("Heart", "Rate"), (2, 2)),  # Lungs is not under Heart, and Heart's chunk is full
        ("The lungs add oxygen to the blood.", ("Lungs",), (3, 3)),
    ]
    assert [c.index for c in chunks] == [0, 1, 2]


def test_headings_never_packs_across_sections_but_recursive_does():
    doc = Document([Section("Alpha one. Alpha two.", headings=("A",)), Section("Beta one.", headings=("B",))])
    assert cut(doc, strategy="headings", max_size=100, min_size=0) == ["Alpha one. Alpha two.", "Beta one."]
    assert cut(doc, strategy="recursive", max_size=100, min_size=0) == [doc.text]


def test_headings_splits_a_big_section_within_itself():
    doc = Document([Section("First part here. Second part here.", page=4, headings=("A",)), Section("Other.")])
    chunks = chunk_document(doc, ChunkingConfig(strategy="headings", max_size=20, min_size=0))
    assert [(c.text, c.pages, c.headings) for c in chunks] == [
        ("First part here.", (4, 4), ("A",)),
        ("Second part here.", (4, 4), ("A",)),
        ("Other.", None, ()),
    ]


def test_pages_span_the_sections_a_chunk_covers():
    doc = Document([Section("Page one ends.", page=1), Section("Page two.", page=2), Section("Three.", page=3)])
    chunks = chunk_document(doc, ChunkingConfig(strategy="recursive", max_size=30, min_size=0))
    assert [(c.text, c.pages) for c in chunks] == [("Page one ends.\n\nPage two.", (1, 2)), ("Three.", (3, 3))]


def test_empty_and_blank_documents_have_no_chunks():
    for strategy in ("headings", "recursive", "fixed"):
        assert cut(Document([]), strategy=strategy) == []
        assert cut(Document([Section("  \n "), Section("")]), strategy=strategy) == []


# ---- properties on random documents of mixed Chinese and English sentences ----

_SENTENCES = [
    "患者出现发热、咳嗽等症状。",
    "建议多喝水，注意休息！",
    "是否需要进一步检查？",
    "医生说：“没有大碍。”",
    "The patient was given 3.5 mg. of the drug, e.g. aspirin.",
    "Dr. Smith saw him twice!",
    "Is it serious?",
    "这是一段没有任何标点而且非常长的句子用来测试按字符切分的情况它会一直写下去直到超过最大长度为止",
    "averyveryveryverylongwordwithoutanyspacesinsideitatalltotestcharactersplitting",
    "A long English sentence with many words but no clause punctuation runs on and on for a while",
]
_GAPS = [" ", "", "\n", "\n\n", "  "]

documents = st.lists(
    st.lists(st.tuples(st.sampled_from(_SENTENCES), st.sampled_from(_GAPS)), min_size=0, max_size=12).map(
        lambda parts: Section("".join(s + g for s, g in parts).strip(" "), headings=("H",))
    ),
    min_size=1,
    max_size=4,
).map(Document)


@st.composite
def configs(draw, overlap=True):
    max_size = draw(st.integers(8, 160))
    return ChunkingConfig(
        strategy=draw(st.sampled_from(["headings", "recursive", "fixed"])),
        max_size=max_size,
        min_size=draw(st.integers(0, max_size)),
        overlap=draw(st.integers(0, max_size - 1)) if overlap else 0,
    )


def visible(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=200, deadline=None)
@given(documents, configs())
def test_chunks_are_exact_trimmed_slices_within_max_size(doc, config):
    text = doc.text
    chunks = chunk_document(doc, config)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()
        assert len(chunk.text) <= config.max_size  # in characters every run can be split
    assert chunk_document(doc, config) == chunks  # stable


@settings(max_examples=200, deadline=None)
@given(documents, configs(overlap=False))
def test_without_overlap_chunks_cover_every_visible_character_once_in_order(doc, config):
    chunks = chunk_document(doc, config)
    assert "".join(visible(c.text) for c in chunks) == visible(doc.text)
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))


@settings(max_examples=200, deadline=None)
@given(documents, configs())
def test_overlap_carries_whole_sentences_from_the_previous_chunk(doc, config):
    chunks = chunk_document(doc, config)
    starts = {start for start, _ in sentences(doc.text)}
    for previous, chunk in zip(chunks, chunks[1:]):
        assert chunk.start > previous.start
        if chunk.start < previous.end:
            assert chunk.start in starts
            assert previous.end - chunk.start <= config.overlap
    covered = [False] * len(doc.text)
    for chunk in chunks:
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    assert all(covered[i] for i, ch in enumerate(doc.text) if not ch.isspace())


@settings(max_examples=200, deadline=None)
@given(documents, configs(overlap=False).filter(lambda c: c.strategy == "fixed"))
def test_fixed_chunks_end_mid_sentence_only_inside_a_sentence_longer_than_max_size(doc, config):
    text = doc.text
    whole = sentences(text)
    ends = {end for _, end in whole}
    for chunk in chunk_document(doc, config):
        if chunk.end not in ends:
            start, end = next(s for s in whole if s[0] < chunk.end <= s[1])
            assert end - start > config.max_size


@settings(max_examples=200, deadline=None)
@given(documents, configs().filter(lambda c: c.strategy != "headings"))
def test_a_chunk_under_min_size_could_not_join_a_neighbour(doc, config):
    chunks = chunk_document(doc, config)
    for i, chunk in enumerate(chunks):
        if len(chunk.text) < config.min_size:
            if i > 0:
                assert chunk.end - chunks[i - 1].start > config.max_size
            if i + 1 < len(chunks):
                assert chunks[i + 1].end - chunk.start > config.max_size


# ---- tokens ----


def test_tokens_mode_uses_the_bundled_cl100k_offline_and_respects_max_size(monkeypatch):
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    count = tokens._tiktoken_counter("cl100k_base")
    assert os.environ["TIKTOKEN_CACHE_DIR"].endswith(os.path.join("litellm_core_utils", "tokenizers"))
    encoding = tiktoken.get_encoding("cl100k_base")
    assert count("患者出现发热。 Fever.") == len(encoding.encode("患者出现发热。 Fever."))
    doc = Document([Section(" ".join(_SENTENCES[:7]) * 3)])
    chunks = chunk_document(doc, ChunkingConfig(unit="tokens", strategy="fixed", max_size=40, min_size=10, overlap=8))
    assert len(chunks) > 3
    assert all(len(encoding.encode(c.text)) <= 40 for c in chunks)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)
    assert "".join(visible(c.text) for c in chunks).find(visible(doc.text)[-20:]) >= 0


@settings(max_examples=60, deadline=None)
@given(documents, configs().filter(lambda c: c.max_size >= 2 * 4))
def test_tokens_mode_chunks_fit_max_size_in_tokens(doc, config):
    count = tokens._tiktoken_counter("cl100k_base")  # the bundled BPE file: tiktoken alone would download it
    tokens_config = ChunkingConfig(
        strategy=config.strategy, unit="tokens", max_size=config.max_size // 4, min_size=0, overlap=0
    )
    chunks = chunk_document(doc, tokens_config)
    for chunk in chunks:
        assert count(chunk.text) <= tokens_config.max_size or len(chunk.text) == 1
    assert "".join(visible(c.text) for c in chunks) == visible(doc.text)


def test_tokens_mode_with_a_hugging_face_tokenizer_json(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, "Yes": 1, "yes": 2, "No": 3, "no": 4, ".": 5}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    path = tmp_path / "tokenizer.json"
    tokenizer.save(str(path))
    doc = Document([Section("Yes no no. Yes yes. No no no yes. Yes.")])  # 4, 3, 5 and 2 tokens (a word or a dot each)
    config = ChunkingConfig(unit="tokens", tokenizer=str(path), strategy="fixed", max_size=7, min_size=0)
    assert [c.text for c in chunk_document(doc, config)] == ["Yes no no. Yes yes.", "No no no yes. Yes."]


# ---- config ----


def test_config_from_a_mapping_with_defaults():
    config = ChunkingConfig.from_mapping(OmegaConf.create({"strategy": "fixed", "max_size": 800, "overlap": None}))
    assert config == ChunkingConfig(strategy="fixed", max_size=800)
    assert ChunkingConfig.from_mapping(None) == ChunkingConfig()
    assert (ChunkingConfig().unit, ChunkingConfig().max_size, ChunkingConfig().min_size) == ("chars", 1000, 100)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"overlap": 300, "max_size": 200},
            "source.chunking.overlap (300) must be smaller than max_size (200); lower it",
        ),
        ({"min_size": 300, "max_size": 200}, "source.chunking.min_size (300) must not exceed max_size (200)"),
        ({"strategy": "pages"}, "source.chunking.strategy is 'pages'; use one of headings, recursive, fixed"),
        ({"unit": "words"}, "source.chunking.unit is 'words'; use one of chars, tokens"),
        ({"max_size": 0}, "source.chunking.max_size is 0; set a whole number of at least 1"),
        ({"max_size": "big"}, "source.chunking.max_size is 'big'; set a whole number of at least 1"),
        ({"overlap": True}, "source.chunking.overlap is True"),
        ({"size": 10}, "source.chunking.size is not an option; use strategy, unit, max_size"),
        ({"unit": "tokens", "tokenizer": "no_such_encoding"}, "source.chunking.tokenizer: unknown tiktoken encoding"),
        ({"unit": "tokens", "tokenizer": "missing/tokenizer.json"}, "source.chunking.tokenizer: no file missing"),
    ],
)
def test_bad_configs_raise_one_line_user_errors(options, message):
    with pytest.raises(UserError) as caught:
        ChunkingConfig.from_mapping(options)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_broken_tokenizer_file_is_a_user_error(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text("{not json")
    with pytest.raises(UserError, match="is not a Hugging Face tokenizer.json"):
        ChunkingConfig(unit="tokens", tokenizer=str(path))
