"""The change log's provenance entries of the loaders: what each import read and wrote.

The hub's services log their own imports (`hub.services.provenance`); the loaders of the
command line (`hub geography load`, `hub demo load`) log theirs through these helpers, in
the loading transaction, so a freshly loaded database's log says where its rows came from.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.services import audit, provenance
from loaders.geography import ImportReport


async def log_geography(
    conn: AsyncConnection, actor: audit.Actor, path: Path, report: ImportReport
) -> None:
    """A registry load: the file's name and SHA-256, and the rows it added and updated."""
    rows = {f"{level}_inserted": count for level, count in report.inserted.items()}
    rows |= {f"{level}_updated": count for level, count in report.updated.items()}
    entry = provenance.import_entry(
        "geography_load",
        source=path.name,
        content_digest=provenance.digest(path.read_bytes()),
        rows=rows,
        reason=f"geography from {path.name}: {report}",
    )
    await provenance.log_import(conn, actor, entry)
