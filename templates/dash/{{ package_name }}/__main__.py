"""`python -m` followed by the package name: Dash's development server, as `make dev` runs it.

Debug mode: Dash's dev tools in the browser, and a reload whenever a file changes. It listens on
HOST and PORT (Dash reads them). Production runs gunicorn instead (`make serve`).
"""

from __future__ import annotations

import sys

from werkzeug.serving import WSGIRequestHandler

from .app import app


class RequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, without the Server header that names Werkzeug and Python."""

    def send_header(self, keyword: str, value: str) -> None:
        """Send every header but Server."""
        if keyword.lower() != "server":
            super().send_header(keyword, value)


def main() -> None:
    """Run the app in debug mode until stopped."""
    try:
        app.run(
            debug=True,
            # Dash's dev tools would otherwise ask plotly's server for the newest version.
            dev_tools_disable_version_check=True,
            request_handler=RequestHandler,
        )
    except (AssertionError, ValueError) as error:
        # How Dash refuses a PORT: "Expecting an integer from 1 to 65535, found port='eighty'".
        sys.exit(f"Cannot start: {error}")


if __name__ == "__main__":
    main()
