import pyarrow as pa

from dsbuild.clean.normalize import FullwidthToHalfwidth, NormalizeText, StripHtml


def col(table, name="q"):
    return table.column(name).to_pylist()


def test_nfkc_folds_fullwidth_letters_and_keeps_chinese_punctuation():
    t = pa.table({"q": ["ＢＰ １４０/９０，头痛？", "３８℃ fever"]})
    assert col(NormalizeText().run(t).table) == ["BP 140/90，头痛？", "38°C fever"]


def test_nfkc_without_protection_turns_chinese_punctuation_ascii():
    t = pa.table({"q": ["头痛，怎么办？"]})
    assert col(NormalizeText(keep_fullwidth_punctuation=False).run(t).table) == ["头痛,怎么办?"]


def test_whitespace_is_tidied_but_paragraphs_survive():
    t = pa.table({"q": ["  a \t  b  \n\n\n\n  c  ", None]})
    assert col(NormalizeText().run(t).table) == ["a b\n\nc", None]


def test_only_configured_fields_change():
    t = pa.table({"q": ["Ａ"], "r": ["Ａ"]})
    out = NormalizeText(fields=["q"]).run(t).table
    assert col(out, "q") == ["A"] and col(out, "r") == ["Ａ"]


def test_fullwidth_to_halfwidth():
    t = pa.table({"q": ["头痛，怎么办？（急）\u3000ＡＢ"]})
    assert col(FullwidthToHalfwidth().run(t).table) == ["头痛,怎么办?(急) AB"]


def test_strip_html_keeps_comparisons_and_breaks_blocks():
    t = pa.table({"q": ["<p>Hi&nbsp;there</p><p>x &amp; y<br/>z</p>", "BP < 140 and > 90", "<script>x()</script>ok"]})
    assert col(StripHtml().run(t).table) == ["Hi there\n\nx & y\nz", "BP < 140 and > 90", "ok"]
