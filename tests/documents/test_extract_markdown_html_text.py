import unicodedata

import pytest

from dsbuild.documents.extract import EXTRACTORS, SUFFIXES, extract
from dsbuild.documents.html import NO_MAIN_TEXT, extract_html
from dsbuild.documents.markdown import markdown_sections, split_front_matter
from dsbuild.documents.model import ExtractionError

MARKDOWN = """\
---
title: Headache   guide
tags: [neuro, home care]
---
Read this first.

# Headaches

Most headaches are harmless.

## Tension *type*

A tight band around the head.

```bash
# not a heading, a shell comment
echo rest
```

Migraine
--------

Nausea and light sensitivity.

### 偏头痛的处理

在安静、黑暗的房间休息。

# Fever
Drink water.
"""


def test_markdown_sections_keep_heading_paths_and_ignore_hashes_in_code(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    document = extract(path)
    assert document.title == "Headache guide"
    assert [(s.headings, s.text) for s in document.sections] == [
        ((), "Read this first."),
        (("Headaches",), "# Headaches\n\nMost headaches are harmless."),
        (
            ("Headaches", "Tension type"),
            "## Tension *type*\n\nA tight band around the head.\n\n```bash\n# not a heading, a shell comment\n"
            "echo rest\n```",
        ),
        (("Headaches", "Migraine"), "## Migraine\n\nNausea and light sensitivity."),
        (("Headaches", "Migraine", "偏头痛的处理"), "### 偏头痛的处理\n\n在安静、黑暗的房间休息。"),
        (("Fever",), "# Fever\n\nDrink water."),
    ]


def test_markdown_in_gb18030_with_crlf_is_decoded(tmp_path):
    path = tmp_path / "zh.markdown"
    path.write_bytes("# 发烧\r\n\r\n多喝水。  \r\n".encode("gb18030"))
    document = extract(path)
    assert [(s.headings, s.text) for s in document.sections] == [(("发烧",), "# 发烧\n\n多喝水。")]
    assert document.meta == {"encoding": "gb18030"}


@pytest.mark.parametrize(
    "text",
    [
        "---\n\nA thematic break first, then text.\n",  # no closing fence: not front matter
        "---\njust: [unclosed\n---\nBody.\n",  # not YAML
        "---\n- a list\n---\nBody.\n",  # YAML, but not a mapping
    ],
)
def test_text_that_only_looks_like_front_matter_is_kept(text):
    assert split_front_matter(text) == ({}, text)


def test_markdown_without_headings_is_one_section():
    assert [(s.headings, s.text) for s in markdown_sections("One.\n\n\n\nTwo.   \n")] == [((), "One.\n\nTwo.")]


PAGE = """<!doctype html>
<html><head><title>Tension headache | Example Clinic</title>
<meta property="og:title" content="Tension headache"></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/doctors">Find a doctor</a></li>
<li><a href="/book">Book an appointment</a></li></ul></nav>
<article>
<h1>Tension headache</h1>
<p>A tension headache is the most common kind of headache. It feels like a tight band around the head
and usually goes away with rest, water and sleep.</p>
<h2>Treatment</h2>
<p>Most people feel better after a mild pain reliever. See a doctor when the headache is sudden, severe,
or comes with fever and a stiff neck.</p>
<h3>在家护理</h3>
<p>在安静、黑暗的房间休息，多喝水，必要时服用止痛药。如果头痛持续三天以上，请及时就医。</p>
</article>
<footer><p>Copyright 2024 Example Clinic. All rights reserved.</p><p>Privacy policy | Terms of use</p></footer>
</body></html>"""


def test_html_main_text_has_sections_and_no_boilerplate(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text(PAGE, encoding="utf-8")
    document = extract(path)
    assert document.title == "Tension headache | Example Clinic"  # the page's <title>
    assert [s.headings for s in document.sections] == [
        ("Tension headache",),
        ("Tension headache", "Treatment"),
        ("Tension headache", "Treatment", "在家护理"),
    ]
    assert document.sections[0].text.startswith("# Tension headache\n\nA tension headache is the most common")
    assert document.sections[2].text == (
        "### 在家护理\n\n在安静、黑暗的房间休息，多喝水，必要时服用止痛药。如果头痛持续三天以上，请及时就医。"
    )
    for boilerplate in ("Find a doctor", "Book an appointment", "Copyright", "Privacy policy"):
        assert boilerplate not in document.text


def test_html_bytes_in_a_declared_charset_and_url_meta():
    html = PAGE.replace("<head>", '<head><meta charset="gbk">').encode("gbk")
    document = extract_html(html, url="https://clinic.example/headache")
    assert "请及时就医" in document.text
    assert document.meta == {"url": "https://clinic.example/headache"}


def test_page_without_main_text_is_an_extraction_error():
    with pytest.raises(ExtractionError) as err:
        extract_html("<html><body><div id='app'></div><script>render()</script></body></html>")
    assert str(err.value) == NO_MAIN_TEXT
    assert str(err.value).startswith("no main text found in the page")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_text_files_are_decoded_and_tidied(tmp_path, encoding):
    path = tmp_path / "notes.txt"
    path.write_bytes("Fever notes  \r\n\r\n\r\n\r\n发烧时多喝水。\t\nCafe\u0301\n\n".encode(encoding))
    document = extract(path)
    sections = [(s.headings, s.page, s.text) for s in document.sections]
    assert sections == [((), None, "Fever notes\n\n发烧时多喝水。\nCafé")]
    assert unicodedata.is_normalized("NFC", document.text)


def test_empty_text_file_has_no_sections(tmp_path):
    path = tmp_path / "empty.text"
    path.write_text(" \n\n", encoding="utf-8")
    assert extract(path).sections == []


def test_undecodable_text_is_an_extraction_error(tmp_path):
    path = tmp_path / "binary.txt"
    path.write_bytes(b"\xff\xfe\xfd\x80\x81 not text" * 3 + b"\x00")
    with pytest.raises(ExtractionError, match="save it as UTF-8"):
        extract(path)


def test_suffixes_and_case_insensitive_dispatch(tmp_path):
    assert SUFFIXES == {".pdf", ".docx", ".md", ".markdown", ".html", ".htm", ".txt", ".text", ".epub"}
    path = tmp_path / "README.MD"
    path.write_text("# Hi\n\nthere", encoding="utf-8")
    assert extract(path).sections[0].headings == ("Hi",)


def test_unknown_suffix_is_an_extraction_error(tmp_path):
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"PK")
    with pytest.raises(ExtractionError, match=r"cannot extract text from \.pptx files; use one of \.docx, "):
        extract(path)


def test_a_parser_crash_becomes_a_one_line_extraction_error(tmp_path, monkeypatch):
    def crash(path):
        raise RuntimeError("unexpected token\nat line 3")

    monkeypatch.setitem(EXTRACTORS, ".txt", crash)
    path = tmp_path / "a.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ExtractionError) as err:
        extract(path)
    assert str(err.value) == "cannot read this TXT file (RuntimeError: unexpected token)"


def test_a_trafilatura_crash_on_a_fetched_page_is_an_extraction_error(monkeypatch):
    def crash(*args, **kwargs):
        raise ValueError("bad tree")

    monkeypatch.setattr("dsbuild.documents.html.trafilatura.extract", crash)
    with pytest.raises(ExtractionError, match=r"^cannot parse the page \(ValueError: bad tree\)$"):
        extract_html(PAGE, url="https://clinic.example/")


@pytest.mark.parametrize("text", [
    "intro\n\n```\n# not a heading\n```\n\n## **Bold** [link](http://x) heading ##\n\ntext\n\n### Sub\n\nmore",
    "# 标题\n\n正文第一段。\n\n## 小节\n\n- 一\n- 二\n\n~~~\n## 代码\n~~~\n\n# Next\n\ntail",
    "no heading at all\n\njust text",
    "#not a heading\n\n   ## indented heading\n\nbody",
])
def test_atx_scan_gives_the_same_sections_as_the_commonmark_parser(text):
    from dsbuild.documents.markdown import atx_sections, markdown_sections

    assert atx_sections(text) == markdown_sections(text)
