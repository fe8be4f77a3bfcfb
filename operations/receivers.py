"""What the operations app listens to."""

from __future__ import annotations


def connect() -> None:
    """Connected once, from OperationsConfig.ready()."""
