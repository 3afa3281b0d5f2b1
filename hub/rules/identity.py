"""Who is calling: the public, a person holding roles, or a machine client holding scopes.

An `Identity` is produced per request by the app's identity resolver (the OAuth resource
server, `hub.oauth.resource`; tests install their own resolver). Nothing in the hub reads
request headers to decide who the caller is except that resolver.

The change log names who wrote: the hub's own people and clients by their row ids; a caller
vouched for by an external identity provider (no row here) by its subject and the provider's
issuer (`external_subject`, `issuer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hub.rules.enums import Role
from hub.rules.source_systems import SOURCE_SCOPES

Kind = Literal["public", "user", "client"]

DOMAIN_SCOPES = tuple(f"domain:{n}" for n in range(1, 9))
MISSIONS_SCOPE = "missions"
PERSONAL_SCOPE = "personal"
# `pulled:<system>`: a client of another DLA system delivers that system's values
# (`hub.rules.source_systems`); it reads nothing more by it.
ALL_SCOPES = (*DOMAIN_SCOPES, MISSIONS_SCOPE, PERSONAL_SCOPE, *SOURCE_SCOPES)
# An LAO's own staff: roles bound to one LAO.
LAO_STAFF_ROLES = (Role.LAO_RECORDER, Role.LAO_VERIFIER, Role.LAO_ADMIN)
Place = Literal["lao", "district", "province"]
# The place each role is bound to (None: bound to nothing, DLA's). Every grant of a bound role
# names its place: accounts, the hub's tokens and an external provider's claims alike.
ROLE_PLACES: dict[Role, Place | None] = {
    Role.LAO_RECORDER: "lao",
    Role.LAO_VERIFIER: "lao",
    Role.LAO_ADMIN: "lao",
    Role.DISTRICT_OFFICER: "district",
    Role.PROVINCE_OFFICER: "province",
    Role.LPA_ASSESSOR: "province",
    Role.DLA_ADMIN: None,
}


@dataclass(frozen=True)
class RoleGrant:
    """A role bound to the LAO, district or province it applies to (DLA: bound to nothing)."""

    role: Role
    lao_id: int | None = None
    district_id: int | None = None
    province_id: int | None = None


@dataclass(frozen=True)
class Identity:
    kind: Kind = "public"
    subject: str | None = None  # username or client id
    grants: tuple[RoleGrant, ...] = ()
    scopes: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None  # users.id of a person, for the change log
    client_pk: int | None = None  # api_clients.id of a machine client, for the change log
    issuer: str | None = None  # the external identity provider vouching for it; None: the hub
    # A person's sign-in (the token's `sid`): the one a password change keeps.
    session_id: str | None = None

    @property
    def external_subject(self) -> str | None:
        """The subject as the external provider names it (None for the hub's own callers)."""
        return self.subject if self.issuer is not None else None

    @property
    def is_client(self) -> bool:
        return self.kind == "client"

    @property
    def is_dla_admin(self) -> bool:
        return any(g.role is Role.DLA_ADMIN for g in self.grants)

    def roles(self) -> tuple[Role, ...]:
        return tuple(g.role for g in self.grants)

    def staff_lao_ids(self) -> frozenset[int]:
        """LAOs whose own staff (recorder, verifier, INFO administrator) the caller is."""
        return frozenset(
            g.lao_id for g in self.grants if g.role in LAO_STAFF_ROLES and g.lao_id is not None
        )

    def district_ids(self) -> frozenset[int]:
        return frozenset(
            g.district_id
            for g in self.grants
            if g.role is Role.DISTRICT_OFFICER and g.district_id is not None
        )

    def province_ids(self) -> frozenset[int]:
        """Provinces whose provincial office the caller is an officer of."""
        return frozenset(
            g.province_id
            for g in self.grants
            if g.role is Role.PROVINCE_OFFICER and g.province_id is not None
        )

    def assessed_province_ids(self) -> frozenset[int]:
        """Provinces the caller is an LPA assessor of (one appointment per province)."""
        return frozenset(
            g.province_id
            for g in self.grants
            if g.role is Role.LPA_ASSESSOR and g.province_id is not None
        )


PUBLIC = Identity()


def client(client_id: str, scopes: str | frozenset[str] | set[str]) -> Identity:
    parsed = frozenset(scopes.split()) if isinstance(scopes, str) else frozenset(scopes)
    return Identity(kind="client", subject=client_id, scopes=parsed)


def user(username: str, *grants: RoleGrant) -> Identity:
    return Identity(kind="user", subject=username, grants=tuple(grants))
