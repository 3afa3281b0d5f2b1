"""INFO Hub, in layers; imports run one way, down this list (tests/test_layout.py):

    hub.cli        the `hub` command
    hub.web        the ASGI app and its middleware          (serves `schema`, the GraphQL API)
    hub.oauth      the OAuth 2 server and resource server
    hub.services   transactions: check the rules, write, log
    hub.db         models, migrations, engines, SQL helpers
    hub.rules      pure domain rules and tables; `hub.settings`: the configuration
"""
