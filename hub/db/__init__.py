"""The database: engines, models, migrations and the SQL halves of the rules.

Imports `hub.rules` only (and `hub.settings`' values through its callers): the typed
models (`models/`), the Alembic migrations (`migrations/`, applied by `migrate`), the async
engines and what a database failure means to a caller (`engine`), and the queries that
compute a rule in SQL over many rows at once: the caller's row filter (`visibility`),
completeness (`completeness`), roll-ups (`rollups`), LPA indicator 7 per LAO and area
(`lpa`), KPI-16 coverage (`kpi16`) and each LAO's standing in a round (`rounds`).
"""
