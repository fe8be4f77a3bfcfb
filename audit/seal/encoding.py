"""The canonical text of a history row and the seal over it, written the same way by PostgreSQL
(`triggers`) and by Python (`python_path`, `verifier`)."""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

GLOBAL_CHAIN = 0
GENESIS = bytes(32)
# First key of pg_advisory_xact_lock(int, int); the second is the chain.
LOCK_NAMESPACE = 0x4155
# Transaction-local setting holding "<seq>:<seal hex>" of a chain's head once this transaction holds
# the chain's lock (PostgreSQL), followed by the chain number.
HEAD_SETTING = "khunatham.seal_head_"

INT, TEXT, BOOL, DECIMAL, DATETIME, DATE, JSON, UUID, FLOAT = (
    "int",
    "text",
    "bool",
    "decimal",
    "datetime",
    "date",
    "json",
    "uuid",
    "float",
)
KINDS = (INT, TEXT, BOOL, DECIMAL, DATETIME, DATE, JSON, UUID, FLOAT)


# The history column holding a row's random salt, in tables whose layout seals personal columns through a
# salted digest (audit/personal.py). Not itself sealed: erasing it with the personal values leaves nothing
# from which they could be guessed, while the digests recorded by the redaction keep the seal verifiable.
SALT_COLUMN = "history_salt"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    scale: int = 0
    # Sealed as "#" + SHA-256(salt || value text) instead of the value (personal data, audit/personal.py).
    personal: bool = False

    def as_list(self) -> list:
        # A column that is not personal keeps the three-item form, so that every earlier layout's signature
        # (audit.triggers.layout_signature) stays what it was.
        return [self.name, self.kind, self.scale, True] if self.personal else [self.name, self.kind, self.scale]


class JsonText(str):
    """A JSON value exactly as PostgreSQL's jsonb prints it (already canonical)."""


def _jsonb_string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\b":
            out.append("\\b")
        elif char == "\f":
            out.append("\\f")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def jsonb_text(value: Any) -> str:
    """The text PostgreSQL prints for `value` stored as jsonb: object keys ordered by length, then
    bytes; `, ` and `: ` separators; numbers as numeric prints them."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        text = format(number, "f")
        return "0" if text in {"-0", "0"} else text
    if isinstance(value, str):
        return _jsonb_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted((str(key) for key in value), key=lambda key: (len(key.encode()), key.encode()))
        items = {str(key): item for key, item in value.items()}
        return "{" + ", ".join(f"{_jsonb_string(key)}: {jsonb_text(items[key])}" for key in keys) + "}"
    raise TypeError(f"cannot seal a JSON value of type {type(value).__name__}")


def _as_utc_datetime(value: Any) -> datetime.datetime:
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def value_text(column: Column, value: Any) -> str | None:
    """The canonical text of one column value, as read from PostgreSQL (psycopg)."""
    if value is None:
        return None
    kind = column.kind
    if kind == INT:
        return str(int(value))
    if kind == BOOL:
        return "true" if value else "false"
    if kind == DECIMAL:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        number = number.quantize(Decimal(1).scaleb(-column.scale))
        if number == 0:
            number = abs(number)
        return format(number, "f")
    if kind == DATETIME:
        return _as_utc_datetime(value).strftime("%Y-%m-%dT%H:%M:%S.%f")
    if kind == DATE:
        return value if isinstance(value, str) else value.isoformat()
    if kind == JSON:
        if isinstance(value, JsonText):
            return str(value)
        if isinstance(value, str):
            value = json.loads(value)
        return jsonb_text(value)
    if kind == UUID:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    if kind == FLOAT:
        return repr(float(value))
    return str(value)


def salt_bytes(salt: Any) -> bytes:
    """A row's salt as PostgreSQL's uuid_send gives it (no salt: no bytes)."""
    if salt is None:
        return b""
    return salt.bytes if isinstance(salt, uuid.UUID) else uuid.UUID(str(salt)).bytes


def personal_digest(salt: Any, text: str) -> str:
    """The hex SHA-256 that a personal column's value is sealed as, with the row's salt."""
    return hashlib.sha256(salt_bytes(salt) + text.encode()).hexdigest()


def sealed_text(column: Column, row: Mapping[str, Any], redacted: Mapping[str, str | None] | None = None) -> str | None:
    """One column's text as the seal covers it. A personal column appears as "#" + its salted digest; one that a
    redaction erased appears as the digest the redaction recorded (`redacted`, by column)."""
    if column.personal and redacted and column.name in redacted:
        digest = redacted[column.name]
        return None if digest is None else "#" + digest
    text = value_text(column, row.get(column.name))
    if column.personal and text is not None:
        text = "#" + personal_digest(row.get(SALT_COLUMN), text)
    return text


def canonical(columns: Iterable[Column], row: dict[str, Any], redacted: Mapping[str, str | None] | None = None) -> str:
    """The text a row's seal covers: each column's `sealed_text`, in the layout's order."""
    parts = []
    for column in columns:
        text = sealed_text(column, row, redacted)
        parts.append(f"{column.name}=~;" if text is None else f"{column.name}={len(text)}:{text};")
    return "".join(parts)


def compute_seal(previous: bytes, chain: int, table: str, seq: int, canonical_row: str) -> bytes:
    message = f"{chain}|{table}|{seq}|{canonical_row}".encode()
    return hashlib.sha256(bytes(previous) + message).digest()
