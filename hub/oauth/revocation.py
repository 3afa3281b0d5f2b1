"""Is an access token still good? One statement, answered from primary keys and one index.

An access token (a JWT valid for minutes) stops being accepted before it expires when
* it was revoked itself (RFC 7009; its `jti` is in `oauth_revoked_access_tokens`);
* the sign-in it belongs to was revoked: its `sid` claim names the refresh-token family, whose
  rows carry `revoked_at` after a logout, a reused refresh token, a reused authorization code
  (RFC 6749 §4.1.2) or the person's account being disabled;
* the person (`uid`) or the client (`cid`) it was issued to is disabled.

The resource server (every request with a token) and introspection ask the same question with
the same statement: one round trip, as the revocation check alone took before. State lives in
the database, so every worker and replica agrees at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, false, or_, select

from hub.db.models import ApiClient, RefreshToken, RevokedAccessToken, User


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def revoked(claims: dict[str, Any]) -> Select[tuple[bool]]:
    """SELECT true when the verified `claims` belong to a token that must be refused."""
    checks: list[Any] = []
    jti = claims.get("jti")
    if isinstance(jti, str):
        checks.append(exists().where(RevokedAccessToken.jti == jti))
    sid = claims.get("sid")
    if isinstance(sid, str):
        checks.append(
            exists().where(RefreshToken.family_id == sid, RefreshToken.revoked_at.is_not(None))
        )
    uid = _id(claims.get("uid"))
    if uid is not None:
        checks.append(exists().where(User.id == uid, User.disabled.is_(True)))
    cid = _id(claims.get("cid"))
    if cid is not None:
        checks.append(exists().where(ApiClient.id == cid, ApiClient.disabled.is_(True)))
    return select(or_(false(), *checks))
