"""The web layer: the ASGI app and everything between a socket and the GraphQL schema.

The app (`app`), the HTTP edge's limits (`edge`), request deadlines and failures outside
GraphQL (`request_guard`), the GraphQL-over-HTTP media type (`graphql_http`), the access
log, metrics and logging (`observability`, `metrics`, `logs`, `telemetry`) and uvicorn's
connection limits (`serve`), CSV downloads (`exports`). It may import every layer below it (`hub.rules`, `hub.db`,
`hub.services`, `hub.oauth`) and the schema; nothing below imports it.
"""
