"""Password and client-secret hashing with scrypt (memory-hard, in the standard library),
and the rules a person's new password must meet.

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
import unicodedata

from hub.rules.validation import FieldError

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


# --- the rules of a person's password --------------------------------------------------------
#
# Length over composition (NIST SP 800-63B): at least 10 characters of any kind (Thai
# included, compared in NFC), at most 200 (a longer one is a mistake, and scrypt's input is
# hashed whole), not built on the username, not one character repeated, not one of the
# passwords every guesser tries first. No rule about digits or capitals: they make people
# write passwords down, not choose better ones.

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
# The first guesses: keyboard rows (Latin, and the Thai Kedmanee row typed with the same keys),
# the hub's and the department's own names. Compared case-insensitively, whole.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "123456789a",
        "1qaz2wsx3edc",
        "abcdefghij",
        "qwertyuiop",
        "asdfghjkl;",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou123",
        "infohub1234",
        "info.dla.go.th",
        "dla12345678",
        "ๅ/-ภถุึคตจ",  # 1234567890 on a Thai keyboard
        "ๆไำพะัีรนย",  # qwertyuiop on a Thai keyboard
    }
)


def password_problems(
    password: str, *, username: str, path: str = "newPassword"
) -> list[FieldError]:
    """Every rule the new `password` of `username` breaks, naming the field at `path`."""
    text = unicodedata.normalize("NFC", password)
    problems: list[FieldError] = []
    if len(text) < PASSWORD_MIN_LENGTH:
        problems.append(
            FieldError(
                path,
                "TOO_SHORT",
                f"a password has at least {PASSWORD_MIN_LENGTH} characters",
                f"รหัสผ่านต้องมีอย่างน้อย {PASSWORD_MIN_LENGTH} ตัวอักษร",
            )
        )
    if len(text) > PASSWORD_MAX_LENGTH:
        problems.append(
            FieldError(
                path,
                "TOO_LONG",
                f"a password has at most {PASSWORD_MAX_LENGTH} characters",
                f"รหัสผ่านต้องไม่เกิน {PASSWORD_MAX_LENGTH} ตัวอักษร",
            )
        )
    lowered = text.casefold()
    if username and len(username) >= 3 and username.casefold() in lowered:
        problems.append(
            FieldError(
                path,
                "CONTAINS_USERNAME",
                "a password must not contain the username",
                "รหัสผ่านต้องไม่มีชื่อผู้ใช้อยู่ในนั้น",
            )
        )
    if text and len(set(text)) == 1:
        problems.append(
            FieldError(
                path,
                "REPEATED",
                "a password is not one character repeated",
                "รหัสผ่านต้องไม่ใช่ตัวอักษรเดียวซ้ำกัน",
            )
        )
    if lowered in COMMON_PASSWORDS:
        problems.append(
            FieldError(
                path,
                "TOO_COMMON",
                "this password is among the first ones guessed: choose another",
                "รหัสผ่านนี้ถูกเดาได้ง่าย กรุณาเลือกรหัสผ่านอื่น",
            )
        )
    return problems
