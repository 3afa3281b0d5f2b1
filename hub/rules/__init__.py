"""The hub's domain rules and tables: plain values and pure functions, no I/O.

What may be done and what a value must be, decided without a database, a request or a
framework: the catalogue of the 8 domains, the enums, who is calling (`identity`), the
permission decisions, the certification state table, completeness, the LPA rubric and its
assessor (`lpa`, `lpa_assessment`), KPI 16, fiscal-year rules, rounds and lateness,
input validation, Thai text, and the typed problems every layer raises.
Nothing here imports SQLAlchemy, Starlette, strawberry or GraphQL (tests/test_layout.py
imports every module in a fresh interpreter and checks), and nothing imports a layer above
(`hub.db`, `hub.services`, `hub.oauth`, `hub.web`, `hub.cli`, `schema`, `loaders`).
"""
