import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from hub.cli.main import main
from hub.settings import (
    DEFAULT_DATABASE_URL,
    Settings,
    SettingsError,
    declarations,
    markdown_table,
    readme_with_table,
)


def test_defaults_serve_the_embedded_database_on_loopback():
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.is_sqlite
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.graphiql and not settings.production


def test_environment_variables_override_defaults():
    settings = Settings.from_env(
        {
            "HUB_DATABASE_URL": "postgresql+asyncpg://hub@db/hub",
            "HUB_ENV": "production",
            "HUB_PORT": "9000",
            "HUB_WORKERS": "4",
            "HUB_REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert not settings.is_sqlite
    assert settings.production
    assert settings.port == 9000 and settings.workers == 4
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert not settings.graphiql  # off by default in production


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HUB_PORT": "eighty"}, "HUB_PORT must be an integer"),
        ({"HUB_ENV": "staging"}, "HUB_ENV must be"),
        ({"HUB_AUTO_MIGRATE": "maybe"}, "HUB_AUTO_MIGRATE must be true or false"),
        ({"HUB_REDIS_URL": "127.0.0.1:6379"}, "HUB_REDIS_URL must be a redis://"),
        # authlib refuses OAuth over plain http off this machine: every token request was an
        # INTERNAL error; now the hub does not start, naming the variable.
        ({"HUB_ISSUER": "http://hub.example.go.th"}, "HUB_ISSUER must be an https://"),
        ({"HUB_ISSUER": "hub.example.go.th"}, "HUB_ISSUER must be an https://"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


# --- One declaration per setting: the README's table and the code derive from it ------------

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_configuration_table_is_the_declarations_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme) == readme, (
        "README.md's Configuration table differs from hub/settings.py: "
        "run `hub settings table --write`"
    )


def test_every_variable_the_readme_names_is_declared():
    declared = {declaration.variable for _, declaration in declarations()}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\bHUB_[A-Z0-9_]*[A-Z0-9]\b(?!_?\*)", readme))
    test_only = {"HUB_TEST_POSTGRES_URL", "HUB_TEST_REDIS_URL", "HUB_BENCH_POSTGRES_URL"}
    test_only |= {"HUB_FUZZ_SECONDS", "HUB_FUZZ_EXAMPLES", "HUB_FUZZ_SEED", "HUB_TEST_PORTS"}
    # What the README's runnable examples read (the hub's address, a token): not settings.
    test_only |= {"HUB_URL", "HUB_TOKEN"}
    assert named - test_only <= declared


def test_every_setting_is_used_by_the_hub():
    """A declared setting that no code reads would be documented but do nothing."""
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for package in ("hub", "schema", "loaders")
        for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "hub" / "settings.py"
    )
    used = set(re.findall(r"\.(\w+)\b", code))
    for name, member in vars(Settings).items():
        if isinstance(member, property) and name in used:  # e.g. `production` reads `environment`
            used |= set(re.findall(r"self\.(\w+)", inspect.getsource(member.fget)))
    unused = [f.name for f in dataclasses.fields(Settings) if f.name not in used]
    assert unused == []


def test_every_setting_has_a_variable_and_a_meaning():
    variables = [declaration.variable for _, declaration in declarations()]
    assert len(variables) == len(set(variables)) == len(dataclasses.fields(Settings))
    for _, declaration in declarations():
        assert declaration.variable.startswith(("HUB_", "PROMETHEUS_"))
        assert declaration.meaning and "|" not in declaration.meaning


def test_the_settings_command_prints_and_checks_the_table(capsys):
    assert main(["settings", "table"]) == 0
    assert capsys.readouterr().out == markdown_table()
    assert main(["settings", "table", "--check"]) == 0


def test_defaults_depend_on_the_environment_only_where_declared():
    development = Settings.from_env({"HUB_ENV": "development"})
    production = Settings.from_env({"HUB_ENV": "production"})
    assert development.cors_origins and production.cors_origins == ()
    assert development.graphiql and not production.graphiql
    differing = {
        f.name
        for f in dataclasses.fields(Settings)
        if getattr(development, f.name) != getattr(production, f.name)
    }
    assert differing == {"environment", "cors_origins", "graphiql"}
