import pytest

from hub.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


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
    ],
)
def test_bad_values_are_refused_naming_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
