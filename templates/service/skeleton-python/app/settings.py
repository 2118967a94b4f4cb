"""Configuration from environment variables prefixed with `APP_` (for example `APP_LOG_LEVEL`)."""

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", case_sensitive=False, extra="ignore")

    service_name: str = "${{ values.name }}"
    """Reported in every log line and in the OpenAPI title."""

    environment: str = "local"
    """Where the service runs: `local`, `development`, `staging` or `production`."""

    log_level: LogLevel = "INFO"

    host: str = "127.0.0.1"
    """Interface `python -m app` listens on (the container's command listens on 0.0.0.0)."""

    port: int = 8080
    """Port `python -m app` listens on; the container listens on 8080."""
