"""Real document files for tests and benchmarks: PDFs written with fpdf2, DOCX with python-docx, HTML, Markdown.

The texts are short clinical guides in English and Chinese, so a passage has something to ask about.
"""

from __future__ import annotations

import glob
from pathlib import Path

GUIDE_PAGES = [
    ["Fever in children is usually a sign that the body is fighting an infection.",
     "Give plenty of fluids and let the child rest; light clothing helps the heat",
     "escape. Paracetamol lowers the temperature when the child is uncomfortable."],
    ["See a doctor the same day when a child under three months has a fever, when",
     "a fever lasts more than three days, or when the child is unusually drowsy.",
     "Call an ambulance at once for a seizure or difficulty breathing."],
    ["A fever itself is rarely harmful. Do not wake a sleeping child to give",
     "medicine, and never give aspirin to children under sixteen years old."],
]
MARKDOWN = """# 高血压的家庭管理

高血压患者应限制盐的摄入，每天不超过5克。规律监测血压，并记录在本子上。

## 饮食

多吃蔬菜水果，少吃腌制食品。戒烟限酒，控制体重。

## 何时就医

血压持续高于180/110毫米汞柱，或出现胸痛、剧烈头痛时，应立即就医。
"""
HTML = """<html><head><title>Dehydration | Example Clinic</title></head><body>
<nav><a href="/">Home</a> | <a href="/about">About us</a> | <a href="/contact">Contact</a></nav>
<article><h1>Dehydration</h1>
<p>Dehydration happens when the body loses more water than it takes in. Vomiting, diarrhoea and fever
are the usual causes in children, and older people feel thirst less.</p>
<h2>Signs</h2>
<p>A dry mouth, dark urine, dizziness and tiredness are early signs. Sunken eyes and no urine for
eight hours mean the dehydration is severe and needs a doctor.</p>
<h2>What to do</h2>
<p>Drink small amounts often. Oral rehydration solution replaces the salts that are lost; plain water
alone is not enough after heavy diarrhoea.</p></article>
<footer>Copyright 2024 Example Clinic. All rights reserved.</footer></body></html>
"""


def pdf_document(pages: list[list[str]], *, header: str | None = None, footer: str | None = None,
                 font: str | None = None, title: str | None = None):
    """An fpdf2 document with one page per list of lines; `header` / `footer` format {n} (page) and {total}."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    if font:
        pdf.add_font("cjk", fname=font)
        pdf.set_font("cjk", size=12)
    else:
        pdf.set_font("helvetica", size=11)
    if title:
        pdf.set_title(title)
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        if header:
            pdf.cell(0, 8, header.format(n=number, total=len(pages)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(30)
        for line in lines:
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        if footer:
            pdf.set_y(-20)
            pdf.cell(0, 8, footer.format(n=number, total=len(pages)))
    return pdf


def write_pdf(path: Path, pages: list[list[str]], **layout) -> Path:
    """`pdf_document(pages, **layout)` written to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf_document(pages, **layout).output(str(path))
    return path


def write_encrypted_pdf(path: Path) -> Path:
    """A PDF that needs a user password to open."""
    from pypdf import PdfReader, PdfWriter

    plain = write_pdf(path.with_suffix(".plain.pdf"), GUIDE_PAGES)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(path, "wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path


def write_docx(path: Path, title: str, sections: list[tuple[str, str]]) -> Path:
    """A DOCX with a title, then one Heading 1 and one paragraph per section."""
    from docx import Document

    doc = Document()
    doc.add_heading(title, level=0)
    for heading, body in sections:
        doc.add_heading(heading, level=1)
        doc.add_paragraph(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def cjk_font() -> str | None:
    """A CJK TrueType font on this machine (Debian: fonts-wqy-microhei), or None."""
    fonts = sorted(glob.glob("/usr/share/fonts/**/wqy-*.tt[cf]", recursive=True))
    return fonts[0] if fonts else None


def write_guides(folder: Path) -> Path:
    """A folder with one readable guide per format and three files that cannot be read."""
    write_pdf(folder / "fever.pdf", GUIDE_PAGES, header="Children's Health Guide", footer="Page {n} of {total}")
    write_docx(folder / "asthma.docx", "Asthma", [
        ("Triggers", "Cold air, exercise, smoke and pollen can start an asthma attack. Keep a list of what "
                     "sets off your attacks and avoid it where you can."),
        ("Inhalers", "The blue reliever inhaler opens the airways within minutes. Use the preventer inhaler "
                     "every day, even when you feel well."),
    ])
    (folder / "hypertension.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "web").mkdir(parents=True, exist_ok=True)
    (folder / "web" / "dehydration.html").write_text(HTML, encoding="utf-8")
    (folder / "notes.txt").write_text(
        "Wash hands with soap for twenty seconds before meals and after using the toilet. "
        "This simple habit prevents many infections of the gut and the airways.\n", encoding="utf-8")
    write_encrypted_pdf(folder / "locked.pdf")
    (folder / "broken.docx").write_bytes(b"this is not a zip file")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder
