"""The hub's writes, each one transaction: check the rules, write, log — or change nothing.

Every service function takes the writer engine and the caller's `Identity`, asks the rules
(`hub.rules`) before it writes, names its actor in the hash-chained change log (`audit`:
the caller and the role that allowed the action), and returns a plain result or raises a
`hub.rules.problems.Problem`, which rolls its transaction back. The services decide what
the rules leave to them (which inputs are required, which role acts); their callers (the
GraphQL mutations, the command line, tests) translate and decide nothing.

    audit            the change log: append, verify; the actor of a change
    lao_year         the LAO-year under lock: rules, version, completeness
    sections         saving a domain section
    records          adding, updating, retiring water-supply systems and tourist sites
    certification    certifying and cancelling, one LAO-year or a province's batch
    fiscal_years     opening and closing fiscal years
    missions         DLA's mission catalogue and the LAOs' transferred missions
    profile          the LAO profile and its recorder slots
    kpi16_import     DLA's KPI-16 reference list, per province
    rounds           rounds' dates, provinces' deadlines, missions checked; reminder lists
    accounts         people's accounts and API clients
    lpa              LPA assessors appointed and revoked; final scores recorded and revised
    persisted_operations  operations registered in the database; the APQ cache
    client_policy    each API client's allow-list mode and quotas

The services import `hub.rules` and `hub.db` only; nothing of the web, OAuth or GraphQL.
"""
