"""The FastAPI application: `app.main:app` for uvicorn, `create_app()` for tests."""

import logging

from fastapi import FastAPI

from app.log import configure_logging
from app.metrics import Metrics
from app.metrics import router as metrics_router
from app.middleware import RequestMiddleware
from app.routers import health, hello
from app.settings import Settings

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.service_name, settings.log_level)

    app = FastAPI(title=settings.service_name, version="0.1.0")
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.add_middleware(RequestMiddleware, metrics=app.state.metrics)
    app.include_router(health.router)
    app.include_router(metrics_router)
    app.include_router(hello.router)

    logger.info("application created", extra={"environment": settings.environment})
    return app


app = create_app()
