"""The `hub` command line: argparse fronts over the services (`main`: serve, db, geography,
demo, audit, schema; `accounts`: users, clients, keys). The console entry point is
`hub.cli.main:main`. Commands decide nothing the services do not: they parse, call, print.
"""
