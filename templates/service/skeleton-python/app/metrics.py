"""Prometheus metrics: one registry per application, exposed on GET /metrics."""

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)


class Metrics:
    """The service's metrics. A registry of its own (rather than the global one) lets tests create
    as many applications as they like."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)  # what the default registry has: process, python
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests served, by method, route template and status code.",
            ["method", "path", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time spent serving HTTP requests, by method and route template.",
            ["method", "path"],
            registry=self.registry,
        )

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        self.requests.labels(method=method, path=path, status=str(status)).inc()
        self.duration.labels(method=method, path=path).observe(seconds)


router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
