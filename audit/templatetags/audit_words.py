"""Template filters that put the system's JSON into words for the auditors' pages (audit/words.py)."""

from __future__ import annotations

from typing import Any

from django import template

from audit import words

register = template.Library()


@register.filter
def in_words(value: Any) -> list[tuple[str, str]]:
    """A dict the system keeps (a finding's evidence) as (label, words) rows, without ids or keys."""
    if not isinstance(value, dict):
        return [("", words.json_words(value))] if value not in (None, "") else []
    with words.names():
        rows = []
        for key, item in value.items():
            if words.hidden_key(key):
                continue
            label = words.KEY_LABELS.get(key)
            rows.append((str(label) if label is not None else key.replace("_", " "), words.key_value_words(key, item)))
        return rows
