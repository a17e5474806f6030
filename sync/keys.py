"""This node's long-term key pair (X25519), made on first start.

The private key stays in the node's own database (a ``LocalModel``: never
replicated, never sent). The public key is what pairing pins on the other
side; its fingerprint is short enough to read aloud and is shown on the hub's
pages and in its zeroconf advert, so a person can compare it.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from kiosk.core import times
from sync.tables import NodeKey

KEY_BYTES = 32


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict base64 (raises ``ValueError`` on anything else)."""
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def ensure_key() -> NodeKey:
    """This node's key row, made the first time it is asked for.

    Two threads racing on first use both insert-or-ignore, then read the one
    row that won, so the node never ends up with two keys.
    """
    row = NodeKey.get_or_none(NodeKey.id == 1)
    if row is not None:
        return row
    private = X25519PrivateKey.generate()
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    NodeKey.insert(id=1, private_key=b64encode(raw_private), public_key=b64encode(raw_public),
                   created_at=times.utcnow()).on_conflict_ignore().execute()
    return NodeKey.get(NodeKey.id == 1)


def private_key() -> X25519PrivateKey:
    """This node's private key (for key agreement only; never leaves this module's callers)."""
    return X25519PrivateKey.from_private_bytes(b64decode(ensure_key().private_key))


def public_key_raw() -> bytes:
    """This node's public key, the raw 32 bytes."""
    return b64decode(ensure_key().public_key)


def public_key_b64() -> str:
    """This node's public key as base64 text (what pairing sends)."""
    return ensure_key().public_key


def decode_public_key(text: str) -> bytes:
    """A peer's public key from base64 text; ``ValueError`` unless it is 32 bytes."""
    raw = b64decode(text)
    if len(raw) != KEY_BYTES:
        raise ValueError("a public key is 32 bytes")
    return raw


def fingerprint(public_key: bytes | str | None = None) -> str:
    """First 16 hex digits of SHA-256 of a raw public key (default: this node's).

    Accepts the raw bytes or the base64 text of a key.
    """
    if public_key is None:
        raw = public_key_raw()
    elif isinstance(public_key, str):
        raw = decode_public_key(public_key)
    else:
        raw = bytes(public_key)
    return hashlib.sha256(raw).hexdigest()[:16]


def own_fingerprint() -> str:
    """This node's fingerprint (the name ``sync.discovery`` looks for)."""
    return fingerprint()
