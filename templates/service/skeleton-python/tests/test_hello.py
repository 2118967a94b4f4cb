import pytest
from fastapi.testclient import TestClient


def test_hello_greets_by_name(client: TestClient) -> None:
    response = client.get("/api/v1/hello", params={"name": "Ada"})
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Ada!", "service": "test-service"}


def test_hello_defaults_to_world(client: TestClient) -> None:
    response = client.get("/api/v1/hello")
    assert response.status_code == 200
    assert response.json()["message"] == "Hello, world!"


@pytest.mark.parametrize("name", ["", "x" * 65, "<script>"])
def test_hello_rejects_bad_names(client: TestClient, name: str) -> None:
    response = client.get("/api/v1/hello", params={"name": name})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "name"]


def test_openapi_documents_the_endpoint(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "test-service"
    assert "/api/v1/hello" in schema["paths"]
