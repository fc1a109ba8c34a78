"""Language identification for many texts at once, with the model that ships inside py3langid.

py3langid walks a byte automaton over each text in a Python loop (about 1 ms per 1,000 characters),
which is too slow for millions of rows. This module runs the same automaton over a whole batch in
lockstep with numpy (one step advances every text by one byte; texts are batched by length), counts
features into a sparse matrix and scores all texts with one matrix product. Its results equal py3langid's
`LanguageIdentifier(norm_probs=True).classify` (a test checks this), without any download: the
model is the file in the py3langid wheel.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from py3langid.langid import MODEL_DIR, MODEL_FILE
from py3langid.modelio import load_model
from scipy.sparse import csr_matrix

BATCH_ROWS = 8192


@dataclass
class Detection:
    """Per text: the most likely language code and its probability (0 and "" for featureless text)."""

    languages: list[str]
    confidences: np.ndarray


class BatchLanguageIdentifier:
    """py3langid's naive Bayes model, applied to a list of texts at a time."""

    def __init__(self):
        weights, priors, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
        self._weights = np.asarray(weights, dtype=np.float32)  # features x classes
        self._priors = np.asarray(priors, dtype=np.float32)
        self._nextmove = np.asarray(nextmove, dtype=np.int32)
        self._rowbase = np.asarray(row, dtype=np.int32) << 8
        self._output = np.asarray(output, dtype=np.int32)
        self._classes = list(classes)  # a label may have two columns (two scripts)
        self.labels = list(dict.fromkeys(classes))

    def detect(
        self, texts: Sequence[str], max_chars: int | None = None, merge: Mapping[str, str] | None = None
    ) -> Detection:
        """Best language and its probability for each text, judging at most its first `max_chars`.

        `merge` counts one label as another (`{"yue": "zh"}`: Cantonese probability adds to Chinese).
        """
        labels, fold = self._folding(merge or {})
        languages: list[str] = []
        confidences = []
        for start in range(0, len(texts), BATCH_ROWS):
            probs, featureless = self._probabilities(texts[start: start + BATCH_ROWS], max_chars)
            probs = probs @ fold
            best = probs.argmax(axis=1)
            conf = probs[np.arange(len(best)), best]
            conf[featureless] = 0.0
            languages += ["" if none else labels[b] for b, none in zip(best.tolist(), featureless.tolist())]
            confidences.append(conf)
        return Detection(languages, np.concatenate(confidences) if confidences else np.zeros(0, np.float32))

    def detect_array(
        self, texts: pa.Array | pa.ChunkedArray, max_chars: int | None = None, merge: Mapping[str, str] | None = None
    ) -> Detection:
        """`detect` for an Arrow string column without nulls, batched by length to keep the lockstep tight.

        Every step of the automaton advances all texts of a batch; texts of similar length finish
        together, so few steps run for a handful of long texts. Only one batch is in Python at a time.
        """
        lengths = pc.utf8_length(texts).to_numpy(zero_copy_only=False)
        if max_chars is not None:
            lengths = np.minimum(lengths, max_chars)
        order = np.argsort(lengths, kind="stable")
        languages = np.empty(len(order), dtype=object)
        confidences = np.zeros(len(order), dtype=np.float32)
        for start in range(0, len(order), BATCH_ROWS):
            rows = order[start: start + BATCH_ROWS]
            found = self.detect(texts.take(pa.array(rows)).to_pylist(), max_chars, merge)
            languages[rows] = found.languages
            confidences[rows] = found.confidences
        return Detection(languages.tolist(), confidences)

    def _probabilities(self, texts: Sequence[str], max_chars: int | None) -> tuple[np.ndarray, np.ndarray]:
        encoded = [_encode(t if max_chars is None else t[:max_chars]) for t in texts]
        counts = self._feature_counts(encoded)
        scores = counts @ self._weights + self._priors
        featureless = np.diff(counts.indptr) == 0
        scores[featureless] = 0.0  # as py3langid: no evidence, a uniform guess
        lengths = np.fromiter(map(len, encoded), dtype=np.float64, count=len(encoded))
        scores = scores * (1.0 / np.sqrt(np.maximum(lengths, 1)))[:, None].astype(np.float32)
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        return scores, featureless

    def _folding(self, merge: Mapping[str, str]) -> tuple[list[str], np.ndarray]:
        """Labels after `merge`, and the 0/1 matrix that sums model columns into them."""
        targets = [merge.get(c, c) for c in self._classes]
        labels = list(dict.fromkeys(targets))
        fold = np.zeros((len(targets), len(labels)), dtype=np.float32)
        fold[np.arange(len(targets)), [labels.index(t) for t in targets]] = 1.0
        return labels, fold

    def _feature_counts(self, encoded: list[bytes]) -> csr_matrix:
        """log(1 + count) of every automaton feature in every text, as a sparse texts x features matrix."""
        n = len(encoded)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        order = np.argsort(-lengths, kind="stable")  # longest first: the texts still running are a prefix
        sorted_lengths = lengths[order]
        steps = int(sorted_lengths[0]) if n else 0
        running = np.searchsorted(-sorted_lengths, -np.arange(steps), side="left").tolist()
        data = np.frombuffer(b"".join(encoded[i] for i in order), dtype=np.uint8)
        position = (np.cumsum(sorted_lengths) - sorted_lengths).astype(np.int64)  # of each text's next byte
        state = np.zeros(n, dtype=np.int32)
        hit_rows, hit_features = [], []
        for k in running:
            current = self._nextmove[self._rowbase[state[:k]] + data[position[:k]]]
            state[:k] = current
            position[:k] += 1
            feature = self._output[current]
            hit = np.flatnonzero(feature >= 0)
            hit_rows.append(hit)
            hit_features.append(feature[hit])
        rows = order[np.concatenate(hit_rows)] if hit_rows else np.zeros(0, np.int64)
        features = np.concatenate(hit_features) if hit_features else np.zeros(0, np.int32)
        counts = csr_matrix((np.ones(len(rows), np.float32), (rows, features)), shape=(n, self._weights.shape[0]))
        counts.sum_duplicates()
        counts.data = np.log1p(counts.data)
        return counts


def _encode(text: str) -> bytes:
    """The bytes py3langid scores: all-caps text lowered, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


@lru_cache(maxsize=1)
def shared_identifier() -> BatchLanguageIdentifier:
    """One identifier per process: loading the model takes about a second and 100 MB."""
    return BatchLanguageIdentifier()
