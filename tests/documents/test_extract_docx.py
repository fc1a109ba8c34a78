import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from dsbuild.documents.extract import extract
from dsbuild.documents.model import ExtractionError


@pytest.fixture
def guide(tmp_path):
    document = docx.Document()
    document.add_heading("Home Care Guide", 0)
    document.add_paragraph("Read this before calling the clinic.")
    document.add_heading("Fever", 1)
    document.add_paragraph("Drink plenty of water  ")
    document.add_paragraph("")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Drug", "Dose", "When"], ["布洛芬", "200 mg", "饭后"], ["Paracetamol", "500 mg", ""]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_heading("In children", 2)
    document.add_paragraph("儿童发烧时要多喝水，注意观察精神状态。")
    document.add_heading("Cough", 1)
    document.add_paragraph("Honey in warm water soothes a cough.")
    path = tmp_path / "guide.docx"
    document.save(path)
    return path


def test_sections_follow_headings_with_tables_in_body_order(guide):
    document = extract(guide)
    assert document.title == "Home Care Guide"
    assert [(s.headings, s.text) for s in document.sections] == [
        (("Home Care Guide",), "Home Care Guide\n\nRead this before calling the clinic."),
        (
            ("Home Care Guide", "Fever"),
            # the empty last cell leaves no trailing space: no line ends in one, in any format
            "Fever\n\nDrink plenty of water\n\nDrug | Dose | When\n布洛芬 | 200 mg | 饭后\nParacetamol | 500 mg |",
        ),
        (("Home Care Guide", "Fever", "In children"), "In children\n\n儿童发烧时要多喝水，注意观察精神状态。"),
        (("Home Care Guide", "Cough"), "Cough\n\nHoney in warm water soothes a cough."),
    ]


def test_core_properties_title_wins_over_the_title_style(guide, tmp_path):
    document = docx.Document(guide)
    document.core_properties.title = "家庭护理指南"
    document.save(tmp_path / "titled.docx")
    assert extract(tmp_path / "titled.docx").title == "家庭护理指南"


def test_localized_and_derived_heading_styles_count_as_headings(tmp_path):
    document = docx.Document()
    document.styles["Heading 1"].name = "标题 1"  # what a Chinese Word shows; the style id stays Heading1
    derived = document.styles.add_style("Drug Name", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = document.styles["Heading 2"]
    document.add_paragraph("用药", style="标题 1")
    document.add_paragraph("布洛芬", style="Drug Name")
    document.add_paragraph("成人每次200毫克。")
    path = tmp_path / "zh.docx"
    document.save(path)
    sections = extract(path).sections
    assert [(s.headings, s.text) for s in sections] == [
        (("用药",), "用药"),
        (("用药", "布洛芬"), "布洛芬\n\n成人每次200毫克。"),
    ]


def test_a_file_that_is_not_a_zip_is_an_extraction_error(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this was cut off")
    with pytest.raises(ExtractionError, match="not a valid DOCX file"):
        extract(path)


def test_a_zip_without_document_xml_is_an_extraction_error(guide, tmp_path):
    path = tmp_path / "hollow.docx"
    with zipfile.ZipFile(guide) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            if name != "word/document.xml":
                target.writestr(name, source.read(name))
    with pytest.raises(ExtractionError) as err:
        extract(path)
    assert str(err.value).startswith("not a valid DOCX file")
    assert "remove it from source.path" in str(err.value)
