"""``dreamvideo studio``: bind, print the one URL line, open the browser, serve until Ctrl-C.

The socket is bound here (not by uvicorn) so ``--port 0`` can print the port the
system picked, and so the app knows the exact ``host:port`` its Host check allows.
Ctrl-C makes uvicorn shut down, and the app's shutdown stops a running render with
SIGINT, as Ctrl-C stops a CLI render: its frames are kept for resume, and ends the live
session (``dreamvideo live --serve`` serves one through here too). The studio
then says so in one line and exits 0: Ctrl-C is how a server is meant to stop.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import webbrowser
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DreamError

if TYPE_CHECKING:
    from ..live import LiveOptions
    from ..live.stats import LiveStats
    from .live_hub import LiveHub

DEFAULT_PORT = 8188  # `dreamvideo studio`'s, and `live --serve`'s
INSTALL = 'the studio needs FastAPI and uvicorn: pip install "dreamvideo[studio]"'


def is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def own_names(host: str, extra: tuple[str, ...] = ()) -> set[str]:
    """Names a remote browser may use for this machine when the studio is bound non-locally.

    A browser sends the name it typed as Host: bound to ``0.0.0.0``, that is the machine's
    name or address, which the DNS-rebinding check would otherwise refuse. Accepted: the
    machine's host name, its FQDN, the addresses they resolve to, and each ``--allow-host``.
    Nothing is looked up for a local binding (only the loopback names are needed there).
    """
    names = {name.lower() for name in extra}
    if is_local(host):
        return names
    for name in {socket.gethostname(), socket.getfqdn()} - {""}:
        names.add(name.lower())
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except OSError:
            continue
        names |= {f"[{info[4][0]}]" if ":" in info[4][0] else info[4][0] for info in infos}
    return names


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; a taken port is a one-line error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise DreamError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; try another `port`") from None
    sock.listen(128)
    return sock


def warn_remote(host: str, hosts: set[str]) -> None:
    """The one warning line of a non-local studio, naming what it answers to."""
    print(f"warning: --host {host} lets other machines on the network reach the studio "
          "(anyone with the token can render and read files in the folder); it answers to "
          f"{', '.join(sorted(hosts)) or host} (add names with --allow-host)", file=sys.stderr, flush=True)


def stop_now(server: Any, live: LiveHub) -> None:
    """End the live session first (its streams end with it, so no viewer holds the shutdown up), then the server."""
    live.stop()
    server.should_exit = True


def serve(folder: Path, host: str, port: int, browser: bool, max_upload: str,
          allow_hosts: tuple[str, ...] = (), fresh_token: bool = False, live: LiveHub | None = None,
          duration: float | None = None) -> None:
    """Run the studio for ``folder`` until Ctrl-C (or ``duration`` seconds); its token is the folder's
    (``fresh_token``: a new one); ``live``: its live session's hub."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise DreamError(INSTALL) from None
    from .app import create_app
    from .paths import parse_bytes
    from .security import folder_token

    if not folder.is_dir():
        raise DreamError(f"studio folder not found: {folder}")
    try:
        cap = parse_bytes(max_upload)
    except ValueError as exc:
        raise DreamError(f"`max_upload`: {exc}") from None
    sock = bind(host, port)
    port = sock.getsockname()[1]
    token = folder_token(folder.resolve(), fresh_token)
    hosts = own_names(host, allow_hosts)
    app = create_app(folder, token, host, port, cap, hosts)
    app.state.live = live or app.state.live
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/?token={token}"
    if not is_local(host):
        warn_remote(host, hosts)
    print(f"studio: {url}", flush=True)
    if browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    run_server(app, sock, duration)


def run_server(app: Any, sock: socket.socket, duration: float | None) -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C (or ``duration`` seconds, live session first), then say
    which render it stopped, if any."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    timer = threading.Timer(duration or 0, stop_now, (server, app.state.live))
    if duration is not None:
        timer.start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down: for a server, a clean stop
        pass
    timer.cancel()
    job = app.state.stopped_job
    note = (f"; {job.output} stopped with {job.frames_done} finished frame(s) kept: resume it in the studio"
            if job is not None else "")
    print(f"studio stopped{note}", file=sys.stderr, flush=True)


def serve_live(folder: Path, port: int | None, run: tuple[Any, LiveOptions, Any, Any]) -> LiveStats | None:
    """``dreamvideo live SOURCE --serve``: the session started (its one line if it cannot), then served in the
    studio until Ctrl-C or its duration; the last session's figures. ``run``: settings, live options, run
    options and the reporter, as the runner read them."""
    if not folder.is_dir():
        raise DreamError(f"studio folder not found: {folder}")
    from .live_hub import LiveHub  # torch and the live stages load only for a live session

    settings, options, run_options, progress = run
    hub = LiveHub(settings, replace(options, duration=None), run_options, progress)
    hub.start(options.source)
    try:
        serve(folder, "127.0.0.1", DEFAULT_PORT if port is None else port, False, "2GB", live=hub,
              duration=options.duration)
    finally:
        hub.stop()
    return hub.last
