import pytest

from dsbuild.documents.cleanup import (
    clean_pages,
    join_hyphenated,
    reflow,
    remove_page_numbers,
    remove_running_lines,
)
from dsbuild.documents.tidy import tidy

EN_BODIES = [
    "Tension headaches feel like a tight band\naround the head and usually pass with rest.",
    "Migraines come with nausea and a strong\ndislike of light, sound and strong smells.",
    "Cluster headaches are rare but severe and\nstrike around one eye at the same hour.",
    "Medication overuse can itself cause daily\nheadaches; cutting back usually helps.",
]
ZH_BODIES = [
    "高血压患者应当每天测量血压，并记\n录结果。",
    "糖尿病患者需要控制饮食，规律运\n动。",
    "儿童发烧时要多喝水，注意观察精\n神状态。",
]


def test_running_header_and_footer_go_even_when_their_numbers_change():
    pages = [f"Clinical Guide 2024 - Chapter 3\n{body}\nClinic Press, page {i}" for i, body in enumerate(EN_BODIES, 1)]
    cleaned = remove_running_lines(pages)
    assert cleaned == EN_BODIES


def test_a_line_on_fewer_than_three_pages_is_not_a_header():
    pages = [f"Clinical Guide\n{body}" for body in EN_BODIES[:2]]
    assert remove_running_lines(pages) == pages


def test_a_line_on_less_than_half_the_pages_is_kept():
    pages = [f"Clinical Guide\n{b}" if i < 3 else b for i, b in enumerate(EN_BODIES + EN_BODIES)]
    assert remove_running_lines(pages) == pages


def test_a_repeated_line_inside_the_body_is_kept():
    pages = [f"top {w}\nnext {w}\nSee the appendix.\nbefore {w}\nend {w}" for w in "abc"]
    assert remove_running_lines(pages) == pages


def test_chinese_running_header_and_footer_go():
    pages = [f"临床指南 第二版\n{body}\n第 {i} 页 共 3 页" for i, body in enumerate(ZH_BODIES, 1)]
    assert remove_running_lines(pages) == ZH_BODIES


@pytest.mark.parametrize(
    "number",
    ["7", "- 7 -", "— 12 —", "Page 7", "page 7 of 20", "PAGE 7 OF 20", "7 / 20", "p. 7",
     "第7页", "第 7 页 共 20 页", "第七页", "xii", "IV", "- iv -"],
)
def test_page_number_lines_at_the_page_edges_go(number):
    assert remove_page_numbers([f"{number}\nBody text here.\nMore body.\n{number}"]) == ["Body text here.\nMore body."]


@pytest.mark.parametrize("line", ["7 patients were seen", "Chapter 7", "第7章", "Ivy", "12 mg/kg"])
def test_lines_that_only_contain_a_number_are_kept(line):
    assert remove_page_numbers([f"{line}\nBody."]) == [f"{line}\nBody."]


def test_a_number_in_the_middle_of_the_page_is_kept():
    page = "one\ntwo\n42\nthree\nfour"
    assert remove_page_numbers([page]) == [page]


def test_hyphenation_breaks_join_only_before_a_lowercase_letter():
    pages = ["early treat-\nment helps a lot", "the well-\nKnown case", "the 2010-\n2015 data", "co-\n  operation"]
    assert join_hyphenated(pages) == ["early treatment\nhelps a lot", "the well-\nKnown case", "the 2010-\n2015 data",
                                      "cooperation"]


def test_hyphenation_keeps_the_line_after_the_word():
    assert join_hyphenated(["a treat-\nment.\nNext line", "a treat-\nment.\n\nNew paragraph"]) == [
        "a treatment.\nNext line",
        "a treatment.\n\nNew paragraph",
    ]


def test_reflow_joins_latin_lines_with_a_space_and_cjk_lines_with_nothing():
    assert reflow(["the patient was\nadvised to rest"]) == ["the patient was advised to rest"]
    assert reflow(["高血压患者应当每天测\n量血压"]) == ["高血压患者应当每天测量血压"]
    assert reflow(["使用\nPython 分析"]) == ["使用 Python 分析"]
    assert reflow(["注意休息，\nthen rest"]) == ["注意休息，then rest"]


def test_reflow_keeps_paragraph_breaks_at_blank_lines_and_short_sentence_ends():
    page = (
        "The first paragraph has several long lines\n"
        "that wrap at the right margin of the page\n"
        "and ends here.\n"
        "A second paragraph starts on the next line\n"
        "and goes on until the end of this line.\n"
        "\n"
        "A third one follows a blank line."
    )
    assert reflow([page]) == [
        "The first paragraph has several long lines that wrap at the right margin of the page and ends here.\n\n"
        "A second paragraph starts on the next line and goes on until the end of this line.\n\n"
        "A third one follows a blank line."
    ]


def test_reflow_chinese_paragraphs():
    page = (
        "高血压患者应当每天测量血压，并记录结\n果。如果血压持续升高，应及时就医，不\n要自行停药。\n"
        "注意饮食，少盐少油，保持规律作息和\n适量运动。"
    )
    assert reflow([page]) == [
        "高血压患者应当每天测量血压，并记录结果。如果血压持续升高，应及时就医，不要自行停药。\n\n"
        "注意饮食，少盐少油，保持规律作息和适量运动。"
    ]


def test_clean_pages_runs_every_step():
    pages = [f"Clinical Guide 2024  \n{body}\n\n\n- {i} -" for i, body in enumerate(EN_BODIES, 1)]
    pages[0] = pages[0].replace("tight band\n", "tight ban-\nd ")
    assert clean_pages(pages) == [
        "Tension headaches feel like a tight band around the head and usually pass with rest.",
        "Migraines come with nausea and a strong dislike of light, sound and strong smells.",
        "Cluster headaches are rare but severe and strike around one eye at the same hour.",
        "Medication overuse can itself cause daily headaches; cutting back usually helps.",
    ]


def test_tidy_normalizes_to_nfc_and_trims_whitespace():
    assert tidy("  cafe\u0301  \r\n\n\n\nnext\t\n") == "  café\n\nnext"
