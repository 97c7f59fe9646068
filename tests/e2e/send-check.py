#!/usr/bin/python3
"""send-check: check what `outreach send` delivered for the send tests' letter (send-lib.sh).

Usage: send-check.py WORKSPACE CATCHALL_MAILDIR SENT_MAILDIR OUTDIR

For every first message the database says is 'sent':
  - exactly one message with its Message-ID is in the catch-all Maildir, delivered to the
    catch-all address of the right recipient (Delivered-To), and Postfix's Received header
    names the queue id the database recorded, received "with ESMTPSA" (TLS + AUTH);
  - exactly one copy with that Message-ID is in the Sent Maildir, byte for byte the
    delivered message without the trace headers the servers added;
  - OUTDIR/N.eml (the delivered message, CRLF) and OUTDIR/N.json (what tests/tools/emlcheck.py
    must find: subject, From, To, Message-ID, the exact text, the attachment's bytes) are
    written from the contacts CSV — not from the database — for emlcheck.py to check.
Also: no message in the catch-all that the database does not know, none twice.
Prints one line per problem; exit 1 if any.
"""
import base64
import csv
import email
import email.policy
import json
import os
import sqlite3
import sys


def maildir_files(root):
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) in ('new', 'cur'):
            for f in files:
                yield os.path.join(dirpath, f)


def header(raw, name):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return msg.get_all(name) or []


def message_ids(root):
    by_id = {}
    for path in maildir_files(root):
        with open(path, 'rb') as f:
            raw = f.read()
        ids = header(raw, 'Message-ID')
        key = ids[0].strip() if ids else None
        by_id.setdefault(key, []).append(raw)
    return by_id


def strip_trace(raw):
    """The message as the client sent it: without the Return-Path, Delivered-To and Received
    headers (with their continuation lines) that Postfix and Dovecot put on top."""
    lines = raw.split(b'\n')
    i = 0
    while i < len(lines):
        name = lines[i].split(b':', 1)[0].lower()
        if name not in (b'return-path', b'delivered-to', b'received'):
            break
        i += 1
        while i < len(lines) and lines[i][:1] in (b' ', b'\t'):
            i += 1
    return b'\n'.join(lines[i:])


def main(ws, catchall, sent_dir, outdir):
    problems = []
    db = sqlite3.connect(os.path.join(ws, '.outreach', 'outreach.db'))
    rows = db.execute(
        "SELECT c.email, m.message_id, m.queue_id, m.size FROM messages m JOIN contacts c ON c.id = m.contact_id"
        " WHERE m.step = 0 AND m.state = 'sent' ORDER BY c.id").fetchall()
    with open(os.path.join(ws, 'contacts', 'attendings.csv'), encoding='utf-8', newline='') as f:
        contacts = {r['email']: r for r in csv.DictReader(f)}
    with open(os.path.join(ws, 'attachments', 'Lebenslauf-Amina-Rahman.pdf'), 'rb') as f:
        attachment = base64.b64encode(f.read()).decode()
    delivered = message_ids(catchall)
    saved = message_ids(sent_dir)
    known = set()
    os.makedirs(outdir, exist_ok=True)
    for n, (addr, mid, qid, size) in enumerate(rows, 1):
        key = '<%s>' % mid
        known.add(key)
        got = delivered.get(key, [])
        if len(got) != 1:
            problems.append('%s: %d deliveries of %s' % (addr, len(got), key))
            continue
        raw = got[0]
        local, domain = addr.split('@')
        want_to = 'catchall+%s=%s@example.test' % (local, domain)
        if [h.strip() for h in header(raw, 'Delivered-To')] != [want_to]:
            problems.append('%s: Delivered-To %r' % (addr, header(raw, 'Delivered-To')))
        if not qid:
            problems.append('%s: no queue id in the database' % addr)
        elif not any(('with ESMTPSA id %s' % qid) in ' '.join(h.split()) for h in header(raw, 'Received')):
            problems.append('%s: no Received "with ESMTPSA id %s": %r' % (addr, qid, header(raw, 'Received')))
        body = strip_trace(raw)
        wire = body.replace(b'\n', b'\r\n')
        if size != len(wire):
            problems.append('%s: database size %s, %d bytes delivered' % (addr, size, len(wire)))
        copies = saved.get(key, [])
        if len(copies) != 1:
            problems.append('%s: %d copies in Sent' % (addr, len(copies)))
        elif copies[0] != body:
            problems.append('%s: the Sent copy differs from what was delivered' % addr)
        c = contacts.get(addr)
        if c is None:
            problems.append('%s: not in the contacts file' % addr)
            continue
        title, last = c['title'], c['last_name']
        salutation = ('Professor %s' if title.lower().startswith('prof') else 'Dr. %s') % last
        full = '%s %s' % (c['first_name'], last)
        expect = {
            'subject': 'Observership in %s at %s \u2014 %s' % (c['specialty'], c['hospital'], full),
            'from': {'name': 'Amina Rahman', 'addr': 'amina@example.test'},
            'to': {'name': full, 'addr': addr},
            'message_id': mid,
            'content_type': 'multipart/mixed',
            'text': 'Dear %s,\n\nI am writing to ask whether %s in %s could host me as an\n'
                    'observer in %s.\n\nWith kind regards,\nAmina Rahman\n'
                    % (salutation, c['hospital'], c['city'], c['specialty']),
            'attachments': [{'filename': 'Lebenslauf-Amina-Rahman.pdf', 'data_b64': attachment}],
        }
        with open(os.path.join(outdir, '%02d.eml' % n), 'wb') as f:
            f.write(raw.replace(b'\n', b'\r\n'))
        with open(os.path.join(outdir, '%02d.json' % n), 'w', encoding='utf-8') as f:
            json.dump(expect, f, ensure_ascii=False)
    for key, got in delivered.items():
        if key not in known:
            problems.append('delivered but not sent according to the database: %s (%d)' % (key, len(got)))
    for p in problems:
        print(p)
    print('send-check: %d sent messages, %d problems' % (len(rows), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
