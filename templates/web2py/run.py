"""The development server: `make dev`, web2py's own Rocket server on HOST:PORT.

web2py reads models, controllers and views anew on every request, so edits to them show at the
next request. What a process reads once (the application's modules/, routes.py, wsgi.py and
.env) is watched here: when one changes, the server restarts.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SERVING = "DEV_SERVER_CHILD"


def watched() -> dict[Path, float]:
    """The files whose change restarts the server, with their modification times."""
    paths = [ROOT / name for name in ("routes.py", "wsgi.py", ".env")]
    paths += ROOT.glob("applications/*/modules/**/*.py")
    return {path: path.stat().st_mtime for path in paths if path.is_file()}


def serve(host: str, port: int) -> None:
    """Run Rocket on host:port until it is told to stop (Ctrl-C or SIGTERM)."""
    from gluon.rocket import Rocket

    from wsgi import application

    def app(environ: dict, start_response):  # Rocket names itself and its version otherwise
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("Server", "development")], exc_info)

        return application(environ, start)

    logging.getLogger("Rocket.Requests").setLevel(logging.INFO)  # one line per request
    print(f"Development server on http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    Rocket((host, port), "wsgi", {"wsgi_app": app}).start()


def main() -> None:
    """Serve from a child process, and start a new one when a watched file changes."""
    host = os.environ.get("HOST", "127.0.0.1")
    if not os.environ.get("PORT", "8000").isdigit():
        raise SystemExit(f"error: PORT must be a port number, not {os.environ['PORT']!r}")
    port = int(os.environ.get("PORT", "8000"))
    if os.environ.get(SERVING):
        serve(host, port)
        return
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        seen = watched()
        environ = {**os.environ, SERVING: "1"}
        child = subprocess.Popen([sys.executable, __file__], env=environ)  # noqa: S603 - this file
        while not stopping and child.poll() is None and watched() == seen:
            time.sleep(0.5)
        if child.poll() is None:
            if not stopping:
                print("A watched file changed: restarting the development server", flush=True)
            child.terminate()
            child.wait()
        elif not stopping:
            # The server stopped by itself (an error at start-up, say): wait for a fix.
            print("The server stopped; it starts again when a watched file changes", flush=True)
            while not stopping and watched() == seen:
                time.sleep(0.5)


if __name__ == "__main__":
    main()
