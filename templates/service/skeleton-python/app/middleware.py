"""Per-request bookkeeping: request id, JSON access log and Prometheus metrics."""

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.log import request_id_var
from app.metrics import Metrics

logger = logging.getLogger("app.access")

REQUEST_ID_HEADER = "x-request-id"
# A caller's request id is reused only when it is short and harmless to log.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Probes and scrapes are logged at DEBUG so that they do not drown the service's own traffic.
_QUIET_PATHS = ("/healthz/", "/metrics")


class RequestMiddleware:
    """Pure ASGI middleware (it does not buffer or wrap streaming responses)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = dict(scope["headers"])
        incoming = headers.get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        status = 500
        start = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            duration = time.perf_counter() - start
            route = scope.get("route")
            # The route template (/items/{id}), not the raw path: bounded metric cardinality.
            path_template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(scope["method"], path_template, status, duration)
            path = scope["path"]
            level = logging.DEBUG if path.startswith(_QUIET_PATHS) else logging.INFO
            logger.log(
                level,
                "request",
                extra={
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                },
            )
            request_id_var.reset(token)
