"""Who acted, as SQL: the name the API shows for the person or system behind a row.

Each function takes the table (or an alias of it) and returns a column expression, so the
resolvers' statements and the planned read path select the same value, computed by the
database (`schema.shapes` declares the fields that read them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from hub.db.models import User


def _display_name(user_id: Any) -> Any:
    """The display name of the user `user_id` names (null without one)."""
    return select(User.display_name).where(User.id == user_id).scalar_subquery()


def change_log_actor(table: Any) -> Any:
    """Who made a change-log entry: the person's display name, else an external caller's
    "subject (issuer)"; null for the system."""
    external = table.c.actor_subject + " (" + func.coalesce(table.c.actor_issuer, "") + ")"
    return func.coalesce(
        func.nullif(_display_name(table.c.actor_user_id), ""),
        case((func.coalesce(table.c.actor_subject, "") != "", external)),
    )


def help_message_author(table: Any) -> Any:
    """Who wrote a help request's message: the person's display name, else the external
    caller's subject."""
    return func.coalesce(
        func.nullif(_display_name(table.c.author_user_id), ""), table.c.author_subject
    )
