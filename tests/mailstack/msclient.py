#!/usr/bin/python3
"""tests/mailstack/msclient.py: a tiny SMTP/IMAP/TLS client (stdlib only) that prints a
transcript of reply codes, one line per step, so shell tests can assert on exact replies.

  msclient.py tls PORT NAME [implicit|smtp-starttls|imap-starttls] [--cafile F]
      TLS handshake to 127.0.0.1:PORT verifying the certificate for host NAME:
      "verified" or "refused: <OpenSSL verify message>" (exit 0 either way).
  msclient.py smtp PORT [--tls starttls|implicit|none] [--login USER PASS] [--from ADDR]
                   [--rcpt ADDR]... [--subject S] [--header 'Name: value']... [--cafile F]
                   [--auth-before-tls USER PASS]
      Sends one message, printing "<step> <code> <text>" for ehlo, starttls, login, mail,
      each rcpt and data; stops at the first failed step with "disconnected" if the server
      hung up. Message-ID of the message is printed as "message-id <...>".
  msclient.py imap PORT [--tls starttls|implicit|none] --login USER PASS
                   [--examine-fetch] [--mark-seen N] [--cafile F]
      Prints "capability ...", "login OK|NO ..." and the results of the optional actions.
The default --cafile is $MS_CAFILE; "--cafile none" turns verification off.
"""
import argparse, base64, email.utils, imaplib, os, smtplib, socket, ssl, sys

HOST = "127.0.0.1"


def context(cafile):
    if cafile == "none":
        return ssl._create_unverified_context()
    return ssl.create_default_context(cafile=cafile)


def show(step, reply):
    code, text = reply
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    print(step, code, " ".join(str(text).split()))
    sys.stdout.flush()
    return code


def cmd_tls(a):
    sock = socket.create_connection((HOST, a.port), timeout=10)
    f = sock.makefile("rb")
    if a.mode == "smtp-starttls":
        f.readline()
        sock.sendall(b"EHLO client.example.test\r\n")
        while f.readline()[3:4] == b"-":
            pass
        sock.sendall(b"STARTTLS\r\n")
        f.readline()
    elif a.mode == "imap-starttls":
        f.readline()
        sock.sendall(b"a STARTTLS\r\n")
        f.readline()
    try:
        tls = context(a.cafile).wrap_socket(sock, server_hostname=a.name)
        print("verified", tls.version())
        tls.close()
    except ssl.SSLCertVerificationError as e:
        print("refused:", e.verify_message)


def cmd_smtp(a):
    ctx = context(a.cafile)
    try:
        if a.tls == "implicit":
            s = smtplib.SMTP_SSL(HOST, a.port, "client.example.test", context=ctx, timeout=20)
        else:
            s = smtplib.SMTP(HOST, a.port, "client.example.test", timeout=20)
        show("ehlo", s.ehlo())
        if a.auth_before_tls:
            creds = "\0%s\0%s" % tuple(a.auth_before_tls)
            show("auth", s.docmd("AUTH", "PLAIN " + base64.b64encode(creds.encode()).decode()))
        if a.tls == "starttls":
            if show("starttls", s.starttls(context=ctx)) != 220:
                return
            show("ehlo", s.ehlo())
        if a.login:
            try:
                # One mechanism, as a real client would use: smtplib's login() would try
                # PLAIN and then LOGIN, and each failure costs ~0.5 s in Dovecot.
                s.user, s.password = a.login
                if not s.has_extn("auth"):
                    raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
                show("login", s.auth("PLAIN", s.auth_plain))
            except smtplib.SMTPAuthenticationError as e:
                show("login", (e.smtp_code, e.smtp_error))
                return
            except smtplib.SMTPNotSupportedError as e:
                print("login not-offered", e)
                return
        sender = a.sender or (a.login[0] if a.login else "amina@example.test")
        if show("mail", s.mail(sender)) != 250:
            return
        ok = 0
        for r in a.rcpt:
            if show("rcpt " + r, s.rcpt(r)) in (250, 251):
                ok += 1
        if not ok:
            s.rset()
            return
        msgid = email.utils.make_msgid(domain="example.test")
        print("message-id", msgid)
        lines = ["From: Amina Diallo <%s>" % sender, "To: " + ", ".join(a.rcpt),
                 "Subject: " + (a.subject or "test message"), "Message-ID: " + msgid,
                 "Date: " + email.utils.formatdate()] + a.header + ["", "Hello.", ""]
        show("data", s.data("\r\n".join(lines).encode()))
        s.quit()
    except smtplib.SMTPServerDisconnected:
        print("disconnected")
    except ssl.SSLCertVerificationError as e:
        print("refused:", e.verify_message)


def cmd_imap(a):
    ctx = context(a.cafile)
    try:
        if a.tls == "implicit":
            c = imaplib.IMAP4_SSL(HOST, a.port, ssl_context=ctx, timeout=20)
        else:
            c = imaplib.IMAP4(HOST, a.port, timeout=20)
            if a.tls == "starttls":
                print("starttls", c.starttls(ssl_context=ctx)[0])
        print("capability", " ".join(c.capabilities))
        try:
            print("login", c.login(*a.login)[0])
        except imaplib.IMAP4.error as e:
            print("login NO", e)
            return
        if a.examine_fetch:
            typ, data = c.select("INBOX", readonly=True)
            print("examine", typ, data[0].decode())
            if int(data[0]) > 0:
                typ, data = c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                print("fetch", typ, sum(1 for d in data if isinstance(d, tuple)))
        if a.mark_seen:
            c.select("INBOX")
            print("store", c.store(a.mark_seen, "+FLAGS", "(\\Seen)")[0])
        c.logout()
    except ssl.SSLCertVerificationError as e:
        print("refused:", e.verify_message)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("tls", "smtp", "imap"):
        q = sub.add_parser(name)
        q.add_argument("port", type=int)
        q.add_argument("--cafile", default=os.environ.get("MS_CAFILE", "none"))
        if name == "tls":
            q.add_argument("name")
            q.add_argument("mode", nargs="?", default="implicit",
                           choices=["implicit", "smtp-starttls", "imap-starttls"])
        else:
            q.add_argument("--tls", default="starttls", choices=["starttls", "implicit", "none"])
            q.add_argument("--login", nargs=2, metavar=("USER", "PASS"))
        if name == "smtp":
            q.add_argument("--auth-before-tls", nargs=2, metavar=("USER", "PASS"))
            q.add_argument("--from", dest="sender")
            q.add_argument("--rcpt", action="append", default=[])
            q.add_argument("--subject")
            q.add_argument("--header", action="append", default=[])
        if name == "imap":
            q.add_argument("--examine-fetch", action="store_true")
            q.add_argument("--mark-seen")
    a = p.parse_args()
    globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    main()
