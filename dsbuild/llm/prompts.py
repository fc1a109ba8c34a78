"""Prompt templates: Jinja2 files rendered in a sandbox into chat messages, hashed for versioning.

A template is one `.j2` file with a `user` block and an optional `system` block. Rendering uses
Jinja2's sandbox and fails on any undefined variable, so a typo in a field name stops the build
before a single call is paid for. A template's sha256 goes into the dataset's version id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, meta
from jinja2.sandbox import SandboxedEnvironment

from ..config import PROMPTS_DIR
from ..errors import UserError


class PromptTemplate:
    """A loaded template: `messages(context)` -> [{"role": "system"|"user", "content": ...}]."""

    def __init__(self, name: str, search_path: Sequence[Path] = ()):
        path = Path(name)
        folders = [path.parent] if path.is_absolute() else [*map(Path, search_path), PROMPTS_DIR]
        env = SandboxedEnvironment(
            loader=FileSystemLoader([str(f) for f in folders]), undefined=StrictUndefined,
            keep_trailing_newline=False, autoescape=False,
        )
        env.filters["tojson"] = lambda value: json.dumps(value, ensure_ascii=False)  # Chinese stays readable
        try:
            self.template = env.get_template(path.name if path.is_absolute() else name)
        except TemplateNotFound:
            raise UserError(
                f"prompt.template {name!r} not found in {', '.join(str(f) for f in folders)}; "
                "name a .j2 file there or give an absolute path"
            ) from None
        except TemplateError as exc:
            raise UserError(f"prompt.template {name!r}: {exc}; fix the template") from None
        if "user" not in self.template.blocks:
            raise UserError(f"prompt.template {name!r} has no {{% block user %}}; add one with the user message")
        self.name = name
        self.path = Path(self.template.filename)
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()
        self.digest = _sources_digest(env, self.template.name)


    def messages(self, context: Mapping) -> list[dict]:
        """The chat messages for one row; an undefined variable is a UserError naming it."""
        out = []
        try:
            ctx = self.template.new_context(dict(context))  # one context for both blocks: half the cost
            for role in ("system", "user"):
                block = self.template.blocks.get(role)
                text = "".join(block(ctx)).strip() if block is not None else ""
                if text:
                    out.append({"role": role, "content": text})
        except TemplateError as exc:
            raise UserError(f"prompt.template {self.name!r}: {exc}; fix the template or prompt.inputs") from None
        return out


def _sources_digest(env: SandboxedEnvironment, name: str) -> str | None:
    """sha256 over the template and every template it includes, imports or extends (what its rendering
    depends on besides the variables); None when a reference is computed at render time."""
    digest, seen, todo = hashlib.sha256(), set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source, _, _ = env.loader.get_source(env, current)
        digest.update(f"{len(current)}:{current}{len(source)}:{source}".encode())
        for referenced in meta.find_referenced_templates(env.parse(source)):
            if referenced is None:
                return None
            todo.append(referenced)
    return digest.hexdigest()
