"""Token counts of exported rows as the target model's trainer will see them.

`format.tokenizer` is a local folder with `tokenizer.json` (and usually `tokenizer_config.json`), or a
Hugging Face hub id already in the local cache: nothing is ever downloaded at build time. Each row's
conversation (system, user, assistant with its reasoning, as the format writes it) is rendered with
the tokenizer's chat template (or `format.chat_template`, a Jinja string or file), the way
transformers' `apply_chat_template` renders it, and counted in batches by the Rust tokenizer
(`encode_batch_fast`): 100k rows take seconds. Without a chat template, the turns' texts are counted
one after another, and the card says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..version.fingerprint import file_sha256

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja")
SPECIAL = ("bos_token", "eos_token", "unk_token", "pad_token")
TEMPLATE_DAY = datetime(2025, 1, 1)


class TokenCounter:
    """Counts the tokens of conversations with one tokenizer and chat template."""

    def __init__(self, tokenizer: str, chat_template: str | None = None):
        from tokenizers import Tokenizer

        self.name = str(tokenizer)
        self.folder = _folder(self.name)
        if not (self.folder / "tokenizer.json").is_file():
            raise UserError(f"format.tokenizer={self.name}: {self.folder} has no tokenizer.json (a fast tokenizer); "
                            "save one with transformers: AutoTokenizer.from_pretrained(...).save_pretrained(folder)")
        try:
            self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        except Exception as exc:  # the Rust tokenizer says what is wrong with the file
            raise UserError(f"format.tokenizer={self.name}: cannot read tokenizer.json ({exc})") from None
        config = _json(self.folder / "tokenizer_config.json")
        self.specials = {key: _token_text(config.get(key)) for key in SPECIAL}
        self.template_text = _template(chat_template, self.folder, config, self.name)
        self.template = None if self.template_text is None else _compile(self.template_text)

    def fingerprint(self) -> list[dict]:
        """The tokenizer's files (and the chat template given in the config) as inputs of the version."""
        entries = [{"kind": "file", "path": str(self.folder / name), "name": f"tokenizer/{name}",
                    "sha256": file_sha256(self.folder / name)}
                   for name in TOKENIZER_FILES if (self.folder / name).is_file()]
        if self.template_text is not None:
            entries.append({"kind": "chat_template", "name": "format.chat_template",
                            "sha256": hashlib.sha256(self.template_text.encode()).hexdigest()})
        return entries

    def render(self, messages: Sequence[dict]) -> str:
        """The text the trainer tokenizes for one conversation."""
        from jinja2 import TemplateError

        if self.template is None:
            return "".join(m["content"] for m in messages)
        try:
            return self.template.render(messages=list(messages), add_generation_prompt=False, **self.specials)
        except TemplateError as exc:
            raise UserError(f"format.tokenizer={self.name}: its chat template refused a row ({exc}); set "
                            "format.chat_template to one that takes this format's turns") from None

    def count(self, conversations: Sequence[Sequence[dict]]) -> np.ndarray:
        """Tokens of each conversation (int64), counted in one batch."""
        if not conversations:
            return np.zeros(0, np.int64)
        texts = [self.render(messages) for messages in conversations]
        encoded = self.tokenizer.encode_batch_fast(texts, add_special_tokens=False)
        return np.fromiter((len(e.ids) for e in encoded), np.int64, len(encoded))


def _folder(name: str) -> Path:
    """A local folder, or the cached snapshot of a hub id (never a download)."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.exists() or name.startswith((".", "/", "~")):
        raise UserError(f"format.tokenizer={name}: not a folder; give the folder that holds tokenizer.json")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(name, local_files_only=True, allow_patterns=list(TOKENIZER_FILES)))
    except (LocalEntryNotFoundError, ValueError, OSError) as exc:
        raise UserError(f"format.tokenizer={name}: not a folder, and not in the local Hugging Face cache ({exc}); "
                        "dsbuild never downloads at build time: fetch it once (hf download "
                        f"{name} --include 'tokenizer*') or give a folder") from None


def _json(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"format.tokenizer: {path} is not valid JSON ({exc})") from None
    return data if isinstance(data, dict) else {}


def _token_text(value) -> str:
    """A special token as tokenizer_config.json writes it: a string or an AddedToken-like mapping."""
    if isinstance(value, dict):
        return str(value.get("content") or "")
    return value if isinstance(value, str) else ""


def _template(given: str | None, folder: Path, config: dict, name: str) -> str | None:
    """The chat template: `format.chat_template` (text, or a file), else the tokenizer's own, else None."""
    if given:
        path = Path(str(given)).expanduser()
        if "{" not in given and path.is_file():
            return path.read_text(encoding="utf-8")
        if "{" not in given:
            raise UserError(f"format.chat_template={given!r}: not a Jinja template and not a file")
        return str(given)
    if (folder / "chat_template.jinja").is_file():
        return (folder / "chat_template.jinja").read_text(encoding="utf-8")
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: the default one
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default") or next(iter(named.values()), None)
    if template is not None and not isinstance(template, str):
        raise UserError(f"format.tokenizer={name}: chat_template in tokenizer_config.json is not text")
    return template


def _compile(text: str):
    """The template in a sandbox set up as transformers sets up apply_chat_template's (including its
    `{% generation %}` blocks, which mark the assistant's tokens for TRL and render as their content)."""
    from jinja2 import TemplateError, nodes
    from jinja2.ext import Extension, loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.Scope(body, lineno=lineno)

    def raise_exception(message):
        raise TemplateError(message)

    def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, Generation])
    env.filters["tojson"] = tojson
    # a fixed day where a template writes today's date: the same rows give the same counts on any day
    env.globals.update(raise_exception=raise_exception, strftime_now=lambda fmt: TEMPLATE_DAY.strftime(fmt))
    try:
        return env.from_string(text)
    except TemplateError as exc:
        raise UserError(f"format.chat_template: not a valid Jinja template ({exc})") from None
