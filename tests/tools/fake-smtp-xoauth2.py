#!/usr/bin/python3
"""tests/tools/fake-smtp-xoauth2.py PORTFILE LOG TOKEN: a one-purpose SMTP server on
127.0.0.1 for the XOAUTH2 test. It offers only AUTH XOAUTH2 (no TLS: the test sets
allow_plaintext), accepts the token TOKEN for any user, answers a wrong token the way
Gmail does (334 with a base64 JSON error, then 535), and records every command in LOG
(AUTH payloads decoded, so the test can check the exact wire format)."""
import base64, socket, sys, threading

portfile, logpath, token = sys.argv[1:4]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(8)
with open(portfile, "w") as f:
    f.write(str(srv.getsockname()[1]))
log = open(logpath, "a", buffering=1)


def serve(conn):
    f = conn.makefile("rwb", buffering=0)

    def say(line):
        f.write(line.encode() + b"\r\n")

    say("220 fake.example ESMTP")
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode("utf-8", "replace").rstrip("\r\n")
        up = cmd.upper()
        if up.startswith("EHLO") or up.startswith("HELO"):
            log.write(cmd + "\n")
            say("250-fake.example")
            say("250-AUTH XOAUTH2")
            say("250 8BITMIME")
        elif up.startswith("AUTH XOAUTH2"):
            payload = cmd.split(" ", 2)[2] if cmd.count(" ") >= 2 else ""
            if not payload:
                say("334 ")
                payload = f.readline().decode().strip()
            raw = base64.b64decode(payload).decode("utf-8", "replace")
            log.write("AUTH XOAUTH2 " + raw.replace("\x01", "^A") + "\n")
            if raw.endswith("auth=Bearer %s\x01\x01" % token):
                say("235 2.7.0 Accepted")
            else:
                err = base64.b64encode(b'{"status":"401","schemes":"Bearer","scope":"https://mail.example/"}').decode()
                say("334 " + err)
                f.readline()
                say("535 5.7.8 Username and Password not accepted")
        elif up.startswith("MAIL") or up.startswith("RCPT"):
            log.write(cmd + "\n")
            say("250 2.1.0 Ok")
        elif up == "DATA":
            say("354 End data with <CR><LF>.<CR><LF>")
            while f.readline() not in (b".\r\n", b""):
                pass
            log.write("DATA\n")
            say("250 2.0.0 Ok: queued as FAKE1")
        elif up == "QUIT":
            say("221 2.0.0 Bye")
            return
        else:
            say("502 5.5.2 Error: command not recognized")


while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
