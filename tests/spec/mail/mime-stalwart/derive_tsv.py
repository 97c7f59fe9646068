#!/usr/bin/env python3
"""Derive the flat tables the C tests read (headers/*.tsv, eml/fields.tsv) from
stalwart's JSON expectations in this folder. Run from this directory; the output is
committed, so the tests never need Python. Escapes in the TSV: \\n \\r \\t \\\\."""
import json, glob, os

def esc(s):
    return s.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')

# unstructured header values -> decoded text
with open('headers/unstructured.tsv', 'w') as f:
    f.write('#raw\texpected (from headers/unstructured.json)\n')
    for x in json.load(open('headers/unstructured.json')):
        if isinstance(x['expected'], str):
            f.write(esc(x['header']) + '\t' + esc(x['expected']) + '\n')

# message id lists -> ids joined by a space ('' when none)
with open('headers/id.tsv', 'w') as f:
    f.write('#raw\texpected ids, space-separated (from headers/id.json)\n')
    for x in json.load(open('headers/id.json')):
        ids = x['expected'] or []
        f.write(esc(x['header']) + '\t' + esc(' '.join(ids)) + '\n')

# address lists -> "name|address" entries joined by ';', groups flattened
with open('headers/address.tsv', 'w') as f:
    f.write('#raw\texpected name|address;;... flattened (from headers/address.json)\n')
    for x in json.load(open('headers/address.json')):
        e = x['expected']
        if not isinstance(e, dict):
            continue
        entries = []
        if 'List' in e:
            entries = e['List']
        elif 'Group' in e:
            for g in e['Group']:
                entries += g['addresses']
        if any(a.get('address') is None for a in entries):
            continue
        f.write(esc(x['header']) + '\t' + esc(';;'.join(f"{a.get('name') or ''}|{a['address']}" for a in entries)) + '\n')

# top-level subject and message-id of each eml (LF reading)
with open('eml/fields.tsv', 'w') as f:
    f.write('#file\tsubject\tmessage_id (top-level, from NNN.json; "-" when absent)\n')
    for j in sorted(glob.glob('eml/*/[0-9][0-9][0-9].json')):
        d = json.load(open(j))
        subj = mid = '-'
        for h in d['parts'][0]['headers']:
            v = h['value']
            if h['name'] == 'subject' and isinstance(v, dict) and 'Text' in v:
                subj = v['Text']
            if h['name'] == 'message_id' and isinstance(v, dict) and 'Text' in v:
                mid = v['Text']
        f.write(os.path.relpath(j, 'eml')[:-5] + '.eml\t' + esc(subj) + '\t' + esc(mid) + '\n')
