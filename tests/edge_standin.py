"""A loopback HTTP server standing in for Varnish and the CDNs' purge APIs: it records each call.

Never the internet: tests point ``EDITORIAL_PURGE_VARNISH_URLS``, ``EDITORIAL_FASTLY_API_URL``,
``EDITORIAL_CLOUDFLARE_API_URL`` and ``EDITORIAL_CLOUDFRONT_ENDPOINT_URL`` at it. ``status`` sets
the answer (503 for an outage); ``stall_first`` holds the first call until ``release`` (a purge
in flight while its worker is killed). Run as a script (``python tests/edge_standin.py PORT
LOG``) it serves in its own process and appends each call to LOG as a JSON line.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLOUDFRONT_ANSWER = (
    '<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">'
    "<Id>I2J0I21PCUYOIK</Id><Status>InProgress</Status><CreateTime>2026-01-01T00:00:00Z</CreateTime>"
    "<InvalidationBatch><Paths><Quantity>0</Quantity></Paths><CallerReference>x</CallerReference>"
    "</InvalidationBatch></Invalidation>"
)


class StandIn:
    def __init__(self):
        self.calls = []
        self.status = 200
        self.stall_first = False
        self.stalled = threading.Event()  # the first call has arrived and is held
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                with standin.lock:
                    first = not standin.calls and not standin.stalled.is_set()
                    if first and standin.stall_first:
                        standin.stalled.set()
                if first and standin.stall_first:
                    standin.released.wait(60)
                    return  # the caller is gone by now (killed): no answer, nothing recorded
                call = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
                with standin.lock:
                    standin.calls.append(call)
                self._answer(standin.status)

            def _answer(self, status):
                if status >= 400:
                    payload, kind = b'{"success": false, "errors": [{"message": "down"}]}', "application/json"
                elif "/distribution/" in self.path:
                    status, payload, kind = 201, CLOUDFRONT_ANSWER.encode(), "text/xml"
                else:
                    payload, kind = b'{"success": true, "status": "ok"}', "application/json"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PURGE = _any  # noqa: N815 - http.server's naming

            def log_message(self, *args):
                pass

        return Handler

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
