"""Preview the built site on localhost (nothing is served to other machines)."""
import functools
import http.server
from pathlib import Path


def serve(site: Path, port: int = 8000, host: str = "127.0.0.1") -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(f"Serving {site} at http://{host}:{server.server_address[1]}/ (Ctrl+C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
