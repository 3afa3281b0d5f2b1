"""The OAuth 2 authorization server and resource server: sign-in, tokens, signing keys.

`server` and `routes` issue tokens (authorization code with PKCE, client credentials,
refresh), `resource` turns a request's bearer token into the caller's `Identity`, `keys`
keeps and rotates the signing key set (and administers it: `hub keys …`), `revocation` and
`ratelimit` refuse what must be refused, `production` checks the configuration at start.

A web-facing subsystem below the web layer: it may import `hub.rules`, `hub.db`,
`hub.services` and `hub.settings`; `hub.web` mounts its routes and uses its resource server,
and nothing here imports `hub.web`, `hub.cli` or the GraphQL schema (tests/test_layout.py).
"""
