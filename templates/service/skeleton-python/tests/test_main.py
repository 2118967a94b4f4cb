from typing import Any

import pytest

from app import __main__


def test_python_m_app_serves_with_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        __main__.uvicorn, "run", lambda app, **kwargs: calls.append(kwargs | {"app": app})
    )
    monkeypatch.setenv("APP_HOST", "0.0.0.0")
    monkeypatch.setenv("APP_PORT", "9000")
    __main__.main()
    assert calls == [
        {
            "app": "app.main:app",
            "host": "0.0.0.0",
            "port": 9000,
            "access_log": False,
            "log_config": None,
        }
    ]
