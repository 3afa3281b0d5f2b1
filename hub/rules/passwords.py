"""Password and client-secret hashing with scrypt (memory-hard, in the standard library).

Hashes are self-describing strings: `scrypt$n$r$p$salt_b64$hash_b64`, so the cost can be
raised later without invalidating stored hashes.

A hash costs ~50 ms of CPU and 16 MiB by design. Async code calls the `_async` variants,
which run it in a worker thread (hashlib releases the GIL meanwhile): on the event loop it
would stall every other request for that long, and a flood of wrong secrets would stall the
whole server.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1  # 16 MiB per hash
_DKLEN = 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`; False for any malformed or missing hash."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=_DKLEN
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, _unb64(expected))


async def hash_password_async(password: str) -> str:
    """`hash_password` in a worker thread, for async code."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password: str, stored: str | None) -> bool:
    """`verify_password` in a worker thread, for async code."""
    return await asyncio.to_thread(verify_password, password, stored)
