"""The quickstart's demo backend: a tiny pet store on loopback that echoes
what reached it. Runs under Debian's /usr/bin/python3 (standard library only).
Usage: demo_upstream.py PORT"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PETS = [{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99},
        {"id": 3, "type": "fish", "price": 0.99}]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        path = self.path.split("?")[0].rstrip("/")
        if self.command == "GET" and path == "/pets":
            out = PETS
        elif self.command == "GET" and path.startswith("/pets/") and path[6:].isdigit():
            out = next((p for p in PETS if p["id"] == int(path[6:])), {"error": "no such pet"})
        else:
            out = {"method": self.command, "path": self.path, "body": body.decode(errors="replace")}
        data = json.dumps({"pets": out, "servedBy": "demo-upstream",
                           "requestId": self.headers.get("x-amzn-requestid")}, indent=2).encode() + b"\n"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
