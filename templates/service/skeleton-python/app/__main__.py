"""Runs the service locally: `uv run python -m app` (settings from `APP_*` variables)."""

import uvicorn

from app.settings import Settings


def main() -> None:
    settings = Settings()
    uvicorn.run(
        "app.main:app",
        host=settings.host,
        port=settings.port,
        access_log=False,  # the request middleware logs every request as JSON
        log_config=None,  # keep the JSON logging that create_app() configures
    )


if __name__ == "__main__":
    main()
