"""The studio's FastAPI app: one router per concern, one security dependency for all of them.

``create_app`` takes everything from its arguments (folder, token, host, port,
upload cap), so tests build an app without a server and the server builds the
same one. Errors reach the page as ``{"error": one line}`` and the terminal as
one line: never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from .forms import problem
from .jobs import JobQueue
from .live_hub import LiveHub
from .routers import atlas, audio, events, files, grid, jobs, live, meta, presets, preview, renders, trash, uploads
from .security import SIGN_IN_PAGE, Gate, guard, wants_page
from .words import in_words

DEFAULT_MAX_UPLOAD = 2 * 10**9


def create_app(folder: Path, token: str, host: str = "127.0.0.1", port: int = 0,
               max_upload: int = DEFAULT_MAX_UPLOAD, hosts: Iterable[str] = ()) -> FastAPI:
    """The studio for ``folder``; requests need ``token`` and must address ``host``:``port``.

    ``hosts`` are further names it may be addressed by (the machine's own, when bound non-locally).
    """
    folder = Path(folder).resolve()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.stopped_job = app.state.jobs.stop()  # a running render stops as Ctrl-C stops it: frames kept
        app.state.live.stop()  # a live session too: its recording is finished

    app = FastAPI(title="dreamvideo studio", dependencies=[Depends(guard)], lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.folder, app.state.max_upload = folder, max_upload
    app.state.gate = Gate(token, host, port, set(hosts))
    app.state.jobs, app.state.stopped_job = JobQueue(folder), None
    app.state.previews = 0  # previews running or waiting (routers/preview.py)
    app.state.live = LiveHub()  # the one live session (`dreamvideo live --serve` puts its own here)
    for module in (meta, presets, uploads, preview, atlas, grid, jobs, events, trash, renders, audio, files, live):
        app.include_router(module.router)
    _errors(app)
    return app


def _errors(app: FastAPI) -> None:
    """Every error as ``{"error": line}`` (plus ``errors`` per field for a form).

    Bugs and user errors inside endpoints are turned into one line by the routers' route class
    (:class:`.routers.base.OneLineRoute`), before Starlette would log a traceback.
    """
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401 and wants_page(request):  # a browser: a page that says what to do
            return HTMLResponse(SIGN_IN_PAGE, 401, headers={"Cache-Control": "no-store"})
        detail: Any = exc.detail
        body = detail if isinstance(detail, dict) else {"error": in_words(str(detail))}
        return JSONResponse(body, exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [problem("", "the request body is not valid JSON") if e.get("type") == "json_invalid" else
                  problem(_field(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
        return JSONResponse({"errors": errors, "error": errors[0]["line"] if errors else "bad request"}, 422)


def _field(loc: tuple) -> str:
    """``("body", "settings", "octaves")`` -> ``octaves``; ``("body", "kind")`` -> ``kind``."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return parts[1] if len(parts) > 1 and parts[0] == "settings" else (parts[0] if parts else "")
