"""The one gate every request passes (Jupyter's model): token, Host and Origin.

Applied once, app-wide, as a FastAPI dependency (:func:`guard`), so no endpoint
can forget it. A token proves the caller read the URL the terminal printed; the
Host check stops DNS rebinding (a hostile site whose name resolves to 127.0.0.1
would send its own Host); the Origin check stops another site's page from
posting forms or fetches here with the user's cookie. The first visit with
``?token=`` swaps the URL token for an HttpOnly, SameSite=Strict cookie and
redirects to the bare URL.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

COOKIE = "dreamvideo_studio"
HEADER = "x-studio-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def new_token() -> str:
    return secrets.token_urlsafe(24)


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
