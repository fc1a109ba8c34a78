"""source=documents: a folder of real PDF, DOCX, Markdown, HTML and TXT files -> passages with lineage."""

import hashlib
import json

import pytest
from doc_files import write_guides, write_pdf

from dsbuild.build import build
from dsbuild.documents.extract import extract
from dsbuild.errors import UserError
from dsbuild.sources.documents import DocumentsSource


@pytest.fixture(scope="module")
def guides(tmp_path_factory):
    return write_guides(tmp_path_factory.mktemp("guides"))


@pytest.fixture(scope="module")
def loaded(guides):
    return DocumentsSource(str(guides), chunking={"max_size": 200, "min_size": 40}).load()


def test_every_readable_file_gives_passages_whose_offsets_point_into_its_text(guides, loaded):
    rows = loaded.table.to_pylist()
    assert {r["doc"] for r in rows} == {"fever.pdf", "asthma.docx", "hypertension.md", "web/dehydration.html",
                                        "notes.txt"}
    for row in rows:
        path = guides / row["doc"]
        assert extract(path).text[row["char_start"]:row["char_end"]] == row["text"]
        assert row["doc_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert len(row["text"]) <= 200 and row["source"] == guides.name


def test_pdf_passages_keep_their_pages_and_lose_headers_and_footers(loaded):
    pdf = [r for r in loaded.table.to_pylist() if r["doc"] == "fever.pdf"]
    assert {(r["page_start"], r["page_end"]) for r in pdf} >= {(1, 1), (2, 2), (3, 3)}
    assert not any("Children's Health Guide" in r["text"] or "Page 1 of 3" in r["text"] for r in pdf)
    second = next(r for r in pdf if "three months" in r["text"])
    assert second["page_start"] == 2 and second["source_ref"].startswith("fever.pdf:p2:chars ")


def test_headed_documents_keep_their_heading_path(loaded):
    rows = loaded.table.to_pylist()
    diet = next(r for r in rows if "蔬菜水果" in r["text"])  # packed with the text before it: starts in the title
    assert diet["headings"].startswith("高血压的家庭管理") and diet["page_start"] is None
    inhalers = next(r for r in rows if "blue reliever" in r["text"])
    assert inhalers["headings"].endswith("Inhalers")
    html = [r for r in rows if r["doc"] == "web/dehydration.html"]
    assert html and not any("All rights reserved" in r["text"] or "About us" in r["text"] for r in html)
    assert html[0]["title"] == "Dehydration | Example Clinic"


def test_headings_strategy_gives_one_passage_per_section_with_its_path(guides):
    source = DocumentsSource(str(guides / "hypertension.md"), chunking={"strategy": "headings", "min_size": 1})
    rows = source.load().table.to_pylist()
    title = "高血压的家庭管理"
    assert [r["headings"] for r in rows] == [title, f"{title} > 饮食", f"{title} > 何时就医"]
    assert rows[1]["source_ref"].startswith("hypertension.md#高血压的家庭管理 > 饮食:chars ")


def test_unreadable_files_are_rejects_naming_the_file_and_the_problem(loaded):
    rejects = {r["source_ref"]: r["_reason"] for r in loaded.rejected.to_pylist()}
    assert set(rejects) == {"locked.pdf", "broken.docx", "empty.txt"}
    assert "encrypted" in rejects["locked.pdf"] and rejects["locked.pdf"].startswith("locked.pdf: ")
    assert "broken.docx: " in rejects["broken.docx"]
    assert {r["_rule"] for r in loaded.rejected.to_pylist()} == {"extract"}
    assert loaded.rows_read == loaded.table.num_rows + 3


def test_passage_ids_are_stable_and_survive_edits_elsewhere_in_the_file(tmp_path):
    pages = [["First page about fever and fluids for children who are unwell at home today."],
             ["Second page about when to see a doctor: drowsiness, a rash or a stiff neck."]]
    write_pdf(tmp_path / "guide.pdf", pages)
    source = {"chunking": {"strategy": "headings", "max_size": 500, "min_size": 1}}
    before = DocumentsSource(str(tmp_path), **source).load().table.to_pylist()
    again = DocumentsSource(str(tmp_path), **source).load().table.to_pylist()
    assert [r["id"] for r in before] == [r["id"] for r in again] and len(before) == 2
    write_pdf(tmp_path / "guide.pdf", [pages[0] + ["An added line that moves every later offset."], pages[1]])
    after = {r["text"]: r for r in DocumentsSource(str(tmp_path), **source).load().table.to_pylist()}
    second = next(r for r in before if r["page_start"] == 2)
    assert after[second["text"]]["id"] == second["id"]
    assert after[second["text"]]["char_start"] > second["char_start"]


def test_config_mistakes_are_one_line_errors(tmp_path, guides):
    with pytest.raises(UserError, match=r"source.formats names \.xls"):
        DocumentsSource(str(guides), formats=["pdf", "xls"])
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(UserError, match="matches no document|no data files"):
        DocumentsSource(str(tmp_path))
    with pytest.raises(UserError, match="source.chunking.overlap"):
        DocumentsSource(str(guides), chunking={"max_size": 100, "overlap": 100})


def test_a_build_of_passages_lists_the_unreadable_files_in_the_card(guides, compose_cfg, tmp_path):
    cfg = compose_cfg(["source=documents", f"source.path={guides}", "cleaning=passages", "format=jsonl",
                       "name=guides", "split.group_by=doc", f"output_dir={tmp_path}"])
    result = build(cfg, show_progress=False)
    rows = [json.loads(line) for split in ("train", "validation", "test") if result.splits[split]["file"]
            for line in (result.path / result.splits[split]["file"]).read_text(encoding="utf-8").splitlines()]
    assert rows and all(r["doc"] and r["doc_sha256"] and r["source_ref"] for r in rows)
    by_doc = {}
    for split in ("train", "validation", "test"):
        for line in (result.path / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if \
                result.splits[split]["file"] else []:
            by_doc.setdefault(json.loads(line)["doc"], set()).add(split)
    assert all(len(splits) == 1 for splits in by_doc.values())
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert "| load | extract | 3 |" in card and "## Inputs that could not be read" in card
    assert "| locked.pdf | locked.pdf: the PDF is encrypted" in card and "| empty.txt |" in card
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert {i["name"] for i in manifest["inputs"]} >= {"fever.pdf", "locked.pdf", "web/dehydration.html"}


@pytest.mark.parametrize("preset", ["recursive", "headings", "fixed", "fixed_tokens"])
def test_chunking_presets_compose_and_chunk(preset, guides, compose_cfg):
    from hydra.utils import instantiate

    cfg = compose_cfg(["source=documents", f"source/chunking={preset}", f"source.path={guides / 'fever.pdf'}"])
    source = instantiate(cfg.source)
    assert source.chunking.strategy == cfg.source.chunking.strategy and source.load().table.num_rows >= 1


def test_passages_mix_with_rows_from_other_sources(guides, tmp_path):
    from helpers import write_jsonl

    from dsbuild.sources.files import FilesSource
    from dsbuild.sources.mix import MixSource

    qa = write_jsonl(tmp_path / "qa.jsonl", [{"question": "发烧怎么办？", "response": "多喝水，注意休息。"}])
    mixed = MixSource({"guides": {"source": DocumentsSource(str(guides))}, "qa": {"source": FilesSource(str(qa))}})
    loaded = mixed.load()
    rows = loaded.table.to_pylist()
    assert {r["source"] for r in rows} == {"guides", "qa"} and len({r["id"] for r in rows}) == len(rows)
    assert {r["_rule"] for r in loaded.rejected.to_pylist()} == {"extract"}
    assert any(r["doc"] == "fever.pdf" for r in rows) and any(r["question"] == "发烧怎么办？" for r in rows)


def test_docs_to_cot_reads_the_bundled_example_guides_by_default(compose_cfg):
    from hydra.utils import instantiate

    cfg = compose_cfg(["experiment=docs_to_cot"])
    loaded = instantiate(cfg.source).load()
    rows = loaded.table.to_pylist()
    assert {r["doc"] for r in rows} == {"fever_in_children.md", "dehydration.html", "hand_washing.txt"}
    assert loaded.rejected is None and all(len(r["text"]) <= 1200 for r in rows)
    assert any("口服补液" in r["text"] or "rehydration" in r["text"] for r in rows)
