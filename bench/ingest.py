"""Ingest benchmark: PDF and HTML extraction (pages/s) and chunking (chunks/s) on a generated corpus.

    python bench/ingest.py [--docs 1000] [--pages 3] [--repeat 2]

Writes `--docs` PDFs (fpdf2, `--pages` pages each, with a running header and page-number footer) and
`--docs` HTML pages (an article between navigation and footer boilerplate, English and Chinese), then
times, in the same process and alternating so that both sides see the same machine:

- PDF: dsbuild's `extract` (pypdf + header/footer/page-number/hyphenation cleanup) against pypdf's
  `extract_text` on every page called directly;
- HTML: dsbuild's `extract_html` (trafilatura + sections + title) against `trafilatura.extract` with
  the same options called directly;
- chunking: `chunk_document` over every extracted document (strategy recursive, 1,000 characters);
- the whole `source=documents` load (extract + chunk + records) over both folders.

The target is dsbuild's time over the bare library's <= 1.2x. Each file is extracted by both sides
back to back (alternating which goes first), and each side keeps its fastest of `--repeat` passes per
file, so the VM's drifting speed hits both alike. Prints a Markdown block for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from doc_files import write_pdf  # noqa: E402  (the tests' document writers)

SENTENCES_EN = [
    "Fever in children is usually a sign that the body is fighting an infection.",
    "Give plenty of fluids and let the child rest until the temperature falls.",
    "See a doctor the same day when a baby under three months has a fever.",
    "Paracetamol lowers the temperature when the child is uncomfortable or in pain.",
    "Call an ambulance at once for a seizure, a stiff neck or difficulty breathing.",
    "Keep a diary of symptoms, medicines and doses to show the doctor at the visit.",
]
SENTENCES_ZH = [
    "高血压患者应限制盐的摄入，每天不超过5克。", "规律监测血压，并把结果记录下来。", "多吃蔬菜水果，少吃腌制食品。",
    "血压持续高于180/110毫米汞柱时应立即就医。", "戒烟限酒，保持规律作息和适量运动。",
]
TRAFILATURA = {"output_format": "markdown", "include_comments": False, "include_tables": True, "include_images": False}


def make_corpus(root: Path, docs: int, pages: int, seed: int = 0) -> tuple[list[Path], list[Path]]:
    rng = random.Random(seed)
    pdfs, htmls = [], []
    for i in range(docs):
        page_lines = [[rng.choice(SENTENCES_EN) for _ in range(24)] for _ in range(pages)]
        pdfs.append(write_pdf(root / "pdf" / f"guide_{i:04d}.pdf", page_lines, header=f"Clinic Guide {i}",
                              footer="Page {n} of {total}"))
        htmls.append(_html(root / "html" / f"page_{i:04d}.html", i, rng))
    return pdfs, htmls


def _html(path: Path, i: int, rng: random.Random) -> Path:
    pool = SENTENCES_ZH if i % 2 else SENTENCES_EN
    sections = "".join(
        f"<h2>Part {k}</h2>" + "".join(f"<p>{' '.join(rng.choice(pool) for _ in range(5))}</p>" for _ in range(3))
        for k in range(4)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"<html><head><title>Guide {i} | Example Clinic</title></head><body>"
        f"<nav><a href='/'>Home</a> | <a href='/about'>About</a> | <a href='/contact'>Contact</a></nav>"
        f"<article><h1>Guide {i}</h1>{sections}</article>"
        f"<footer>Copyright 2024 Example Clinic. All rights reserved.</footer></body></html>", encoding="utf-8")
    return path


def bare_pdf(path: Path) -> int:
    from pypdf import PdfReader

    with PdfReader(path) as reader:
        return len([page.extract_text() for page in reader.pages])


def dsbuild_pdf(path: Path) -> int:
    from dsbuild.documents.extract import extract

    return extract(path).meta["pages"]


def bare_html(html: bytes) -> int:
    import trafilatura

    return 1 if trafilatura.extract(html, **TRAFILATURA) else 0


def dsbuild_html(html: bytes) -> int:
    from dsbuild.documents.html import extract_html

    return 1 if extract_html(html).sections else 0


def paired(repeat: int, items: list, bare, ours) -> tuple[tuple[float, int], tuple[float, int]]:
    """(seconds, units) for the bare call and for dsbuild's over `items`, timed item by item back to back.

    Both sides of one item run within milliseconds of each other (in alternating order), and each
    keeps its fastest of `repeat` passes per item: the VM's drifting speed hits both sides alike.
    """
    best = [[float("inf"), float("inf")] for _ in items]
    units = [0, 0]
    for attempt in range(repeat):
        for i, item in enumerate(items):
            order = ((0, bare), (1, ours)) if (i + attempt) % 2 == 0 else ((1, ours), (0, bare))
            for side, func in order:
                start = time.perf_counter()
                count = func(item)
                best[i][side] = min(best[i][side], time.perf_counter() - start)
                if attempt == 0:
                    units[side] += count
    return (sum(b[0] for b in best), units[0]), (sum(b[1] for b in best), units[1])


def timed(repeat: int, func, arg) -> tuple[float, int]:
    """The best of `repeat` runs of `func(arg)`: (seconds, what it counted)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        count = func(arg)
        runs.append((time.perf_counter() - start, count))
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from dsbuild.documents.chunking import ChunkingConfig, chunk_document
    from dsbuild.documents.extract import extract
    from dsbuild.sources.documents import DocumentsSource

    with tempfile.TemporaryDirectory(prefix="dsbuild-ingest-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        pdfs, htmls = make_corpus(root, args.docs, args.pages)
        made = time.perf_counter() - start
        print(f"corpus: {len(pdfs)} PDFs x {args.pages} pages + {len(htmls)} HTML pages in {made:.1f} s", flush=True)
        html_bytes = [p.read_bytes() for p in htmls]
        for path, html in zip(pdfs[:20], html_bytes[:20]):  # warm up imports and caches
            bare_pdf(path), dsbuild_pdf(path), bare_html(html), dsbuild_html(html)

        pdf = paired(args.repeat, pdfs, bare_pdf, dsbuild_pdf)
        html = paired(args.repeat, html_bytes, bare_html, dsbuild_html)

        documents = [extract(p) for p in pdfs + htmls]
        config = ChunkingConfig.from_mapping({"strategy": "recursive", "max_size": 1000, "min_size": 100})
        chunk_s, chunks = timed(args.repeat, lambda docs: sum(len(chunk_document(d, config)) for d in docs), documents)
        load_s, passages = timed(args.repeat, lambda folder: DocumentsSource(str(folder)).load().table.num_rows, root)

    rows = [
        ("PDF extraction", "pages", *pdf, "pypdf `extract_text`"),
        ("HTML extraction", "pages", *html, "`trafilatura.extract` (markdown)"),
    ]
    print(f"\n### Ingest (bench/ingest.py), {date.today().isoformat()}\n")
    print(f"Machine: {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}; "
          f"corpus: {args.docs} PDFs of {args.pages} pages + {args.docs} HTML pages; each file timed bare and "
          f"through dsbuild back to back, fastest of {args.repeat} per file.\n")
    print("| measure | bare library | dsbuild | overhead | target |")
    print("|---|---:|---:|---:|---:|")
    for label, unit, (bare_s, bare_n), (ds_s, ds_n), library in rows:
        assert bare_n == ds_n, f"{label}: dsbuild read {ds_n} {unit}, the library {bare_n}"
        print(f"| {label} ({library}) | {bare_n / bare_s:,.0f} {unit}/s | {ds_n / ds_s:,.0f} {unit}/s | "
              f"{ds_s / bare_s:.2f}x | <= 1.2x |")
    print(f"\nChunking (recursive, 1,000 chars) of the {len(documents)} extracted documents: {chunks:,} chunks in "
          f"{chunk_s:.2f} s = {chunks / chunk_s:,.0f} chunks/s.")
    print(f"Whole `source=documents` load (extract + clean + chunk + records, {len(documents)} files): "
          f"{passages:,} passages in {load_s:.1f} s = {(args.docs * (args.pages + 1)) / load_s:,.0f} pages/s.")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
