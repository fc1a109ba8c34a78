"""Benchmark: NearDedup (MinHash + LSH) on generated documents, against datasketch on the same documents.

    python bench/dedup.py                      # 1,000,000 documents; prints a Markdown block
    python bench/dedup.py --docs 100000        # a quicker look
    python bench/dedup.py --out /tmp/readme/dedup_results.md

The documents are ~200 characters: 45% English-like text (words from a generated 6,000-word
vocabulary, Zipf-distributed), 45% Chinese (3,500 characters, Zipf-distributed, with punctuation)
and 10% Chinese with an English phrase inside. 5% of them are planted near-copies of another
document: 1-3 character substitutions, insertions or deletions in Chinese, word substitutions,
insertions, deletions, a changed letter, case or spacing in English, kept only when the true
Jaccard similarity of the pair's shingle sets is >= 0.85 and < 1 (the edit is redrawn otherwise).

NearDedup runs end to end (NFKC, shingles, signatures, LSH, verification, clusters, survivors,
reasons) with its defaults (threshold 0.8, auto shingles, 128 slots); numba compilation is paid on
a small warm-up table first and reported apart. Recall is the share of planted pairs that end in one
cluster; precision is the share of dropped documents whose kept document is from the same planted
pair. The baseline is datasketch's MinHash + MinHashLSH (same threshold, 128 permutations, the same
shingles made in Python), each candidate verified with MinHash.jaccard, on a random subsample that
keeps planted pairs whole; its docs/s is extrapolated from the subsample.

Target (issue "Quality"): >= 50,000 docs/s on the 2-core machine, recall >= 0.95, precision >= 0.95.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

THRESHOLD = 0.8
PLANTED_SHARE = 0.05
MIN_JACCARD = 0.85
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"


def vocabulary(rng: np.random.Generator, size: int = 6000) -> list[str]:
    """Pronounceable made-up words plus a few common English ones, in a fixed order."""
    onsets = [*"bcdfghjklmnprstvwyz", "ch", "sh", "th", "st", "tr", "pl"]
    vowels = [*"aeiou", "ea", "ou", "ai"]
    words = set("the of and to in a is that for it as was with be by on not he this are or from at".split())
    while len(words) < size:
        word = "".join(onsets[rng.integers(len(onsets))] + vowels[rng.integers(len(vowels))]
                       for _ in range(rng.integers(1, 4)))
        words.add(word + (onsets[rng.integers(len(onsets))] if rng.random() < 0.4 else ""))
    return sorted(words)


def zipf_cdf(size: int, exponent: float) -> np.ndarray:
    cdf = np.cumsum(1.0 / np.arange(1, size + 1) ** exponent)
    return cdf / cdf[-1]


class Corpus:
    """Random English, Chinese and mixed documents, and the edits that make near-copies of them."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.words = vocabulary(self.rng)
        self.chars = self.rng.choice(np.arange(0x4E00, 0x9FA6, dtype=np.uint32), 3500, replace=False)
        self.word_cdf, self.char_cdf = zipf_cdf(len(self.words), 1.05), zipf_cdf(len(self.chars), 0.7)
        self.edit_rng = random.Random(seed)

    def documents(self, n: int) -> list[str]:
        kinds = self.rng.choice(3, size=n, p=[0.45, 0.45, 0.10])
        docs: list[str] = [""] * n
        word = self.words.__getitem__
        english = np.flatnonzero(kinds == 0)
        for i, row in zip(english.tolist(), self._word_ids(len(english), 36).tolist()):
            docs[i] = " ".join(map(word, row)).capitalize() + "."
        chinese = np.flatnonzero(kinds == 1)
        codes = self._char_codes(len(chinese), 198)
        codes[:, 60], codes[:, 130], codes[:, 197] = ord("，"), ord("。"), ord("。")
        text = codes.tobytes().decode("utf-32-le")
        for k, i in enumerate(chinese.tolist()):
            docs[i] = text[k * 198:(k + 1) * 198]
        mixed = np.flatnonzero(kinds == 2)
        text = self._char_codes(len(mixed), 120).tobytes().decode("utf-32-le")
        for k, (i, row) in enumerate(zip(mixed.tolist(), self._word_ids(len(mixed), 12).tolist())):
            part = text[k * 120:(k + 1) * 120]
            docs[i] = f"{part[:50]} {' '.join(map(word, row))} {part[50:]}。"
        return docs

    def near_copy(self, doc: str) -> str:
        """The document with 1-3 small edits (characters in Chinese, words and letters otherwise)."""
        r = self.edit_rng
        if re.search(f"[{CJK}]", doc):
            chars = list(doc)
            for _ in range(r.randint(1, 3)):
                at = r.randrange(len(chars))
                new = chr(int(self.chars[r.randrange(len(self.chars))]))
                op = r.random()
                if op < 0.5:
                    chars[at] = new
                elif op < 0.75:
                    chars.insert(at, new)
                else:
                    del chars[at]
            return "".join(chars)
        words = doc.split(" ")
        for _ in range(r.randint(1, 2)):
            at = r.randrange(len(words))
            op = r.random()
            if op < 0.3:
                words[at] = self.words[r.randrange(len(self.words))]
            elif op < 0.45:
                words.insert(at, self.words[r.randrange(len(self.words))])
            elif op < 0.6 and len(words) > 3:
                del words[at]
            elif op < 0.75:
                letters = list(words[at])
                letters[r.randrange(len(letters))] = r.choice("abcdefghijklmnopqrstuvwxyz")
                words[at] = "".join(letters)
            elif op < 0.9:
                words[at] = words[at].upper()
            else:
                words[at] += " "
        return " ".join(words)

    def _word_ids(self, rows: int, width: int) -> np.ndarray:
        return np.searchsorted(self.word_cdf, self.rng.random((rows, width)))

    def _char_codes(self, rows: int, width: int) -> np.ndarray:
        return self.chars[np.searchsorted(self.char_cdf, self.rng.random((rows, width)))]


def exact_jaccard(a: list[str], b: list[str]) -> np.ndarray:
    """True Jaccard of each pair's shingle sets, with NearDedup's default shingling."""
    from dsbuild.clean.shingles import ShingleSpec, shingle_hashes

    spec = ShingleSpec()
    ha, oa = shingle_hashes(pa.array(a, pa.large_string()), spec)
    hb, ob = shingle_hashes(pa.array(b, pa.large_string()), spec)
    out = np.empty(len(a))
    for i in range(len(a)):
        x, y = set(ha[oa[i]:oa[i + 1]].tolist()), set(hb[ob[i]:ob[i + 1]].tolist())
        out[i] = len(x & y) / max(len(x | y), 1)
    return out


def planted_corpus(n: int, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """n documents in shuffled order; `group` (same value = one planted pair) and each copy's Jaccard."""
    corpus = Corpus(seed)
    copies = int(n * PLANTED_SHARE)
    docs = corpus.documents(n - copies)
    sources = corpus.rng.choice(len(docs), size=copies, replace=False)
    planted = [""] * copies
    jaccard = np.zeros(copies)
    todo = np.arange(copies)
    while len(todo):
        for i in todo.tolist():
            planted[i] = corpus.near_copy(docs[sources[i]])
        jaccard[todo] = exact_jaccard([docs[sources[i]] for i in todo], [planted[i] for i in todo])
        todo = todo[(jaccard[todo] < MIN_JACCARD) | (jaccard[todo] >= 1.0)]
    every = docs + planted
    group = np.concatenate([np.arange(len(docs)), sources])
    order = corpus.rng.permutation(len(every))
    return [every[i] for i in order], group[order], jaccard


def as_table(docs: list[str]) -> pa.Table:
    return pa.table({"id": [f"d{i}" for i in range(len(docs))], "text": pa.array(docs, pa.large_string())})


def scores(cluster: np.ndarray, kept_of_dropped: tuple[np.ndarray, np.ndarray], group: np.ndarray) -> tuple:
    """(recall over planted pairs, precision over dropped documents, planted pairs)."""
    order = np.argsort(group, kind="stable")
    same = group[order][1:] == group[order][:-1]
    first, second = order[:-1][same], order[1:][same]
    recall = float(np.mean(cluster[first] == cluster[second])) if len(first) else 1.0
    dropped, kept = kept_of_dropped
    precision = float(np.mean(group[dropped] == group[kept])) if len(dropped) else 1.0
    return recall, precision, len(first)


def run_dsbuild(docs: list[str], group: np.ndarray) -> dict:
    from dsbuild.clean.near_dedup import NearDedup

    start = time.perf_counter()
    NearDedup(threshold=THRESHOLD).run(as_table(docs[:2000]))
    warmup = time.perf_counter() - start
    table = as_table(docs)
    rule = NearDedup(threshold=THRESHOLD)
    cpu, start = time.process_time(), time.perf_counter()
    verdicts = rule.run(table)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    index = {f"d{i}": i for i in range(len(docs))}
    dropped = np.array([i for i, d in enumerate(verdicts.duplicate_of) if d is not None], dtype=np.int64)
    kept = np.array([index[verdicts.duplicate_of[i]] for i in dropped], dtype=np.int64)
    cluster = np.arange(len(docs))
    cluster[dropped] = kept
    recall, precision, pairs = scores(cluster, (dropped, kept), group)
    return {"docs": len(docs), "seconds": seconds, "cpu": cpu, "warmup": warmup, "recall": recall,
            "precision": precision, "pairs": pairs, "dropped": len(dropped),
            "bands": f"{rule.bands} x {rule.rows}", "sample": verdicts.reasons[dropped[0]] if len(dropped) else ""}


def python_shingles(text: str) -> list[bytes]:
    """The same shingles as NearDedup's defaults, built in Python for datasketch."""
    from dsbuild.clean.shingles import normalized

    text = normalized(text)
    letters = [c for c in text if c != " "]
    cjk = sum(1 for c in letters if re.match(f"[{CJK}]", c))
    if cjk >= 0.3 * len(letters):
        units, n, sep = list(text), 5, ""
    else:
        units, n, sep = re.findall(f"[{CJK}]|[^\\s{CJK}]+", text), 3, " "
    if not units:
        return []
    return [sep.join(units[i:i + n]).encode() for i in range(max(len(units) - n + 1, 1))]


def run_datasketch(docs: list[str], group: np.ndarray, sample_docs: int, seed: int) -> dict:
    from datasketch import MinHash, MinHashLSH

    from dsbuild.clean.clusters import connected_components

    rng = np.random.default_rng(seed)
    groups = rng.permutation(np.unique(group))
    chosen = np.flatnonzero(np.isin(group, groups[: int(sample_docs * len(np.unique(group)) / len(docs))]))
    sub_docs, sub_group = [docs[i] for i in chosen], group[chosen]
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    hashes = []
    for i, doc in enumerate(sub_docs):
        mh = MinHash(num_perm=128, seed=1)
        mh.update_batch(python_shingles(doc))
        lsh.insert(i, mh)
        hashes.append(mh)
    left, right = [], []
    for i, mh in enumerate(hashes):
        for j in lsh.query(mh):
            if j > i and mh.jaccard(hashes[j]) >= THRESHOLD:
                left.append(i)
                right.append(j)
    cluster = connected_components(len(sub_docs), np.array(left, np.int64), np.array(right, np.int64))
    seconds = time.perf_counter() - start
    dropped = np.flatnonzero(cluster != np.arange(len(sub_docs)))
    recall, precision, pairs = scores(cluster, (dropped, cluster[dropped]), sub_group)
    return {"docs": len(sub_docs), "seconds": seconds, "recall": recall, "precision": precision, "pairs": pairs}


def report(ours: dict, theirs: dict, jaccard: np.ndarray, generate_seconds: float) -> str:
    ours_rate = ours["docs"] / ours["seconds"]
    theirs_rate = theirs["docs"] / theirs["seconds"]
    cores = os.cpu_count()
    return "\n".join([
        f"## dedup: {date.today().isoformat()}",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}; "
        f"load average at the start {os.getloadavg()[0]:.1f}. Command: `python bench/dedup.py --docs {ours['docs']}`.",
        f"{ours['docs']:,} documents (~200 characters, English / Chinese / mixed), {ours['pairs']:,} planted "
        f"near-copies (true Jaccard {jaccard.min():.2f}-{jaccard.max():.2f}, median {np.median(jaccard):.2f}); "
        f"generated in {generate_seconds:.0f} s (not counted).",
        "",
        "| | docs | seconds | docs/s | recall | precision | target |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| dsbuild NearDedup (threshold {THRESHOLD}, 128 slots, LSH {ours['bands']}) | {ours['docs']:,} | "
        f"{ours['seconds']:.1f} | **{ours_rate:,.0f}** | **{ours['recall']:.4f}** | **{ours['precision']:.4f}** | "
        ">= 50,000 docs/s, >= 0.95, >= 0.95 |",
        f"| datasketch MinHash + MinHashLSH (128 permutations), subsample | {theirs['docs']:,} | "
        f"{theirs['seconds']:.1f} | {theirs_rate:,.0f} (extrapolated: {ours['docs'] / theirs_rate:,.0f} s for "
        f"{ours['docs']:,}) | {theirs['recall']:.4f} | {theirs['precision']:.4f} | baseline |",
        "",
        f"dsbuild is **{ours_rate / theirs_rate:,.0f}x** datasketch's docs/s. dsbuild's run used "
        f"{ours['cpu']:.1f} s of CPU over {ours['seconds']:.1f} s; numba compilation (cached after the first "
        f"run) took {ours['warmup']:.1f} s on a 2,000-row warm-up, not counted. "
        f"{ours['dropped']:,} documents dropped; one reason: `{ours['sample']}`",
        "",
        "Reading it: datasketch runs in one process (dsbuild uses both cores), so per core the gap is half as "
        "wide. Its lower recall comes from its band choice, which weighs false positives and false negatives "
        "equally (9 x 13 at 0.8: a pair at Jaccard 0.85 becomes a candidate 69% of the time); dsbuild verifies "
        "every candidate anyway, so it picks bands that rarely miss (16 x 8: 99% at 0.85).",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--baseline-docs", type=int, default=20_000, help="datasketch subsample size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="also write the Markdown block to this file")
    args = parser.parse_args()
    start = time.perf_counter()
    docs, group, jaccard = planted_corpus(args.docs, args.seed)
    generated = time.perf_counter() - start
    ours = run_dsbuild(docs, group)
    theirs = run_datasketch(docs, group, min(args.baseline_docs, args.docs), args.seed)
    text = report(ours, theirs, jaccard, generated)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
