import zipfile

import pytest
from ebooklib import epub

from dsbuild.documents.extract import extract
from dsbuild.documents.model import ExtractionError


def _chapter(file_name, title, body, lang="en"):
    chapter = epub.EpubHtml(title=title, file_name=file_name, lang=lang)
    head = f"<head><title>{title}</title><style>p {{color: red}}</style></head>"
    chapter.content = f"<html>{head}<body>{body}</body></html>"
    return chapter


@pytest.fixture
def book_path(tmp_path):
    book = epub.EpubBook()
    book.set_identifier("dsbuild-test-book")
    book.set_title("Home  Care")
    book.set_language("en")
    preface = _chapter("preface.xhtml", "Preface", "<p>Short.</p>")
    fever = _chapter(
        "fever.xhtml", "Fever",
        "<h1>Fever</h1><p>Drink   water\n and rest.<br/>Check the temperature.</p>"
        "<ul><li>Water</li><li>Rest</li></ul><!-- an editor's note -->",
    )
    chinese = _chapter("zh.xhtml", "发烧", "<h2>儿童发烧</h2><p>多喝水，\n注意休息。</p><script>track()</script>", "zh")
    untitled = _chapter("more.xhtml", "", "<p>Continued text of the same chapter.</p>")
    for chapter in (preface, fever, chinese, untitled):
        book.add_item(chapter)
    book.toc = [epub.Link("preface.xhtml", "Preface", "preface"), (epub.Section("Illness"), [fever, chinese])]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", preface, chinese, untitled, fever]  # reading order differs from the TOC on purpose
    path = tmp_path / "care.epub"
    epub.write_epub(str(path), book)
    return path


def test_chapters_in_spine_order_titled_by_the_toc(book_path):
    document = extract(book_path)
    assert document.title == "Home Care"
    assert [(s.headings, s.text) for s in document.sections] == [
        (("Preface",), "Preface\n\nShort."),
        (("发烧",), "发烧\n\n儿童发烧\n\n多喝水，注意休息。\n\nContinued text of the same chapter."),
        (("Fever",), "Fever\n\nDrink water and rest.\nCheck the temperature.\n\nWater\n\nRest"),
    ]


def test_a_chapter_missing_from_the_toc_is_titled_by_its_first_heading(tmp_path):
    book = epub.EpubBook()
    book.set_identifier("x")
    book.set_title("Notes")
    chapter = _chapter("c1.xhtml", "ignored", "<h2>Cough  remedies</h2><p>Honey helps.</p>")
    book.add_item(chapter)
    book.spine = [chapter]
    book.add_item(epub.EpubNcx())
    path = tmp_path / "notes.epub"
    epub.write_epub(str(path), book)
    assert [(s.headings, s.text) for s in extract(path).sections] == [
        (("Cough remedies",), "Cough remedies\n\nHoney helps.")
    ]


def test_a_file_that_is_not_an_epub_is_an_extraction_error(tmp_path):
    path = tmp_path / "broken.epub"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ExtractionError, match=r"^not a valid EPUB \(.*\); re-export it or remove it from source.path$"):
        extract(path)


def test_a_zip_without_container_is_an_extraction_error(tmp_path):
    path = tmp_path / "hollow.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    with pytest.raises(ExtractionError, match="not a valid EPUB"):
        extract(path)
