#!/usr/bin/python3
"""emlcheck: check a composed message with an independent parser (Python's email package).

Usage:
    emlcheck.py FILE.eml [EXPECT.json]    check one message (EXPECT defaults to FILE.json if present)
    emlcheck.py DIR                       check every DIR/*.eml against its DIR/*.json

Always checked (wire rules): CRLF line ends only, no line over 998 octets, 7-bit bytes only,
no defect reported by email.policy.default on the message, on any part, or on any header.

With an expectation file (JSON, every key optional):
    subject            decoded Subject, exact UTF-8
    from, to           {"name": ..., "addr": ...}
    cc, reply_to       [{"name": ..., "addr": ...}, ...]
    message_id         without brackets; in_reply_to likewise; references: [ids]
    date               the Date header as written
    content_type       top-level type, e.g. "multipart/mixed"
    text               the text/plain body (line ends compared as LF, final newline ignored)
    text_encoding      "7bit" / "quoted-printable"
    html               true / false: whether a text/html alternative exists
    html_contains      [strings the decoded html must contain]
    attachments        [{"filename": ..., "content_type": ..., "data_b64": ...}]
    headers            {"X-Name": "decoded value"}

Exit status 0 when every message passes, 1 otherwise; problems are printed one per line.
"""
import base64
import email
import email.header
import email.policy
import email.utils
import json
import os
import re
import sys

ENCODED_PAIR = re.compile(r'\?=[ \t\r\n]+=\?')


def wire_problems(raw):
    out = []
    if any(b >= 0x80 for b in raw):
        out.append('8-bit octet in the message')
    lines = raw.split(b'\r\n')
    if lines[-1] != b'':
        out.append('message does not end with CRLF')
    for i, line in enumerate(lines[:-1] if lines[-1] == b'' else lines, 1):
        if b'\r' in line or b'\n' in line:
            out.append('line %d: bare CR or LF' % i)
        if len(line) > 998:
            out.append('line %d: %d octets (> 998)' % (i, len(line)))
    return out


def defects(msg):
    out = []
    for part in msg.walk():
        where = part.get_content_type()
        for d in part.defects:
            out.append('%s: defect %r' % (where, d))
        for name, value in part.items():
            for d in getattr(value, 'defects', ()):
                out.append('%s: header %s: defect %r' % (where, name, d))
    return out


def legacy_phrase(raw_name):
    """RFC 2047 §6.2 decoding of a display name by the legacy API, which drops the
    whitespace between adjacent encoded-words."""
    chunks = email.header.decode_header(raw_name)
    return str(email.header.make_header(chunks))


def check_mailboxes(msg, field, want, out):
    header = msg[field]
    if want is None:
        return
    if isinstance(want, dict):
        want = [want]
    if header is None:
        out.append('%s: missing' % field)
        return
    got = list(header.addresses)
    if len(got) != len(want):
        out.append('%s: %d addresses, want %d' % (field, len(got), len(want)))
        return
    raw = ''.join(v for k, v in msg.raw_items() if k.lower() == field.lower())
    raw_pairs = email.utils.getaddresses([raw])
    for i, (g, w) in enumerate(zip(got, want)):
        if g.addr_spec != w['addr']:
            out.append('%s[%d]: address %r, want %r' % (field, i, g.addr_spec, w['addr']))
        wname = w.get('name') or ''
        if g.display_name == wname:
            continue
        # CPython 3.11 keeps the whitespace between two adjacent encoded-words inside a
        # display name (gh-128110, fixed upstream by PR #130749). Only in that case fall back
        # to the legacy decoder, which implements RFC 2047 §6.2.
        rname = raw_pairs[i][0] if i < len(raw_pairs) else ''
        if ENCODED_PAIR.search(rname) and legacy_phrase(rname) == wname:
            continue
        out.append('%s[%d]: display name %r, want %r' % (field, i, g.display_name, wname))


def norm_text(s):
    s = s.replace('\r\n', '\n').replace('\r', '\n')
    return s[:-1] if s.endswith('\n') else s


def body_parts(msg):
    """(text part, html part) of the message body, attachments excluded."""
    text = html = None
    for part in msg.walk():
        if part.is_multipart() or part.get_content_disposition() == 'attachment':
            continue
        if part.get_content_type() == 'text/plain' and text is None:
            text = part
        elif part.get_content_type() == 'text/html' and html is None:
            html = part
    return text, html


def check_expect(msg, x):
    out = []
    if 'subject' in x and str(msg['subject'] or '') != x['subject']:
        out.append('subject %r, want %r' % (str(msg['subject']), x['subject']))
    for field, key in (('From', 'from'), ('To', 'to'), ('Cc', 'cc'), ('Reply-To', 'reply_to')):
        if key in x:
            check_mailboxes(msg, field, x[key], out)
    if 'cc' not in x and msg['cc'] is not None:
        out.append('unexpected Cc')
    if msg['bcc'] is not None:
        out.append('a Bcc header is present')
    for field, key in (('Message-ID', 'message_id'), ('In-Reply-To', 'in_reply_to')):
        if key in x:
            got = str(msg[field] or '')
            if got != '<%s>' % x[key]:
                out.append('%s %r, want <%s>' % (field, got, x[key]))
    if 'references' in x:
        got = str(msg['references'] or '').split()
        want = ['<%s>' % r for r in x['references']]
        if got != want:
            out.append('References %r, want %r' % (got, want))
    if 'date' in x and str(msg['date']) != x['date']:
        out.append('Date %r, want %r' % (str(msg['date']), x['date']))
    if msg['mime-version'] is None or str(msg['mime-version']) != '1.0':
        out.append('MIME-Version missing or not 1.0')
    if 'content_type' in x and msg.get_content_type() != x['content_type']:
        out.append('content type %s, want %s' % (msg.get_content_type(), x['content_type']))
    text, html = body_parts(msg)
    if 'text' in x:
        if text is None:
            out.append('no text/plain part')
        else:
            if text.get_content_charset() != 'utf-8':
                out.append('text charset %r' % text.get_content_charset())
            got = norm_text(text.get_content())
            want = norm_text(x['text'])
            if got != want:
                out.append('text body differs: got %r, want %r' % (got[:300], want[:300]))
            if 'text_encoding' in x and text['content-transfer-encoding'] != x['text_encoding']:
                out.append('text encoding %s, want %s' % (text['content-transfer-encoding'], x['text_encoding']))
    if 'html' in x:
        if bool(x['html']) != (html is not None):
            out.append('html part %s, want %s' % (html is not None, bool(x['html'])))
        if html is not None:
            content = html.get_content()
            if '<meta charset="utf-8">' not in content:
                out.append('html part lacks <meta charset="utf-8">')
            for s in x.get('html_contains', []):
                if s not in content:
                    out.append('html lacks %r' % s)
            if text is None or html.get_content_charset() != 'utf-8':
                out.append('html without a text alternative or not utf-8')
    if 'attachments' in x:
        got = list(msg.iter_attachments()) if msg.is_multipart() else []
        got = [p for p in got if p.get_content_disposition() == 'attachment']
        if len(got) != len(x['attachments']):
            out.append('%d attachments, want %d' % (len(got), len(x['attachments'])))
        for i, (p, w) in enumerate(zip(got, x['attachments'])):
            if p.get_filename() != w['filename']:
                out.append('attachment %d: filename %r, want %r' % (i, p.get_filename(), w['filename']))
            ct_name = p.get_param('name')
            if ct_name is not None and email.utils.collapse_rfc2231_value(ct_name) != w['filename']:
                out.append('attachment %d: Content-Type name %r, want %r' % (i, ct_name, w['filename']))
            if 'content_type' in w and p.get_content_type() != w['content_type']:
                out.append('attachment %d: type %s, want %s' % (i, p.get_content_type(), w['content_type']))
            if p['content-transfer-encoding'] != 'base64':
                out.append('attachment %d: not base64' % i)
            data = p.get_payload(decode=True)
            want = base64.b64decode(w.get('data_b64', ''))
            if data != want:
                out.append('attachment %d: %d bytes differ from the %d expected' % (i, len(data), len(want)))
    for name, value in x.get('headers', {}).items():
        if str(msg[name] or '') != value:
            out.append('header %s %r, want %r' % (name, str(msg[name]), value))
    return out


def check_file(path, expect_path=None):
    with open(path, 'rb') as f:
        raw = f.read()
    problems = wire_problems(raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    problems += defects(msg)
    if expect_path is None:
        guess = os.path.splitext(path)[0] + '.json'
        expect_path = guess if os.path.exists(guess) else None
    if expect_path:
        with open(expect_path, encoding='utf-8') as f:
            problems += check_expect(msg, json.load(f))
    return problems


def main(argv):
    if len(argv) < 2 or len(argv) > 3:
        sys.stderr.write(__doc__)
        return 2
    if os.path.isdir(argv[1]):
        files = sorted(os.path.join(argv[1], n) for n in os.listdir(argv[1]) if n.endswith('.eml'))
        if not files:
            print('emlcheck: no .eml files in %s' % argv[1])
            return 1
        pairs = [(f, None) for f in files]
    else:
        pairs = [(argv[1], argv[2] if len(argv) == 3 else None)]
    bad = 0
    for path, exp in pairs:
        problems = check_file(path, exp)
        for p in problems:
            print('%s: %s' % (path, p))
        bad += bool(problems)
    print('emlcheck: %d messages, %d with problems' % (len(pairs), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
