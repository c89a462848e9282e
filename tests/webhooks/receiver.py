"""A webhook receiver on 127.0.0.1 in a thread, for the tests and the benchmark.

It records what it is sent and answers as `mode` says: "ok" (204), "fail" (503),
"slow" (answers after `delay` seconds), "huge" (a 1 MB body), "redirect" (302),
"hold" (records the request, then waits until `release` is set before answering).
`stop()` closes the port (connections are refused) and `start()` opens it again.
"""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)


class Receiver:
    def __init__(self, mode: str = "ok", delay: float = 0.0):
        self.mode = mode
        self.delay = delay
        self.received: list[Received] = []
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.received.append(
                        Received({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                mode = receiver.mode
                if mode == "hold":
                    receiver.release.wait(60)
                if mode == "slow":
                    time.sleep(receiver.delay)
                if mode == "fail":
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif mode == "huge":
                    chunk = b"x" * 65536
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(chunk) * 16))
                    self.end_headers()
                    try:
                        for _ in range(16):
                            self.wfile.write(chunk)
                    except OSError:
                        pass  # the sender stopped reading: as it should
                else:
                    self.send_response(204)
                    self.end_headers()

        class Server(ThreadingHTTPServer):
            # socketserver's default backlog of 5 drops the connections of a
            # batch sent side by side (each then waits a second to retry).
            request_queue_size = 128

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> list[str]:
        with self.lock:
            return [item.headers["webhook-id"] for item in self.received]
