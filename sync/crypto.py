"""The sealed envelope: key agreement, authenticated encryption, pairing proof.

Every sync call after pairing travels as ``{"node", "nonce", "box"}``:

* ``key``   = HKDF-SHA256(X25519(my private, peer public),
              info = b"bayflow-sync-v1" + the two node ids, sorted) — the same
              32 bytes on both sides, and only on those two;
* ``box``   = AES-256-GCM(key, nonce, JSON(payload + {"ts", "rid"}), aad);
* ``aad``   = direction, operation and sender (and, for an answer, the
              request's ``rid``), so a box cannot be moved to another
              operation, turned around, or replayed as the answer to a
              different request.

Pure functions of bytes and dicts: no database, no HTTP.
"""
from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync import jsonwire
from sync.keys import b64decode, b64encode

INFO = b"bayflow-sync-v1"
NONCE_BYTES = 12

_keys: dict[tuple, bytes] = {}  # (my public, peer public, ids) -> session key; X25519 is not free


class BadBox(ValueError):
    """The box does not open with this key and context: forged, altered, or not for us."""


def derive_key(private: X25519PrivateKey, peer_public: bytes, my_id: str, peer_id: str) -> bytes:
    """The 32-byte key two paired nodes share (the same whichever side computes it)."""
    mine = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    cache_key = (mine, bytes(peer_public), my_id, peer_id)
    found = _keys.get(cache_key)
    if found is None:
        shared = private.exchange(X25519PublicKey.from_public_bytes(bytes(peer_public)))
        if shared == bytes(len(shared)):  # a low-order point: the "peer key" is not a real key
            raise BadBox("the peer's public key is not usable")
        ids = "|".join(sorted((my_id, peer_id))).encode("utf-8")
        found = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO + b"|" + ids).derive(shared)
        if len(_keys) > 1024:  # a hub with many kiosks over a long life: keep it bounded
            _keys.clear()
        _keys[cache_key] = found
    return found


def request_aad(op: str, sender: str) -> bytes:
    return f"bayflow-sync-v1|request|{op}|{sender}".encode("utf-8")


def response_aad(op: str, sender: str, request_rid: str) -> bytes:
    return f"bayflow-sync-v1|response|{op}|{sender}|{request_rid}".encode("utf-8")


def seal(key: bytes, aad: bytes, payload: dict) -> tuple[str, str]:
    """Encrypt ``payload`` (a JSON object); returns (nonce, box) as base64 text."""
    nonce = os.urandom(NONCE_BYTES)
    plain = jsonwire.dumps(payload)
    return b64encode(nonce), b64encode(AESGCM(key).encrypt(nonce, plain, aad))


def open_box(key: bytes, aad: bytes, nonce: str, box: str) -> dict:
    """Decrypt and check a box; raises ``BadBox`` unless it is authentic and a JSON object."""
    try:
        raw_nonce, raw_box = b64decode(nonce), b64decode(box)
    except ValueError:
        raise BadBox("nonce or box is not base64")
    if len(raw_nonce) != NONCE_BYTES:
        raise BadBox("the nonce has the wrong length")
    try:
        plain = AESGCM(key).decrypt(raw_nonce, raw_box, aad)
    except InvalidTag:
        raise BadBox("the box does not authenticate")
    try:
        payload = jsonwire.loads(plain)
    except ValueError:  # UnicodeDecodeError included
        raise BadBox("the box does not hold JSON")
    if not isinstance(payload, dict):
        raise BadBox("the box does not hold a JSON object")
    return payload


def envelope(sender: str, key: bytes, aad: bytes, payload: dict) -> dict:
    """The wire form: ``{"node", "nonce", "box"}``."""
    nonce, box = seal(key, aad, payload)
    return {"node": sender, "nonce": nonce, "box": box}


# Pairing. The code is short (8 digits, ~27 bits), so it never travels, and
# nothing derived from it is shown to anyone who has not proven it first —
# except the kiosk's MAC, which is keyed by a memory-hard hash of the code:
# a rogue that answers a pairing gets one MAC it would have to attack with
# 10^8 scrypt runs before the code expires.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


def code_verifier(digits: str, hub_public: bytes) -> bytes:
    """scrypt(code, salt = the hub's public key): what the hub stores instead of the code."""
    return Scrypt(salt=b"bayflow-pair-v1|" + bytes(hub_public), length=32, n=SCRYPT_N, r=SCRYPT_R,
                  p=SCRYPT_P).derive(digits.encode("ascii"))


def kiosk_mac(verifier: bytes, hub_public: bytes, kiosk_public: bytes, node_id: str) -> str:
    """The kiosk's proof that it knows the code, bound to both keys and its node id (hex)."""
    message = b"kiosk|" + bytes(hub_public) + bytes(kiosk_public) + node_id.encode("utf-8")
    return hmac.new(verifier, message, hashlib.sha256).hexdigest()


def hub_proof(verifier: bytes, hub_public: bytes, kiosk_public: bytes) -> str:
    """The hub's proof that it made the code, bound to both keys (hex)."""
    return hmac.new(verifier, b"hub|" + bytes(hub_public) + bytes(kiosk_public), hashlib.sha256).hexdigest()


def same_mac(given, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii"))
