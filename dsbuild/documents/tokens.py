"""How big a span of text is: characters, or tokens of a tiktoken encoding or a Hugging Face tokenizer.json.

Chunk sizes are meant for a model's context, so `unit: tokens` counts with the model's tokenizer. No
network is needed: tiktoken's BPE files for cl100k_base, o200k_base and p50k_base ship inside the
installed litellm package, and `TIKTOKEN_CACHE_DIR` points there when the user has not set it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from ..errors import UserError

_KEY = "source.chunking.tokenizer"


class CharSizer:
    """Size in characters: sizes of adjacent spans add up, so growing a span needs no recount."""

    exact = True

    def size(self, text: str, start: int, end: int) -> int:
        return end - start

    def grow(self, text: str, start: int, end: int, new_end: int, size: int) -> int:
        return new_end - start


class TokenSizer:
    """Size in tokens. Growing a span adds the new part's count: an estimate, checked with `size` afterwards."""

    exact = False

    def __init__(self, count: Callable[[str], int]):
        self.count = count

    def size(self, text: str, start: int, end: int) -> int:
        return self.count(text[start:end])

    def grow(self, text: str, start: int, end: int, new_end: int, size: int) -> int:
        return size + self.count(text[end:new_end])


@lru_cache(maxsize=8)
def sizer_for(unit: str, tokenizer: str) -> CharSizer | TokenSizer:
    """The sizer for `unit` ("chars" or "tokens"); loads the tokenizer once per process."""
    if unit == "chars":
        return CharSizer()
    if _looks_like_path(tokenizer):
        return TokenSizer(_hf_counter(Path(tokenizer)))
    return TokenSizer(_tiktoken_counter(tokenizer))


def _looks_like_path(tokenizer: str) -> bool:
    return tokenizer.endswith(".json") or "/" in tokenizer or os.sep in tokenizer


def _hf_counter(path: Path) -> Callable[[str], int]:
    if not path.is_file():
        raise UserError(
            f"{_KEY}: no file {path}; give the path of a Hugging Face tokenizer.json or a tiktoken encoding name"
        )
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # the library raises a bare Exception for any malformed file
        raise UserError(f"{_KEY}: {path} is not a Hugging Face tokenizer.json ({exc}); fix or replace it") from None
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


def _bundled_tiktoken_dir() -> str | None:
    """litellm's folder of tiktoken BPE files, found without importing litellm (slow to import)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    return str(folder) if folder.is_dir() else None


def _tiktoken_counter(name: str) -> Callable[[str], int]:
    if "TIKTOKEN_CACHE_DIR" not in os.environ and (bundled := _bundled_tiktoken_dir()):
        os.environ["TIKTOKEN_CACHE_DIR"] = bundled
    import tiktoken

    if name not in tiktoken.list_encoding_names():
        raise UserError(
            f"{_KEY}: unknown tiktoken encoding {name!r}; use one of {', '.join(tiktoken.list_encoding_names())} "
            "or the path of a Hugging Face tokenizer.json"
        )
    try:
        encoding = tiktoken.get_encoding(name)
    except Exception as exc:  # not bundled and no network: requests' or urllib's error
        raise UserError(
            f"{_KEY}: cannot load tiktoken encoding {name!r} offline ({type(exc).__name__}); "
            "use cl100k_base, o200k_base or p50k_base, or the path of a Hugging Face tokenizer.json"
        ) from None
    return lambda text: len(encoding.encode_ordinary(text))
