#!/usr/bin/python3
"""tests/e2e/mkmail.py: make a test message from a fixture (or from scratch), byte-exact.

    mkmail.py SRC OUT [--set 'Name: value']... [--drop Name]... [--replace OLD NEW]... [--crlf]

SRC is an RFC 5322 file (LF or CRLF), or '-' for an empty message; OUT a file, or '-' for
standard output. The header block is
edited as bytes, so a fixture's body, its charset and its transfer encoding stay exactly as
they are:
  --drop Name          remove every 'Name:' field (with its folded continuation lines),
                       also one put there by an earlier --set
  --set 'Name: value'  remove every 'Name:' field, then put 'Name: value' first (several
                       --set keep their order; a later --set of the same name wins)
  --replace OLD NEW    replace every OLD by NEW in the whole message (headers and body), e.g.
                       a bounce's embedded original Message-ID and recipient
  --body TEXT          replace the body (after the blank line) with TEXT (LF line ends)
  --crlf               write CRLF line ends (the wire format)
Values are UTF-8; non-ASCII in a --set value is written raw (8-bit), as some servers do.
"""
import sys


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    src, out = argv[0], argv[1]
    sets, drops, reps, body, crlf = [], set(), [], None, False
    i = 2
    while i < len(argv):
        a = argv[i]
        if a == "--set":
            new = argv[i + 1].encode()
            name = new.split(b":", 1)[0].strip().lower()
            sets = [s for s in sets if s.split(b":", 1)[0].strip().lower() != name] + [new]
            i += 2
        elif a == "--drop":
            name = argv[i + 1].lower().encode()
            drops.add(name)
            sets = [s for s in sets if s.split(b":", 1)[0].strip().lower() != name]
            i += 2
        elif a == "--replace":
            reps.append((argv[i + 1].encode(), argv[i + 2].encode()))
            i += 3
        elif a == "--body":
            body = argv[i + 1].encode()
            i += 2
        elif a == "--crlf":
            crlf = True
            i += 1
        else:
            sys.exit("mkmail.py: unknown argument %r" % a)
    data = b"" if src == "-" else open(src, "rb").read()
    data = data.replace(b"\r\n", b"\n")
    if b"\n\n" in data:
        head, rest = data.split(b"\n\n", 1)
    else:
        head, rest = data, b""
    for s in sets:
        drops.add(s.split(b":", 1)[0].strip().lower())
    kept, skipping = [], False
    for line in head.split(b"\n") if head else []:
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        skipping = name in drops
        if not skipping:
            kept.append(line)
    if body is not None:
        rest = body
    msg = b"\n".join(sets + kept) + b"\n\n" + rest
    for old, new in reps:
        msg = msg.replace(old, new)
    if crlf:
        msg = msg.replace(b"\n", b"\r\n")
    if out == "-":
        sys.stdout.buffer.write(msg)
        sys.stdout.buffer.flush()
        return
    with open(out, "wb") as f:
        f.write(msg)


if __name__ == "__main__":
    main(sys.argv[1:])
