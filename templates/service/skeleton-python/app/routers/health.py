"""Kubernetes probes: liveness (the process serves requests) and readiness (it may get traffic)."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/healthz", tags=["operations"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/live")
def live() -> Health:
    return Health()


@router.get("/ready")
def ready() -> Health:
    # Check what the service needs before it can serve (a database, a queue) here, and answer 503
    # while it is not there: Kubernetes then sends no traffic to this pod.
    return Health()
