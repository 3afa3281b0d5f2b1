"""The `hub` command as an operator uses it."""

import subprocess
import sys

from hub.cli.main import main


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_the_demo_dataset_is_refused_in_production(tmp_path):
    result = run(
        "demo",
        "load",
        "--provinces",
        "1",
        env={
            "HUB_ENV": "production",
            "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3",
        },
    )
    assert result.returncode == 2
    assert "never loaded in production" in result.stderr
    assert not (tmp_path / "p.sqlite3").exists()


def test_a_bad_setting_is_reported_without_a_traceback():
    result = run("db", "current", env={"HUB_PORT": "eighty"})
    assert result.returncode == 2
    assert result.stderr.strip() == "hub: HUB_PORT must be an integer, got 'eighty'"


def test_db_upgrade_then_current(tmp_path):
    env = {"HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3"}
    assert run("db", "current", env=env).returncode == 1  # empty database: not at head
    assert run("db", "upgrade", env=env).returncode == 0
    current = run("db", "current", env=env)
    assert current.returncode == 0 and "(head:" in current.stdout


def test_db_downgrade_and_revision(tmp_path):
    """`hub db downgrade` reverts one migration by default; `hub db revision` writes nothing
    when the models and the database agree, and refuses a database not at head."""
    from hub.db import migrate

    env = {"HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3"}
    versions = sorted((migrate.MIGRATIONS_DIR / "versions").glob("*.py"))
    from alembic.script import ScriptDirectory

    head = migrate.head_revision()
    # The revision before head (not head - 1: numbers are reserved per branch and re-chained).
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    previous = script.get_revision(head).down_revision
    assert run("db", "upgrade", env=env).returncode == 0
    unchanged = run("db", "revision", "-m", "nothing", env=env)
    assert unchanged.returncode == 1 and "agree" in unchanged.stdout, unchanged.stderr
    down = run("db", "downgrade", env=env)
    assert down.returncode == 0 and f"revision {previous} " in down.stdout, down.stderr
    behind = run("db", "revision", "-m", "behind", env=env)
    assert behind.returncode == 2 and "hub db upgrade" in behind.stderr
    assert run("db", "downgrade", "base", env=env).returncode == 0
    nothing_left = run("db", "downgrade", env=env)
    assert nothing_left.returncode == 2 and "cannot downgrade" in nothing_left.stderr
    assert run("db", "upgrade", env=env).returncode == 0
    assert run("db", "current", env=env).returncode == 0
    assert sorted((migrate.MIGRATIONS_DIR / "versions").glob("*.py")) == versions


def test_geography_load_reports_a_bad_registry_by_line(tmp_path):
    bad = tmp_path / "registry.csv"
    bad.write_text("province_code,province_name_th\n10,กรุงเทพมหานคร\n", encoding="utf-8")
    env = {"HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3"}
    result = run("geography", "load", str(bad), env=env)
    assert result.returncode == 2
    assert "missing column(s)" in result.stderr


def test_schema_export_check_passes_on_a_current_schema(capsys):
    assert main(["schema", "export", "--check"]) == 0
    assert "is current" in capsys.readouterr().out


def test_demo_load_reports_each_stage_with_counts_on_stderr(tmp_path):
    import re

    env = {"HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3"}
    result = run("demo", "load", "--provinces", "2", env=env)
    assert result.returncode == 0, result.stderr
    # stdout keeps the summary: total, then a count per table, then the accounts.
    assert result.stdout.startswith("loaded the demo dataset: ")
    summary = dict(re.findall(r"^  (\w+) +([\d,]+)$", result.stdout, re.MULTILINE))
    # stderr says what it is doing while it does it, one line per stage.
    progress = [line for line in result.stderr.splitlines() if line.startswith("demo: ")]
    assert progress[0].startswith("demo: geography: provinces: 77 new")
    stages = {
        m.group(1): m.group(2)
        for m in (re.match(r"demo: (\w+): ([\d,]+) rows", line) for line in progress)
        if m
    }
    for table in ("villages", "laos", "lao_years", "water_supply_systems", "lao_missions"):
        assert stages[table] == summary[table], table
    assert list(stages) == list(dict.fromkeys(stages))  # each table once, in load order
    assert any(line.startswith("demo: analysing") for line in progress)
    assert progress[-1].startswith("demo: committed")
    assert "loaded the demo dataset" not in result.stderr
