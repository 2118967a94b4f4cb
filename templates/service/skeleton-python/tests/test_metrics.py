from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families


def sample(client: TestClient, name: str, labels: dict[str, str]) -> float:
    """The value of one sample of GET /metrics, 0 when it is not there yet."""
    response = client.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.text):
        for metric_sample in family.samples:
            if metric_sample.name == name and metric_sample.labels == labels:
                return metric_sample.value
    return 0.0


def test_metrics_are_prometheus_text(client: TestClient) -> None:
    client.get("/healthz/live")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "http_requests_total" in response.text
    assert "http_request_duration_seconds_bucket" in response.text
    assert "python_info" in response.text


def test_request_counter_increases(client: TestClient) -> None:
    labels = {"method": "GET", "path": "/api/v1/hello", "status": "200"}
    before = sample(client, "http_requests_total", labels)
    client.get("/api/v1/hello")
    client.get("/api/v1/hello", params={"name": "Ada"})
    assert sample(client, "http_requests_total", labels) == before + 2


def test_request_duration_is_observed(client: TestClient) -> None:
    labels = {"method": "GET", "path": "/healthz/live"}
    before = sample(client, "http_request_duration_seconds_count", labels)
    client.get("/healthz/live")
    assert sample(client, "http_request_duration_seconds_count", labels) == before + 1


def test_unknown_paths_share_one_label(client: TestClient) -> None:
    client.get("/no/such/path/1")
    client.get("/no/such/path/2")
    labels = {"method": "GET", "path": "unmatched", "status": "404"}
    assert sample(client, "http_requests_total", labels) == 2
