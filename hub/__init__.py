"""INFO Hub, in layers; each imports only the layers below it in this list:

    hub.cli        the `hub` command
    hub.web        the ASGI app and its middleware
    schema         the GraphQL schema (a package of its own, beside `hub`)
    hub.oauth      the OAuth 2 server and resource server   (`loaders`: bulk loading, beside it)
    hub.services   transactions: check the rules, write, log
    hub.db         models, migrations, engines, SQL helpers
    hub.rules      pure domain rules and tables             (`hub.settings`: the configuration)

tests/test_layout.py checks every import against this order, and README's Layout shows it.
"""
