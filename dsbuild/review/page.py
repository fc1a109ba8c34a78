"""review.html: the one-file review page, with the pack's items embedded as JSON.

The page (page.html beside this module) carries its CSS and JavaScript inline and loads nothing, so
it works from file:// on a laptop without network. The data goes into a `<script type="application/json">`
element; `<`, `>` and `&` are written as JSON escapes so no field text can close that element.
"""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE = Path(__file__).with_name("page.html")
PLACEHOLDER = "__PACK_DATA__"


def render_page(data: dict) -> str:
    """The page's HTML with `data` (name, version_id, pack_id, fields, editable, items) embedded."""
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True)
    blob = blob.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return TEMPLATE.read_text(encoding="utf-8").replace(PLACEHOLDER, blob)
