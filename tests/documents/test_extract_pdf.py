import glob
import io

import numpy as np
import pytest
from doc_files import pdf_document as _pdf
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from dsbuild.documents.extract import extract
from dsbuild.documents.model import ExtractionError
from dsbuild.documents.pdf import ENCRYPTED, NO_TEXT

EN_PAGES = [
    [
        "Tension headaches are the most common kind of",
        "headache. They feel like a tight band around the",
        "head, and most of them are helped by early treat-",
        "ment with rest, water and sleep.",
        "Most of them pass within a day.",
    ],
    [
        "Migraines come with nausea and a strong dislike",
        "of light, sound and smells; a dark and quiet room",
        "helps while the attack lasts for some hours.",
        "See a doctor when it is new.",
        "Keep a diary of every attack.",
    ],
    [
        "Cluster headaches are rare but very severe and",
        "strike around one eye, often at the same hour of",
        "the night, for weeks at a time before they stop.",
    ],
]
EN_CLEANED = [
    "Tension headaches are the most common kind of headache. They feel like a tight band around the head, and most "
    "of them are helped by early treatment with rest, water and sleep.\n\nMost of them pass within a day.",
    # a sentence that ends a full-width line cannot be told from one inside a paragraph
    "Migraines come with nausea and a strong dislike of light, sound and smells; a dark and quiet room helps while "
    "the attack lasts for some hours. See a doctor when it is new.\n\nKeep a diary of every attack.",
    "Cluster headaches are rare but very severe and strike around one eye, often at the same hour of the night, for "
    "weeks at a time before they stop.",
]


def _write(tmp_path, pdf: FPDF, name="doc.pdf"):
    path = tmp_path / name
    pdf.output(str(path))
    return path


def _image_page(pdf: FPDF) -> None:
    pixels = (np.random.default_rng(0).random((60, 90)) * 255).astype("uint8")
    pdf.add_page()
    pdf.image(Image.fromarray(pixels), x=20, y=20, w=120)


def test_pages_are_cleaned_of_header_footer_hyphenation_and_wraps(tmp_path):
    path = _write(tmp_path, _pdf(EN_PAGES, header="Headache Guide 2024 - Part {n}", footer="Page {n} of {total}",
                                 title="Headache Guide"))
    document = extract(path)
    assert [s.page for s in document.sections] == [1, 2, 3]
    assert [s.text for s in document.sections] == EN_CLEANED
    assert document.title == "Headache Guide"
    assert document.meta == {"pages": 3}


def test_footer_page_numbers_go_even_on_a_short_document(tmp_path):
    path = _write(tmp_path, _pdf(EN_PAGES[:2], footer="- {n} -"))
    assert [s.text for s in extract(path).sections] == EN_CLEANED[:2]


@pytest.fixture(scope="module")
def cjk_font():
    fonts = sorted(glob.glob("/usr/share/fonts/**/wqy-*.tt[cf]", recursive=True))
    if not fonts:
        pytest.skip("no WenQuanYi CJK font for writing a Chinese PDF; apt-get install fonts-wqy-microhei")
    return fonts[0]


def test_chinese_pages_join_wrapped_lines_without_spaces(tmp_path, cjk_font):
    pages = [
        ["高血压患者应当每天测量血压，并记录结", "果。如果血压持续升高，应及时就医，不", "要自行停药。", "注意饮食。"],
        ["糖尿病患者需要控制饮食，规律运动，并", "定期检查血糖和糖化血红蛋白的水平。"],
        ["儿童发烧时要多喝水，注意观察精神状态，", "持续高烧不退请及时就医。"],
    ]
    path = _write(tmp_path, _pdf(pages, header="临床指南 第二版", footer="第 {n} 页 共 {total} 页", font=cjk_font))
    document = extract(path)
    assert [(s.page, s.text) for s in document.sections] == [
        (1, "高血压患者应当每天测量血压，并记录结果。如果血压持续升高，应及时就医，不要自行停药。\n\n注意饮食。"),
        (2, "糖尿病患者需要控制饮食，规律运动，并定期检查血糖和糖化血红蛋白的水平。"),
        (3, "儿童发烧时要多喝水，注意观察精神状态，持续高烧不退请及时就医。"),
    ]


def test_encrypted_pdf_is_an_extraction_error(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(_write(tmp_path, _pdf(EN_PAGES))))
    writer.encrypt(user_password="secret", owner_password="owner")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    with pytest.raises(ExtractionError) as err:
        extract(path)
    assert str(err.value) == ENCRYPTED == (
        "the PDF is encrypted; decrypt it (e.g. qpdf --decrypt) or remove it from source.path"
    )


def test_pdf_encrypted_with_an_empty_user_password_is_read(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(_write(tmp_path, _pdf(EN_PAGES))))
    writer.encrypt(user_password="", owner_password="owner")
    path = tmp_path / "restricted.pdf"
    writer.write(path)
    assert [s.text for s in extract(path).sections] == EN_CLEANED


def test_image_only_pdf_needs_ocr(tmp_path):
    pdf = FPDF()
    _image_page(pdf)
    _image_page(pdf)
    with pytest.raises(ExtractionError) as err:
        extract(_write(tmp_path, pdf, "scan.pdf"))
    assert str(err.value) == NO_TEXT
    assert "OCR" in NO_TEXT and "image-only" in NO_TEXT


def test_pages_without_text_are_listed_and_skipped(tmp_path):
    pdf = _pdf(EN_PAGES[:1])
    _image_page(pdf)
    document = extract(_write(tmp_path, pdf))
    assert [s.page for s in document.sections] == [1]
    assert document.meta == {"pages": 2, "pages_without_text": [2]}


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_pdf_is_an_extraction_error(tmp_path, keep):
    buffer = io.BytesIO()
    _pdf(EN_PAGES).output(buffer)
    data = buffer.getvalue()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ExtractionError) as err:
        extract(path)
    assert str(err.value).startswith("the PDF is corrupt or truncated (")
    assert "\n" not in str(err.value)


def test_a_file_that_is_not_a_pdf_is_an_extraction_error(tmp_path):
    path = tmp_path / "fake.pdf"
    path.write_text("just some text, not a PDF", encoding="utf-8")
    with pytest.raises(ExtractionError, match="corrupt or truncated"):
        extract(path)
