"""authlib's AuthorizationServer for starlette, over the hub's database.

authlib is synchronous. Each OAuth request builds a `HubAuthorizationServer` around one
database transaction and runs it inside `AsyncSession.run_sync`: SQLAlchemy's greenlet bridge
lets the sync ORM calls authlib's hooks make run on the async engine, on SQLite and
PostgreSQL alike, without threads. Nothing is kept between requests.

Grants: client credentials (agencies' systems), authorization code with PKCE (S256 only,
required for every client) for people, refresh token with rotation and reuse detection.
Endpoints: revocation (RFC 7009) and introspection (RFC 7662).

Client secrets are checked before authlib runs (`check_client`, the scrypt hash in a worker
thread: ~50 ms of CPU must never stall the event loop that serves every other request);
authlib's own check then reads that result. A person's sign-in is a refresh-token family:
its access tokens carry the family as `sid`, so revoking the family (logout, a reused refresh
token, a reused authorization code) refuses them too (hub/oauth/revocation.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    grants,
)
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from joserfc import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, Headers, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.db import revocation_epoch
from hub.db.grants import grants_with_places
from hub.db.models import (
    ApiClient,
    AuthorizationCode,
    ClientRegistration,
    RefreshToken,
    RevokedAccessToken,
    RoleAssignment,
    User,
)
from hub.oauth import revocation, tokens
from hub.oauth.keys import KeyStore, LoadedKey, aware, utcnow
from hub.rules.identity import ALL_SCOPES
from hub.rules.passwords import verify_password, verify_password_async
from hub.settings import Settings

OPENID_SCOPE = "openid"
SCOPES_SUPPORTED = (*ALL_SCOPES, OPENID_SCOPE)
CODE_LIFETIME = 300  # seconds
CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
T = TypeVar("T")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- the request ---------------------------------------------------------------------------


class _Payload(OAuth2Payload):
    def __init__(self, data: dict[str, str], datalist: dict[str, list[str]]) -> None:
        self._data = data
        self._datalist = datalist

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:  # type: ignore[override]
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):
    """A starlette request whose body was already read (authlib reads it synchronously)."""

    def __init__(self, method: str, uri: str, headers: Headers, query: QueryParams, form: FormData):
        super().__init__(method=method, uri=uri, headers=headers)
        self._args = {k: v for k, v in query.items()}
        self._form = {k: v for k, v in form.items() if isinstance(v, str)}
        datalist: dict[str, list[str]] = {}
        for source in (query, form):
            for k, v in source.multi_items():
                if isinstance(v, str):
                    datalist.setdefault(k, []).append(v)
        self.payload = _Payload({**self._args, **self._form}, datalist)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> FormData:
    """An application/x-www-form-urlencoded body (all OAuth endpoints take), size-limited."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != (
        "application/x-www-form-urlencoded"
    ):
        return FormData()
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "request body too large")
    return FormData(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


async def read_request(request: Request, settings: Settings) -> StarletteOAuth2Request:
    form = await read_form(request) if request.method == "POST" else FormData()
    # The issuer is the hub's public address (TLS may end at a proxy in front of it).
    uri = settings.issuer + request.url.path
    if request.url.query:
        uri += "?" + request.url.query
    return StarletteOAuth2Request(request.method, uri, request.headers, request.query_params, form)


# --- who the client says it is, checked off the event loop ------------------------------------

SecretChecks = dict[tuple[str, str], bool]  # (client_id, secret presented) -> it matches


@dataclass(frozen=True)
class ClaimedClient:
    """The client a request at an OAuth endpoint names, and the secrets it presents, read as
    authlib reads them (HTTP Basic, then `client_id` / `client_secret` in the form)."""

    client_id: str | None
    secrets: tuple[tuple[str, str], ...]
    malformed: bool = False  # an Authorization: Basic header that is not base64 UTF-8


def claimed_client(headers: Headers, form: Mapping[str, str]) -> ClaimedClient:
    try:
        basic_id, basic_secret = extract_basic_authorization(headers)
    except ValueError:  # UnicodeDecodeError: authlib would fail on it too
        return ClaimedClient(None, (), malformed=True)
    form_id, form_secret = form.get("client_id"), form.get("client_secret")
    presented: list[tuple[str, str]] = []
    if basic_id and basic_secret:
        presented.append((basic_id, basic_secret))
    if form_id and form_secret:
        presented.append((form_id, form_secret))
    return ClaimedClient(basic_id or form_id or None, tuple(presented))


@dataclass(frozen=True)
class ClientCheck:
    """What the claimed credentials are worth: found before authlib runs."""

    claimed: ClaimedClient
    known: bool  # the claimed client exists and is enabled
    public: bool  # ... and has no secret (browser or mobile app: authentication "none")
    secret_checks: SecretChecks

    @property
    def authenticated(self) -> bool:
        """A presented secret matched: the caller holds the client's secret."""
        return any(self.secret_checks.values())


async def check_client(engine: AsyncEngine, claimed: ClaimedClient) -> ClientCheck:
    """Look the claimed client up and check every presented secret, hashing in a thread."""
    ids = {claimed.client_id, *(client_id for client_id, _ in claimed.secrets)} - {None}
    if not ids:
        return ClientCheck(claimed, False, False, {})
    async with engine.connect() as conn:
        rows = {
            r.client_id: r
            for r in await conn.execute(
                select(
                    ApiClient.client_id,
                    ApiClient.secret_hash,
                    ApiClient.disabled,
                    ClientRegistration.token_endpoint_auth_method,
                )
                .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
                .where(ApiClient.client_id.in_(ids))
            )
        }
    checks: SecretChecks = {}
    for client_id, secret in claimed.secrets:
        row = rows.get(client_id)
        usable = row is not None and not row.disabled and row.secret_hash
        checks[(client_id, secret)] = bool(
            usable and await verify_password_async(secret, row.secret_hash)  # type: ignore[union-attr]
        )
    own = rows.get(claimed.client_id or "")
    known = own is not None and not own.disabled
    public = known and own is not None and own.token_endpoint_auth_method == "none"
    return ClientCheck(claimed, known, public, checks)


# --- what authlib's hooks work with ----------------------------------------------------------


@dataclass
class HubClient(ClientMixin):
    id: int
    client_id: str
    secret_hash: str | None
    scopes: frozenset[str]
    redirect_uris: tuple[str, ...]
    grant_types: frozenset[str]
    auth_method: str
    secret_checks: SecretChecks = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return " ".join(sorted(self.scopes))
        allowed = (
            self.scopes | {OPENID_SCOPE}
            if "authorization_code" in self.grant_types
            else self.scopes
        )
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        checked = self.secret_checks.get((self.client_id, client_secret))
        if checked is not None:
            return checked  # checked by `check_client`, off the event loop
        return verify_password(client_secret, self.secret_hash)  # not reached from the routes

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "introspection":
            return method != "none" and self.auth_method != "none"
        if self.auth_method == "none":
            return method == "none"
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass
class HubUser:
    id: int
    username: str
    display_name: str = ""


@dataclass
class StoredCode:
    row: AuthorizationCode

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method


@dataclass
class StoredRefreshToken:
    row: RefreshToken
    client: HubClient

    def check_client(self, client: HubClient) -> bool:
        return self.row.api_client_id == client.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((aware(self.row.expires_at) - aware(self.row.issued_at)).total_seconds())  # type: ignore[operator]

    def is_expired(self) -> bool:
        return aware(self.row.expires_at) <= utcnow()  # type: ignore[operator]

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or self.row.rotated_at is not None


@dataclass
class AccessTokenClaims:
    claims: dict[str, Any]
    revoked: bool

    def check_client(self, client: HubClient) -> bool:
        return self.claims.get("client_id") == client.client_id

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def is_expired(self) -> bool:
        return float(self.claims["exp"]) <= time.time()

    def is_revoked(self) -> bool:
        return self.revoked


# --- the server ----------------------------------------------------------------------------


@dataclass
class CallContext:
    session: Session
    settings: Settings
    signer: LoadedKey
    keys: list[LoadedKey]
    secret_checks: SecretChecks = field(default_factory=dict)


class HubAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, ctx: CallContext) -> None:
        super().__init__(scopes_supported=list(SCOPES_SUPPORTED))
        self.ctx = ctx
        self._current_family: str | None = None  # set by the grant being processed
        self.register_token_generator("default", self._generate_token)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(HubRevocationEndpoint)
        self.register_endpoint(HubIntrospectionEndpoint)

    # framework integration
    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        assert isinstance(request, OAuth2Request)
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        headers = dict(headers or [])
        if isinstance(body, dict):
            headers.pop("Content-Type", None)
            return JSONResponse(body, status_code=status, headers=headers)
        return Response(body or b"", status_code=status, headers=headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    # storage
    def query_client(self, client_id: str) -> HubClient | None:
        row = self.ctx.session.execute(
            select(ApiClient, ClientRegistration)
            .outerjoin(ClientRegistration, ClientRegistration.api_client_id == ApiClient.id)
            .where(ApiClient.client_id == client_id)
        ).one_or_none()
        if row is None or row[0].disabled:
            return None
        client, registration = row
        return HubClient(
            id=client.id,
            client_id=client.client_id,
            secret_hash=client.secret_hash,
            scopes=frozenset(client.scopes.split()) & frozenset(ALL_SCOPES),
            redirect_uris=tuple(registration.redirect_uris.split()) if registration else (),
            grant_types=frozenset(
                registration.grant_types.split() if registration else ["client_credentials"]
            ),
            auth_method=registration.token_endpoint_auth_method
            if registration
            else "client_secret_basic",
            secret_checks=self.ctx.secret_checks,
        )

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        refresh = token.get("refresh_token")
        if not refresh or request.user is None:
            return
        now = utcnow()
        previous = request.refresh_token
        if isinstance(previous, StoredRefreshToken):
            family, auth_time = previous.row.family_id, aware(previous.row.auth_time)
        else:
            code = request.authorization_code
            family = self._family()
            auth_time = aware(code.row.auth_time) if isinstance(code, StoredCode) else now
        self.ctx.session.add(
            RefreshToken(
                token_hash=digest(refresh),
                family_id=family,
                api_client_id=request.client.id,
                user_id=request.user.id,
                scope=token.get("scope", ""),
                auth_time=auth_time,
                issued_at=now,
                expires_at=now + dt.timedelta(seconds=self.ctx.settings.refresh_token_ttl),
            )
        )
        self.ctx.session.flush()

    # tokens
    def _generate_token(
        self,
        grant_type: str,
        client: HubClient,
        user: HubUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        settings = self.ctx.settings
        scope = client.get_allowed_scope(scope)
        if user is None:
            extra: dict[str, Any] = {"kind": "client", "cid": client.id}
            subject = client.client_id
        else:
            extra = {
                "kind": "user",
                "roles": self.user_roles(user.id),
                "username": user.username,
                "uid": user.id,
                "cid": client.id,
                "sid": self._family(),  # the sign-in: revoking it refuses this token too
            }
            subject = user.username
            auth_time = self._auth_time()
            if auth_time is not None:
                extra["auth_time"] = int(auth_time.timestamp())
        lifetime = settings.access_token_ttl
        access, _ = tokens.encode_access_token(
            self.ctx.signer.private,
            self.ctx.signer.alg,
            issuer=settings.issuer,
            audience=settings.audience,
            subject=subject,
            client_id=client.client_id,
            scope=scope,
            lifetime=lifetime,
            extra=extra,
        )
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": access,
            "expires_in": lifetime,
            "scope": scope,
        }
        if include_refresh_token and user is not None:
            token["refresh_token"] = secrets.token_urlsafe(48)
        if user is not None and OPENID_SCOPE in scope.split():
            token["id_token"] = self._id_token(client, user, extra.get("auth_time"))
        return token

    def _id_token(self, client: HubClient, user: HubUser, auth_time: int | None) -> str:
        """An OpenID Connect ID token for the client (audience: the client itself)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.ctx.settings.issuer,
            "sub": user.username,
            "aud": client.client_id,
            "iat": now,
            "exp": now + self.ctx.settings.access_token_ttl,
            "preferred_username": user.username,
            "name": user.display_name,
        }
        if auth_time is not None:
            claims["auth_time"] = auth_time
        nonce = getattr(self, "_current_nonce", None)
        if nonce:
            claims["nonce"] = nonce
        key = self.ctx.signer
        header = {"alg": key.alg, "kid": key.kid, "typ": "JWT"}
        return str(jwt.encode(header, claims, key.private, algorithms=[key.alg]))

    def _auth_time(self) -> dt.datetime | None:
        return getattr(self, "_current_auth_time", None)

    def _family(self) -> str:
        """The refresh-token family (sign-in) of this exchange: the code's or the refresh
        token's; made here for a code issued before codes named theirs."""
        if self._current_family is None:
            self._current_family = secrets.token_hex(16)
        return self._current_family

    def user_roles(self, user_id: int) -> list[dict[str, Any]]:
        rows = self.ctx.session.execute(
            grants_with_places().where(RoleAssignment.user_id == user_id)
        ).all()
        roles = []
        for r in rows:
            entry: dict[str, Any] = {"role": r.role.name}
            for name in ("lao", "district", "province"):
                if getattr(r, f"{name}_id") is not None:
                    entry[f"{name}_id"] = getattr(r, f"{name}_id")
                    entry[name] = getattr(r, f"{name}_code")
            roles.append(entry)
        return roles

    def load_user(self, user_id: int) -> HubUser | None:
        user = self.ctx.session.get(User, user_id)
        if user is None or user.disabled:
            return None
        return HubUser(user.id, user.username, user.display_name)

    def find_token(
        self, token: str, hint: str | None
    ) -> StoredRefreshToken | AccessTokenClaims | None:
        """An access token (one of ours, signature checked) or a refresh token."""
        if token.count(".") == 2 and hint != "refresh_token":
            return self._find_access_token(token)
        row = self.ctx.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == digest(token))
        ).scalar_one_or_none()
        if row is None:
            return None
        client = self.ctx.session.get(ApiClient, row.api_client_id)
        assert client is not None
        hub_client = self.query_client(client.client_id)
        return StoredRefreshToken(row, hub_client) if hub_client else None

    def _find_access_token(self, token: str) -> AccessTokenClaims | None:
        settings = self.ctx.settings
        try:
            header, _ = tokens.peek(token)
            kid = tokens.check_header(header, [k.alg for k in self.ctx.keys])
            key = next((k for k in self.ctx.keys if k.kid == kid), None)
            if key is None:
                return None
            claims = tokens.verify(
                token,
                key.private,
                algorithms=[key.alg],
                issuer=settings.issuer,
                audience=settings.audience,
                leeway=0,
                typ=tokens.ACCESS_TOKEN_TYPE,
            )
        except tokens.TokenRejected:
            return None
        revoked = bool(self.ctx.session.execute(revocation.revoked(claims)).scalar())
        return AccessTokenClaims(claims, revoked)

    def revoke_family(self, family_id: str) -> None:
        revocation_epoch.bump()
        self.ctx.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )

    def revoke_access_token(self, claims: dict[str, Any]) -> None:
        revocation_epoch.bump()
        if self.ctx.session.get(RevokedAccessToken, claims["jti"]) is None:
            self.ctx.session.add(
                RevokedAccessToken(
                    jti=claims["jti"],
                    expires_at=dt.datetime.fromtimestamp(float(claims["exp"]), dt.UTC),
                )
            )
            self.ctx.session.flush()


# --- grants --------------------------------------------------------------------------------


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")

    def validate_token_request(self) -> None:
        super().validate_token_request()
        requested = set((self.request.payload.scope or "").split())
        if not requested <= self.request.client.scopes:  # never more than it was granted
            raise InvalidScopeError(
                f"the client may not request {' '.join(sorted(requested - self.request.client.scopes))}"
            )


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE is required for every authorization request, with S256 only."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE (S256) is required")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    @property
    def hub(self) -> HubAuthorizationServer:
        return self.server  # type: ignore[no-any-return]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        now = utcnow()
        data = request.payload.data
        self.hub.ctx.session.add(
            AuthorizationCode(
                code_hash=digest(code),
                api_client_id=request.client.id,
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri
                or request.client.get_default_redirect_uri(),
                scope=request.scope or "",
                code_challenge=data["code_challenge"],
                code_challenge_method=data.get("code_challenge_method", "S256"),
                nonce=data.get("nonce") or None,
                auth_time=now,
                expires_at=now + dt.timedelta(seconds=CODE_LIFETIME),
                family_id=secrets.token_hex(16),
            )
        )
        self.hub.ctx.session.flush()

    def query_authorization_code(self, code: str, client: HubClient) -> StoredCode | None:
        """The code, claimed atomically: a second exchange of it finds nothing, and revokes
        what the first one was given (RFC 6749 §4.1.2: someone else holds a copy)."""
        session = self.hub.ctx.session
        now = utcnow()
        claimed = session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.code_hash == digest(code),
                AuthorizationCode.api_client_id == client.id,
                AuthorizationCode.used_at.is_(None),
                AuthorizationCode.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            family = session.execute(
                select(AuthorizationCode.family_id).where(
                    AuthorizationCode.code_hash == digest(code),
                    AuthorizationCode.api_client_id == client.id,
                    AuthorizationCode.used_at.is_not(None),
                )
            ).scalar_one_or_none()
            if family is not None:
                self.hub.revoke_family(family)
            return None
        row = session.execute(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == digest(code))
        ).scalar_one()
        self.hub._current_auth_time = aware(row.auth_time)
        self.hub._current_nonce = row.nonce
        self.hub._current_family = row.family_id
        return StoredCode(row)

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        pass  # already marked used when it was claimed

    def authenticate_user(self, authorization_code: StoredCode) -> HubUser | None:
        return self.hub.load_user(authorization_code.row.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every refresh returns a new refresh token

    @property
    def hub(self) -> HubAuthorizationServer:
        return self.server  # type: ignore[no-any-return]

    def authenticate_refresh_token(self, refresh_token: str) -> StoredRefreshToken | None:
        session = self.hub.ctx.session
        client: HubClient = self.request.client
        row = session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token))
        ).scalar_one_or_none()
        if row is None or row.api_client_id != client.id:
            return None
        if row.revoked_at is not None or aware(row.expires_at) <= utcnow():  # type: ignore[operator]
            return None
        requested = set((self.request.payload.scope or "").split())
        if not requested <= set(row.scope.split()):
            raise InvalidScopeError()
        now = utcnow()
        claimed = session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == row.id,
                RefreshToken.rotated_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(rotated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            # A rotated refresh token came back: someone holds a copy. End the whole family.
            self.hub.revoke_family(row.family_id)
            raise InvalidGrantError("refresh token reused; its sign-in has been revoked")
        session.refresh(row)
        self.hub._current_auth_time = aware(row.auth_time)
        self.hub._current_family = row.family_id
        return StoredRefreshToken(row, client)

    def authenticate_user(self, refresh_token: StoredRefreshToken) -> HubUser | None:
        return self.hub.load_user(refresh_token.row.user_id)

    def revoke_old_credential(self, refresh_token: StoredRefreshToken) -> None:
        pass  # marked rotated when it was claimed


# --- revocation and introspection ----------------------------------------------------------


class HubRevocationEndpoint(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return self.server.find_token(token_string, token_type_hint)

    def revoke_token(self, token: Any, request: OAuth2Request) -> None:
        if isinstance(token, StoredRefreshToken):
            self.server.revoke_family(token.row.family_id)
        else:
            self.server.revoke_access_token(token.claims)


class HubIntrospectionEndpoint(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return self.server.find_token(token_string, token_type_hint)

    def check_permission(self, token: Any, client: HubClient, request: OAuth2Request) -> bool:
        return bool(token.check_client(client))  # a client introspects its own tokens

    def introspect_token(self, token: Any) -> dict[str, Any]:
        if isinstance(token, AccessTokenClaims):
            keep = (
                "scope",
                "client_id",
                "sub",
                "aud",
                "iss",
                "exp",
                "iat",
                "nbf",
                "jti",
                "kind",
                "roles",
                "username",
            )
            return {
                "token_type": "Bearer",
                **{k: token.claims[k] for k in keep if k in token.claims},
            }
        row = token.row
        return {
            "token_type": "refresh_token",
            "scope": row.scope,
            "client_id": token.client.client_id,
            "exp": int(aware(row.expires_at).timestamp()),  # type: ignore[union-attr]
            "iat": int(aware(row.issued_at).timestamp()),  # type: ignore[union-attr]
            "iss": self.server.ctx.settings.issuer,
        }


# --- running it ----------------------------------------------------------------------------


async def run(
    engine: AsyncEngine,
    keystore: KeyStore,
    settings: Settings,
    work: Callable[[HubAuthorizationServer], T],
    secret_checks: SecretChecks | None = None,
) -> T:
    """Run `work` with a fresh server inside one database transaction (committed afterwards,
    also when `work` answers with an OAuth error: a reuse detection's revocation must stay).
    `secret_checks` are the client secrets `check_client` checked for this request."""
    signer = await keystore.signer(engine)
    now = utcnow()
    keys = [k for k in await keystore.keys(engine) if k.live(now)]
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        return await session.run_sync(
            lambda sync: work(
                HubAuthorizationServer(
                    CallContext(sync, settings, signer, keys, dict(secret_checks or {}))
                )
            )
        )
