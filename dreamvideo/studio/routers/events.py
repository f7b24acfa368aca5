"""``GET /api/events``: server-sent events, named, so the page updates one card, not the whole list.

On connect (and so on every reconnect of an EventSource) ``event: jobs`` carries the full list;
then ``event: job`` carries one job's JSON whenever that job changes (state, progress), and
``event: renders`` (data ``{}``) says the gallery changed: a render finished, was deleted or restored.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from ..jobs import JobQueue
from .base import OneLineRoute
from .jobs import list_jobs

router = APIRouter(route_class=OneLineRoute)
TICK_S = 0.25
KEEP_ALIVE_S = 15.0


def message(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def news(jobs: JobQueue, since: int) -> list[str]:
    """The events for what changed after version ``since``: each changed job, then the gallery."""
    with jobs.lock:
        changed = [jobs.jobs[job_id].public() for job_id, stamp in jobs.stamps.items()
                   if stamp > since and job_id in jobs.jobs]
        gallery = jobs.gallery > since
    return [message("job", job) for job in changed] + ([message("renders", {})] if gallery else [])


@router.get("/api/events")
async def events(request: Request) -> StreamingResponse:
    """The full list once, then news as it happens (and a keep-alive comment every 15 s)."""
    jobs: JobQueue = request.app.state.jobs

    async def stream() -> AsyncIterator[str]:
        sent = jobs.version
        yield message("jobs", list_jobs(request))
        quiet = 0.0
        while not jobs.stopping and not await request.is_disconnected():
            if jobs.version != sent:
                now = jobs.version
                for event in news(jobs, sent):
                    yield event
                sent, quiet = now, 0.0
            elif quiet >= KEEP_ALIVE_S:
                yield ": keep-alive\n\n"
                quiet = 0.0
            await asyncio.sleep(TICK_S)
            quiet += TICK_S
    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
