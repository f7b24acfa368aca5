"""What every router shares: the one-line error route, and the app's state as plain helpers."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...errors import first_line
from ...failures import explain
from ..words import in_words

log = logging.getLogger("uvicorn.error")
MAX_BODY = 1_000_000  # a form's JSON is a few KB; only uploads stream more (and they have their own cap)


async def capped_body(request: Request, cap: int = MAX_BODY) -> None:
    """Read a JSON request's body up front, refusing it past ``cap`` (413) as it arrives.

    FastAPI reads the whole body before any dependency runs, so without this a request with
    no token (or from another site's page) could make the server hold gigabytes in memory.
    The body is kept on the request (Starlette's own cache) for the endpoint to parse.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise HTTPException(413, f"request body larger than {cap // 1000} KB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise HTTPException(413, f"request body larger than {cap // 1000} KB")
        chunks.append(chunk)
    request._body = b"".join(chunks)  # Starlette's cache: request.body() and json() read it


class OneLineRoute(APIRoute):
    """Errors become the CLI's line (:func:`.failures.explain`) in the page's words (:mod:`..words`):
    user errors 400 or 422, bugs 500 with the line here and in the terminal."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        streams = self.path == "/api/uploads"  # an upload is streamed to disk by its endpoint

        async def run(request: Request) -> Any:
            try:
                if not streams and request.method in ("POST", "PUT", "PATCH", "DELETE"):
                    await capped_body(request)
                return await handler(request)
            except (StarletteHTTPException, RequestValidationError):  # Starlette's: FastAPI raises it for a bad body
                raise
            except Exception as exc:  # noqa: BLE001 - a bug too: one line, never a traceback on the page or terminal
                failure = explain(exc, in_words)
                line = local(request, first_line(failure.line, 300))
                if failure.bug:
                    log.error("studio: %s %s: %s", request.method, request.url.path, line)
                return JSONResponse({"error": line}, failure.status)
        return run


def local(request: Request, line: str) -> str:
    """An error line with the folder's own path left out: the page speaks in paths relative to it
    (and a page need not learn where on the machine the folder is)."""
    return line.replace(f"{folder(request)}{os.sep}", "").replace(str(folder(request)), "FOLDER")


def folder(request: Request) -> Path:
    return request.app.state.folder
