#!/usr/bin/env python3
"""A stand-in for the hpcflow callback endpoint, for callback_cli_test.sh.

    callback_stub_server.py STATE_DIR [PORT]

Listens on 127.0.0.1:PORT (0: any), writes its URL to STATE_DIR/server.url,
appends each request as one JSON line {"path", "body"} to STATE_DIR/requests.log
and answers by the token in the body, as the real server would:
  ok      -> 200
  late    -> 409 hpcflow.TaskAlreadyEnded
  forged  -> 400 hpcflow.InvalidToken
  flaky-* -> 503 on the first two requests with that token, then 200
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE_DIR = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
seen = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, error=None, message=None):
        body = json.dumps({"error": error, "message": message} if error else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(STATE_DIR + "/requests.log", "a") as log:
            log.write(json.dumps({"path": self.path, "body": json.loads(raw)}) + "\n")
        token = json.loads(raw).get("token", "")
        seen[token] = seen.get(token, 0) + 1
        if token == "late":
            return self.reply(409, "hpcflow.TaskAlreadyEnded", "attempt 1 of state Align already ended")
        if token == "forged":
            return self.reply(400, "hpcflow.InvalidToken", "invalid task token: signature does not match")
        if token.startswith("flaky") and seen[token] <= 2:
            return self.reply(503, "hpcflow.Busy", "try again")
        return self.reply(200)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
with open(STATE_DIR + "/server.url.tmp", "w") as f:
    f.write("http://127.0.0.1:%d\n" % server.server_address[1])
import os  # noqa: E402

os.rename(STATE_DIR + "/server.url.tmp", STATE_DIR + "/server.url")
server.serve_forever()
