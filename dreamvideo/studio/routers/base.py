"""What every router shares: the one-line error route, and the app's state as plain helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from ...errors import DreamError, SettingsError, first_line
from ...options import flags_in

log = logging.getLogger("uvicorn.error")


class OneLineRoute(APIRoute):
    """User errors become 400 with the CLI's line; bugs 500 with one line here and in the terminal."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request) -> Any:
            try:
                return await handler(request)
            except (HTTPException, RequestValidationError):
                raise
            except SettingsError as exc:
                return JSONResponse({"error": flags_in(first_line(exc, 300))}, 422)
            except DreamError as exc:
                return JSONResponse({"error": f"error: {flags_in(first_line(exc, 300))}"}, 400)
            except OSError as exc:
                return JSONResponse({"error": f"error: {exc.strerror or exc}"}, 400)
            except Exception as exc:  # noqa: BLE001 - a bug: one line, never a traceback on the page or terminal
                line = f"error: unexpected {type(exc).__name__}: {first_line(exc)}"
                log.error("studio: %s %s: %s", request.method, request.url.path, line)
                return JSONResponse({"error": line}, 500)
        return run


def folder(request: Request) -> Path:
    return request.app.state.folder
