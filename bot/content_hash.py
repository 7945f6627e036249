"""The content hash that a reviewer approves. One definition, used by the loader and `kb approve`.

A statement's approval is bound to its wording and its sources: when either changes after
approval, the stored hash no longer matches and the statement goes back to review.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Iterable, Optional, Tuple

HASH_LENGTH = 16  # hex characters kept


def content_hash(text: str, patient_text: Optional[str], sources: Iterable[str]) -> str:
    """First 16 hex chars of sha256 over the canonical JSON of text, patient_text and sorted sources."""
    # Answers check every statement's approval on each turn; the hash of the same content never changes.
    return _content_hash(text, patient_text, tuple(sorted(sources)))


@lru_cache(maxsize=4096)
def _content_hash(text: str, patient_text: Optional[str], sources: Tuple[str, ...]) -> str:
    payload = {"text": text, "patient_text": patient_text, "sources": list(sources)}
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:HASH_LENGTH]
