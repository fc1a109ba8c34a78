"""The byte-level text kernels agree with plain-Python definitions on any text."""

import re
import unicodedata

import pyarrow as pa
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from dsbuild.textops import (
    drop_punctuation_and_space,
    nfkc,
    normalize_keeping_fullwidth_punctuation,
    replace_where,
    row_digests,
    space_class,
)

# Text rich in what the kernels care about: full-width forms, CJK punctuation, private-use stand-ins.
alphabet = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
    st.sampled_from("，：？（）！。、「」【】ＡＢ１２３　“”…—\ue001\ue041 \t\nab,.?"),
)
texts = st.lists(st.one_of(st.none(), st.text(alphabet, max_size=30)), max_size=25)
PUNCT = {chr(c) for r in ((0xFF01, 0xFF10), (0xFF1A, 0xFF21), (0xFF3B, 0xFF41), (0xFF5B, 0xFF66)) for c in range(*r)}


def reference_nfkc_keeping(s):
    out, run = [], []
    for ch in s:
        if ch in PUNCT:
            out.append(unicodedata.normalize("NFKC", "".join(run)))
            out.append(ch)
            run = []
        else:
            run.append(ch)
    out.append(unicodedata.normalize("NFKC", "".join(run)))
    return "".join(out)


def reference_drop(s):
    return "".join(ch for ch in s if not ((ord(ch) < 128 and not ch.isalnum()) or 0x2000 <= ord(ch) <= 0x205F
                                          or 0x3000 <= ord(ch) <= 0x303F))


@settings(max_examples=200, deadline=None)
@given(texts, st.integers(0, 3))
def test_nfkc_keeping_punctuation_matches_the_reference(values, start):
    column = pa.array(values, pa.large_string()).slice(min(start, len(values)))
    got = normalize_keeping_fullwidth_punctuation(column, "NFKC").to_pylist()
    assert got == [None if v is None else reference_nfkc_keeping(v) for v in column.to_pylist()]


def test_nfkc_keeping_punctuation_examples():
    column = pa.array(["ＢＰ １４０/９０，头痛？", "（急）ＡＢ\u3000c", "\ue001，Ａ"])
    assert normalize_keeping_fullwidth_punctuation(column, "NFKC").to_pylist() == [
        "BP 140/90，头痛？", "（急）AB c", "\ue001，A"]


unicode_texts = st.lists(st.one_of(st.none(), st.text(st.one_of(
    # Cn: characters this Python's Unicode tables do not know yet may have a mapping in Arrow's newer ones
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cn")),
    st.sampled_from("ＡＢ１，？　e\u0301\u0308가\u1100\u1161\u11a8ﬁ½℃。中文"),
), max_size=20)), max_size=25)


@settings(max_examples=300, deadline=None)
@given(unicode_texts)
def test_nfkc_matches_unicodedata(values):
    got = nfkc(pa.array(values, pa.large_string())).to_pylist()
    assert got == [None if v is None else unicodedata.normalize("NFKC", v) for v in values]


@settings(max_examples=200, deadline=None)
@given(texts)
def test_drop_punctuation_matches_the_reference(values):
    values = [None if v is None else unicodedata.normalize("NFKC", v) for v in values]
    got = drop_punctuation_and_space(pa.array(values, pa.large_string())).to_pylist()
    assert got == [None if v is None else reference_drop(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(texts)
def test_row_digests_hash_the_utf8_bytes(values):
    got = row_digests(pa.array(values, pa.string())).to_pylist()
    assert got == [xxhash.xxh3_128_digest((v or "").encode()) for v in values]


@settings(max_examples=100, deadline=None)
@given(texts)
def test_replace_where_equals_replacing_everywhere(values):
    got = replace_where(pa.array(values), f"[{space_class(' ')}]|  ", [(f"[{space_class()}]+", " ")]).to_pylist()
    assert got == [None if v is None else re.sub(r"\s+", " ", v) for v in values]
