import json
import logging
import sys

import pytest
from fastapi.testclient import TestClient

from app.log import JsonFormatter, request_id_var
from app.main import create_app
from app.settings import Settings


def test_formatter_writes_one_json_object() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "hi %s", ("there",), None)
    record.status = 201
    token = request_id_var.set("abc")
    try:
        entry = json.loads(JsonFormatter("svc").format(record))
    finally:
        request_id_var.reset(token)
    assert entry["message"] == "hi there"
    assert entry["level"] == "warning"
    assert entry["service"] == "svc"
    assert entry["request_id"] == "abc"
    assert entry["status"] == 201


def test_requests_are_logged_with_request_id(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # The app is created inside the test so that its log handler writes to the captured stdout.
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/hello", headers={"X-Request-ID": "req-123"})
    assert response.headers["x-request-id"] == "req-123"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    access = [line for line in lines if line["logger"] == "app.access"]
    assert access[-1] | {"duration_ms": 0} == {
        "time": access[-1]["time"],
        "level": "info",
        "logger": "app.access",
        "message": "request",
        "service": "test-service",
        "request_id": "req-123",
        "method": "GET",
        "path": "/api/v1/hello",
        "status": 200,
        "duration_ms": 0,
    }


def test_a_request_id_is_generated_when_missing_or_unsafe(client: TestClient) -> None:
    generated = client.get("/healthz/live").headers["x-request-id"]
    assert len(generated) == 32
    replaced = client.get("/healthz/live", headers={"X-Request-ID": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"


def test_exceptions_are_logged_with_their_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", None, exc_info=sys.exc_info()
        )
    entry = json.loads(JsonFormatter("svc").format(record))
    assert entry["message"] == "failed"
    assert "ValueError: boom" in entry["exception"]
