"""An example endpoint of the versioned API: replace it with the service's own."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

router = APIRouter(prefix="/api/v1", tags=["api"])


class Greeting(BaseModel):
    message: str
    service: str


@router.get("/hello")
def hello(
    request: Request,
    name: Annotated[
        str, Query(min_length=1, max_length=64, pattern=r"^[\w .'-]+$", description="Who to greet")
    ] = "world",
) -> Greeting:
    return Greeting(message=f"Hello, {name}!", service=request.app.state.settings.service_name)
