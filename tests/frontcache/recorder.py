"""A front cache stand-in on 127.0.0.1, in a thread: records the PURGEs it is sent.

It answers 200 ("ok") or 503 ("fail"). Nothing leaves the loopback address.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PurgeRecorder:
    def __init__(self, mode: str = "ok"):
        self.mode = mode
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_PURGE(self):
                headers = {k.lower(): v for k, v in self.headers.items()}
                with recorder.lock:
                    recorder.requests.append((self.command, self.path, headers))
                status = 200 if recorder.mode == "ok" else 503
                body = b"Purged" if status == 200 else b"Unavailable"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def tags(self) -> list[set[str]]:
        """Return the tags of each PURGE received, in order."""
        with self.lock:
            return [set(h.get("xkey-purge", "").split()) for _, _, h in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
