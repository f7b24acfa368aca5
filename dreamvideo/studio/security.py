"""The one gate every request passes (Jupyter's model): token, Host and Origin.

Applied once, app-wide, as a FastAPI dependency (:func:`guard`), so no endpoint
can forget it. A token proves the caller read the URL the terminal printed; the
Host check stops DNS rebinding (a hostile site whose name resolves to 127.0.0.1
would send its own Host); the Origin check stops another site's page from
posting forms or fetches here with the user's cookie. The first visit with
``?token=`` swaps the URL token for an HttpOnly, SameSite=Strict cookie and
redirects to the bare URL.

The token is kept in ``FOLDER/.studio/token`` (mode 0600; :func:`folder_token`), so a restart of
the studio on the same folder keeps the printed URL, and an open tab's cookie, working. A page
request without it gets a page saying what to do (:data:`SIGN_IN_PAGE`), an API request one line.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

COOKIE = "dreamvideo_studio"
HEADER = "x-studio-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]{24,100}")
SIGN_IN_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>dreamvideo studio: sign in</title>
<body style="font-family: sans-serif; max-width: 36em; margin: 4em auto; line-height: 1.5">
<h1>This page needs the studio's address with its key</h1>
<p>Open the address the terminal printed when the studio started (the line that begins with
<code>studio: http://</code>); it signs this browser in.</p>
<p>If that terminal is closed, start the studio again on the same folder with
<code>dreamvideo studio FOLDER</code>: it prints the same address again.</p></body></html>
"""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def folder_token(folder: Path, fresh: bool = False) -> str:
    """The folder's token from ``.studio/token``, made (mode 0600) when absent, unreadable or ``fresh``.

    Kept with the folder, so the printed URL and a tab's cookie survive a restart. The file is read
    without following a link (a planted one could point at any file) and must hold a token's text.
    """
    path = folder / ".studio" / "token"
    if not fresh:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd) as handle:
                kept = handle.read(200).strip() if stat.S_ISREG(os.fstat(handle.fileno()).st_mode) else ""
            if TOKEN_TEXT.fullmatch(kept):
                os.chmod(path, 0o600)
                return kept
        except (OSError, ValueError):
            pass
    return _write_token(path, new_token())


def _write_token(path: Path, token: str) -> str:
    """``token`` into ``path`` atomically, readable by the owner only from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".token.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    os.replace(tmp, path)
    return token


def wants_page(request: Request) -> bool:
    """A browser asking for a page (``GET /``, or a GET whose Accept puts HTML before JSON), not the API."""
    if request.method != "GET":
        return False
    accept = request.headers.get("accept", "").lower()
    html, api = accept.find("text/html"), accept.find("application/json")
    return request.url.path == "/" or (html >= 0 and (api < 0 or html < api))


@dataclass
class Gate:
    """What a request must match: the token, and the host names it may address us by."""

    token: str
    host: str
    port: int = 0
    hosts: set[str] = field(default_factory=set)

    @property
    def cookie(self) -> str:
        """The cookie's name, one per port: cookies ignore ports, so two studios on one machine
        would otherwise overwrite each other's token (and each page would lose its sign-in)."""
        return f"{COOKIE}_{self.port}" if self.port else COOKIE

    def allowed_hosts(self) -> set[str]:
        names = {self.host, "localhost", "127.0.0.1", "[::1]"} | self.hosts
        with_port = {f"{name}:{self.port}" for name in names} if self.port else set()
        return with_port | names

    def host_ok(self, host: str) -> bool:
        """Host names are case-insensitive (RFC 9110); the port must be ours when one is given."""
        return host.lower() in {name.lower() for name in self.allowed_hosts()}

    def origin_ok(self, origin: str | None, fetch_site: str | None = None) -> bool:
        """No Origin (curl, an API client with the token) is fine; otherwise it must name one of our hosts.

        ``Sec-Fetch-Site`` is the browser's own word on where a request comes from: anything but
        same-origin (or a typed URL) is refused too, even when an Origin is missing or spoofed by
        an old browser. ``same-site`` is refused as well: another port on localhost is another app.
        """
        if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
            return False
        if origin is None:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and self.host_ok(parts.netloc)

    def token_ok(self, request: Request) -> tuple[bool, bool]:
        """(valid, came in the query): a query token also sets the cookie."""
        for source, value in (("query", request.query_params.get("token")),
                              ("header", request.headers.get(HEADER)),
                              ("cookie", request.cookies.get(self.cookie))):
            if value and hmac.compare_digest(value.encode(), self.token.encode()):
                return True, source == "query"
        return False, False


async def guard(request: Request, response: Response) -> None:
    """Refuse a request unless its Host, Origin and token are right (the app-wide dependency).

    Async (it only compares strings): a sync dependency would take a worker thread for every request,
    so fifty open event streams would hold the whole thread pool while they connect.
    """
    gate: Gate = request.app.state.gate
    if not gate.host_ok(request.headers.get("host", "")):
        raise HTTPException(403, "unknown Host header; open the studio by the address it printed")
    headers = request.headers
    if request.method in UNSAFE and not gate.origin_ok(headers.get("origin"), headers.get("sec-fetch-site")):
        raise HTTPException(403, "request from another site refused")
    valid, from_query = gate.token_ok(request)
    if not valid:
        raise HTTPException(401, "missing or wrong token; open the URL the studio printed")
    if from_query:
        response.set_cookie(gate.cookie, gate.token, httponly=True, samesite="strict", path="/")
        if request.method == "GET" and request.url.path == "/":
            # The page itself: redirect to the bare URL, so the token leaves the address bar and history
            # (and an HTML response, which FastAPI returns as is, still gets the cookie).
            cookie = response.headers["set-cookie"]
            raise HTTPException(303, "signed in", headers={"Location": "/", "Set-Cookie": cookie})
