#!/usr/bin/python3
"""tests/e2e/netfault.py: a TCP proxy on 127.0.0.1 that breaks a connection on cue.

    netfault.py DIR TARGET_PORT [--cut N | --stall N] [--first K] [--port P] [--no-idle] [--say]

Listens on a free port of 127.0.0.1 (or on P, e.g. to come back where it was) and forwards every connection to 127.0.0.1:TARGET_PORT
(TLS passes through untouched: the client still verifies the real server). Writes DIR/port
once it listens, and DIR/log: one line per connection when it ends,
"conn I down=BYTES up=BYTES how=eof|cut|stall|server-closed".

  --cut N     after N bytes from the server to the client, close both sides (a dropped
              connection, as when a NAT or a Wi-Fi link gives up)
  --stall N   after N bytes from the server, forward nothing more either way and keep the
              sockets open (a silent network: only the client's timeout ends it); while
              stalled, DIR/stalled exists
  --first K   apply the fault to the first K connections only (default: all)

  --no-idle   a plain-text IMAP server without IDLE: the word is taken out of every
              CAPABILITY the server sends (with TLS the bytes are opaque: plain only)
  --say       plain-text IMAP: while a client idles (the server has answered its IDLE with a
              continuation and it has not sent DONE), the bytes of a file DIR/say, once it
              exists, are sent to that client as if the server had sent them, between two
              whole lines of the server's; the file is then removed and DIR/said gets a line.
              A file DIR/hangup closes the idling clients' connections (as a server or a NAT
              that drops them), and is removed.

A connection the server closes (or refuses) is closed towards the client too. Exits when its parent
process dies, or on SIGTERM.
"""
import os
import selectors
import signal
import socket
import sys


def main(argv):
    d, target = argv[0], int(argv[1])
    mode, limit, first, port, no_idle, say = None, 0, 1 << 30, 0, False, False
    i = 2
    while i < len(argv):
        if argv[i] in ("--cut", "--stall"):
            mode, limit = argv[i][2:], int(argv[i + 1])
            i += 2
        elif argv[i] == "--first":
            first = int(argv[i + 1])
            i += 2
        elif argv[i] == "--no-idle":
            no_idle = True
            i += 1
        elif argv[i] == "--say":
            say = True
            i += 1
        elif argv[i] == "--port":
            port = int(argv[i + 1])
            i += 2
        else:
            sys.exit("netfault.py: unknown argument %r" % argv[i])
    parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    log = open(os.path.join(d, "log"), "a", buffering=1)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    conns = {}  # socket -> connection state
    n = 0

    def finish(c, how):
        for s in (c["client"], c["server"]):
            if s in conns:
                del conns[s]
                try:
                    sel.unregister(s)
                except (KeyError, ValueError):
                    pass
                s.close()
        log.write("conn %d down=%d up=%d how=%s\n" % (c["n"], c["down"], c["up"], how))
        if c.get("stalled"):
            try:
                os.unlink(os.path.join(d, "stalled"))
            except FileNotFoundError:
                pass

    def say_to_idlers():
        path = os.path.join(d, "say")
        idlers = [c for k, c in conns.items() if k is c["client"] and c.get("idling")]
        if idlers and os.path.exists(os.path.join(d, "hangup")):
            os.unlink(os.path.join(d, "hangup"))
            for c in idlers:
                c["client"].shutdown(socket.SHUT_RDWR)
                finish(c, "hangup")
            return
        if not idlers or not os.path.exists(path):
            return
        data = open(path, "rb").read()
        os.unlink(path)
        for c in idlers:
            c["client"].sendall(data)
            c["down"] += len(data)
            with open(os.path.join(d, "said"), "a") as f:
                f.write("conn %d: %d bytes\n" % (c["n"], len(data)))

    while True:
        if os.getppid() != parent:
            return
        if say:
            say_to_idlers()
        for key, _ in sel.select(timeout=0.05 if say else 0.2):
            s = key.fileobj
            if s is ls:
                cl, _ = ls.accept()
                n += 1
                try:
                    sv = socket.create_connection(("127.0.0.1", target))
                except OSError as e:
                    cl.close()
                    log.write("conn %d refused by the server: %s\n" % (n, e))
                    continue
                c = {"n": n, "client": cl, "server": sv, "down": 0, "up": 0,
                     "mode": mode if n <= first else None}
                conns[cl] = conns[sv] = c
                sel.register(cl, selectors.EVENT_READ, None)
                sel.register(sv, selectors.EVENT_READ, None)
                continue
            c = conns.get(s)
            if c is None:
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if c.get("stalled"):
                # what either side sends now is dropped; the connection ends when the
                # client gives up (its timeout) or the server goes away
                if not data:
                    finish(c, "stall-then-" + ("server-closed" if s is c["server"] else "client-closed"))
                continue
            if not data:
                finish(c, "server-closed" if s is c["server"] else "eof")
                continue
            if s is c["client"]:
                if say:
                    line = data.rstrip(b"\r\n").upper()
                    if line.endswith(b" IDLE"):
                        c["idle_asked"] = True
                    elif line == b"DONE":
                        c["idling"] = c["idle_asked"] = False
                c["server"].sendall(data)
                c["up"] += len(data)
                continue
            if say or no_idle:
                # whole lines only (a partial last line waits for the next read): what is
                # said lands between two lines, and CAPABILITY lines are edited whole
                data = c.get("partial", b"") + data
                cut = data.rfind(b"\n") + 1
                data, c["partial"] = data[:cut], data[cut:]
                if not data:
                    continue
            if say and c.get("idle_asked") and any(l.startswith(b"+ ") for l in data.split(b"\n")):
                c["idling"] = True
            if no_idle:
                data = b"\n".join(l.replace(b" IDLE", b"") if b"CAPABILITY" in l else l
                                  for l in data.split(b"\n"))
            if c["mode"] and c["down"] + len(data) >= limit:
                keep = limit - c["down"]
                c["client"].sendall(data[:keep])
                c["down"] += keep
                if c["mode"] == "cut":
                    c["client"].shutdown(socket.SHUT_RDWR)
                    finish(c, "cut")
                else:
                    c["stalled"] = True
                    open(os.path.join(d, "stalled"), "w").close()
                continue
            c["client"].sendall(data)
            c["down"] += len(data)


if __name__ == "__main__":
    main(sys.argv[1:])
