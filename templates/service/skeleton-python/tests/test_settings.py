import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.main import create_app
from app.settings import Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("APP_SERVICE_NAME", "APP_LOG_LEVEL", "APP_PORT", "APP_ENVIRONMENT"):
        monkeypatch.delenv(variable, raising=False)
    settings = Settings()
    assert settings.service_name == "${{ values.name }}"
    assert settings.log_level == "INFO"
    assert settings.port == 8080


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_SERVICE_NAME", "from-env")
    monkeypatch.setenv("APP_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("APP_PORT", "9090")
    monkeypatch.setenv("APP_ENVIRONMENT", "staging")
    settings = Settings()
    assert settings.service_name == "from-env"
    assert settings.log_level == "DEBUG"
    assert settings.port == 9090
    assert settings.environment == "staging"


def test_invalid_log_level_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_LOG_LEVEL", "LOUD")
    with pytest.raises(ValidationError):
        Settings()


def test_app_uses_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_SERVICE_NAME", "renamed")
    with TestClient(create_app()) as client:
        assert client.get("/api/v1/hello").json()["service"] == "renamed"
