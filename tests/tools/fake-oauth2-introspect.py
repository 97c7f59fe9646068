#!/usr/bin/python3
"""tests/tools/fake-oauth2-introspect.py DIR USER: an OAuth2 token introspection endpoint
(RFC 7662) on 127.0.0.1 for Dovecot's oauth2 passdb (mailstack --oauth2).

Listens on a free port, writes DIR/port once it listens. POST /introspect with the form
field token=T answers {"active": true, "username": USER} when T is the first line of
DIR/valid-token (read at every request, so a test can revoke or rotate the token), else
{"active": false}. Appends one line per request to DIR/log: "active" or "inactive" (never
the token itself). Exits when its parent process dies, or on SIGTERM.
"""
import http.server
import json
import os
import signal
import sys
import threading
import urllib.parse


def main(argv):
    d, user = argv[0], argv[1]
    parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(n).decode("ascii", "replace"))
            token = (form.get("token") or [""])[0]
            try:
                valid = open(os.path.join(d, "valid-token")).readline().strip()
            except OSError:
                valid = ""
            active = bool(valid) and token == valid
            body = json.dumps({"active": True, "username": user} if active else {"active": False}).encode()
            with open(os.path.join(d, "log"), "a") as f:
                f.write("%s %s\n" % (self.path, "active" if active else "inactive"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))

    def watch_parent():
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
