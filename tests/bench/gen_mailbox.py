#!/usr/bin/python3
"""tests/bench/gen_mailbox.py MAILDIR N FIRST SENT.tsv [new|cur]: write N messages into a Maildir.

A user's inbox during a campaign: mostly mail that has nothing to do with it (hospital
newsletters, colleagues, notifications, journal alerts), and every 100th message (1%) a reply
from a physician to the message outreach sent them — In-Reply-To and References name its
Message-ID, the sender is the contact, the text is an offer, a decline, a request for the
CV, or an out-of-office note. SENT.tsv holds "email<TAB>message-id" lines (from the
workspace's database); replies take them in order, one per physician.

Messages are numbered from FIRST (so a second call adds new ones after the first batch) and
written as Dovecot names its files, straight into MAILDIR/cur (already-seen mail, for the
initial fill) or MAILDIR/new (just delivered). Much faster than delivering them one by one;
Dovecot indexes them at the next EXAMINE. Deterministic. Prints how many were relevant.
"""
import os
import random
import sys
import time

UNRELATED = [
    ("Grand Rounds <grandrounds@dowuhs.example.edu>", "Grand Rounds this Thursday: sepsis bundles revisited",
     "Dear colleagues,\n\nThis week's Grand Rounds will be held in the main auditorium at 8 am.\n"
     "Coffee will be served from 7:30.\n\nDepartment of Medicine\n"),
    ("NEJM Journal Watch <alerts@jw.example.org>", "This week in Hospital Medicine",
     "Top stories this week:\n\n* Early antibiotics in septic shock\n* Handoff tools and safety\n"
     "* Point-of-care ultrasound in the ward\n\nRead more on our website.\n"),
    ("Omar Siddiqui <omar@example.test>", "Re: USMLE Step 3 study group",
     "Hi Amina,\n\nSaturday at 10 works for me. I will bring the question bank.\n\nOmar\n"),
    ("ECFMG <noreply@ecfmg.example.org>", "Your ECFMG certification status",
     "Dear applicant,\n\nYour certification status has been updated. Log in to view it.\n"),
    ("Bank Alerts <alerts@bank.example.com>", "Your monthly statement is ready",
     "Your statement for this month is now available online.\n"),
    ("Match Forum <digest@forum.example.net>", "Daily digest: 42 new posts",
     "Observerships in the Midwest (12 replies)\nLetters of recommendation timing (8 replies)\n"),
    ("Mom <mother@family.example.com>", "Dinner on Sunday",
     "Beta, are you coming on Sunday? Bring the photos from the conference.\n"),
]

REPLIES = [
    ("Re: {subject}", "Dear Dr. Rahman,\n\nThank you for your email. I would be happy to host you for four "
     "weeks in April. Please contact our coordinator to arrange the paperwork; there is a $300 "
     "administrative fee.\n\nBest regards,\n{name}\n"),
    ("Re: {subject}", "Dear Amina,\n\nThank you for your interest. Unfortunately we are unable to offer "
     "observerships this year.\n\nI wish you the best of luck with the Match.\n\n{name}\n"),
    ("Re: {subject}", "Hello,\n\nCould you send your CV and the exact dates you have in mind?\n\nThanks,\n"
     "{name}\n"),
    ("Automatic reply: {subject}", "I am out of the office until Monday and will have limited access to "
     "email. For urgent matters please call the department.\n"),
]


def main():
    maildir, n, first, sent_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    sub = sys.argv[5] if len(sys.argv) > 5 else "cur"
    sent = [line.rstrip("\n").split("\t") for line in open(sent_path) if "\t" in line]
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, d), exist_ok=True)
    rnd = random.Random(first)
    t0 = int(time.time()) - 86400 * 30
    relevant = 0
    for k in range(first, first + n):
        date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t0 + k * 60))
        if k % 100 == 99 and sent:
            email, msgid = sent[(k // 100) % len(sent)]
            subj, body = REPLIES[(k // 100) % len(REPLIES)]
            name = email.split("@")[0].split(".")[1].capitalize()
            auto = subj.startswith("Automatic")
            text = ("From: Dr. %s <%s>\nTo: Amina Rahman <amina@example.test>\nSubject: %s\nDate: %s\n"
                    "Message-ID: <r%d@hospital.example.org>\nIn-Reply-To: <%s>\nReferences: <%s>\n%s"
                    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s" % (
                        name, email, subj.format(subject="Observership request"), date, k, msgid, msgid,
                        "Auto-Submitted: auto-replied\n" if auto else "", body.format(name="Dr. " + name)))
            relevant += 1
        else:
            frm, subj, body = UNRELATED[rnd.randrange(len(UNRELATED))]
            text = ("From: %s\nTo: Amina Rahman <amina@example.test>\nSubject: %s\nDate: %s\n"
                    "Message-ID: <u%d@lists.example.net>\nMIME-Version: 1.0\n"
                    "Content-Type: text/plain; charset=utf-8\n\n%s" % (frm, subj, date, k, body * 3))
        data = text.replace("\n", "\r\n").encode()
        name = "%d.M%dP%d.bench,S=%d" % (t0 + k * 60, k, os.getpid(), len(data))
        path = os.path.join(maildir, sub, name + (":2," if sub == "cur" else ""))
        with open(path, "wb") as f:
            f.write(data)
    print(relevant)


if __name__ == "__main__":
    main()
