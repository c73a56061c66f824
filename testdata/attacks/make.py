#!/usr/bin/env python3
"""Writes testdata/attacks/cases: crafted mails for each class of attack on sender proof, with
expected dryrun outcomes. Run from the repository root: python3 testdata/attacks/make.py .
(go test ./cmd/nasbot -run TestAttacks runs them)."""
import json, os, random, shutil, sys, base64, hashlib

root = sys.argv[1]
out = os.path.join(root, "testdata/attacks/cases")
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
rnd = random.Random(20)

def b64(n):
    return base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(n))).decode()

def dkim(d="nhs.net", b=None):
    b = b or b64(256)
    lines = [b[i:i+76] for i in range(0, len(b), 76)]
    return ("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=selector1;\r\n"
            " h=From:Date:Subject:Message-ID:Content-Type:MIME-Version;\r\n"
            " bh=%s;\r\n b=%s" % (d, b64(32), "\r\n\t".join(lines)))

AR = "Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net"
def received(date):
    return ("Received: from GBR01-LO0-obe.outbound.protection.outlook.com (mail-lo4gbr01on2031.outbound.protection.outlook.com [203.0.113.106])\r\n"
            "\tby mx.nas.test (Postfix) with ESMTPS id %s\r\n\tfor <requests@nas.test>; %s (GMT)" % (hashlib.md5(date.encode()+str(rnd.random()).encode()).hexdigest()[:14], date))

def mail(frm='"Riverside Pharmacy, Ashford" <pharmacy.fq7k2@nhs.net>', subject="Staff change", body="", date="Fri, 27 Feb 2026 09:12:40 +0000",
         msgid=None, ar=AR, sig=None, top=(), extra=(), ctype='text/plain; charset="us-ascii"', return_path=None, raw_header=None, no_date=False):
    msgid = msgid or "<%s@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>" % hashlib.sha1(str(rnd.random()).encode()).hexdigest()[:24].upper()
    h = []
    rp = return_path if return_path is not None else "<pharmacy.fq7k2@nhs.net>"
    if rp != "-":
        h.append("Return-Path: " + rp)
    h += list(top)
    if ar:
        h.append(ar)
    h.append(received(date if not no_date else "Fri, 27 Feb 2026 09:12:43 +0000"))
    h.append(sig if sig is not None else dkim())
    if raw_header is not None:
        h += raw_header
    else:
        if frm is not None:
            h.append("From: " + frm)
        h.append('To: "NHSmail National Administration Service" <requests@nas.test>')
        h.append("Subject: " + subject)
        if not no_date:
            h.append("Date: " + date)
        h.append("Message-ID: " + msgid)
    h += list(extra)
    if ctype:
        h.append("Content-Type: " + ctype)
        h.append("MIME-Version: 1.0")
    text = "\r\n".join(h) + "\r\n\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode("utf-8")

ADD = """Good morning,

Request: Add user
Name: Evan Sterling
Mobile: 07700 900871
Email: evan.sterling@example.com
Linked to shared mailbox: Yes
Role: Owner

Requested by: Amelia Hart (amelia.hart@nhs.net)
"""
LEAVER = """Hello,

Request: Leaver
Account: daniel.okafor@nhs.net

Requested by: Amelia Hart (amelia.hart@nhs.net)
"""

def unverified(types):
    return {"verdict": "unverified", "reasons": ["auth_failed"],
            "requests": [{"type": t, "outcome": "review", "reasons": ["auth_failed"]} for t in types]}
IGN_AUTO = {"verdict": "ignored", "reasons": ["auto_submitted"], "requests": []}
DUP = {"verdict": "ignored", "reasons": ["duplicate"], "requests": []}
DONE_ADD = {"verdict": "processed", "reasons": [], "requests": [{"type": "add_user", "outcome": "done", "reasons": [], "account": "evan.sterling@nhs.net"}]}
DONE_LEAVER = {"verdict": "processed", "reasons": [], "requests": [{"type": "leaver", "outcome": "done", "reasons": [], "account": "daniel.okafor@nhs.net"}]}

cases = []
def case(name, mails, expected, note):
    cases.append((name, mails, expected, note))

# 1. From with more than one address, in any form.
for n, frm in [
    ("from-two-angle-addresses", "<pharmacy.fq7k2@nhs.net> <eve.mallory@nhs.net>"),
    ("from-angle-then-bare", "<pharmacy.fq7k2@nhs.net> eve.mallory@nhs.net"),
    ("from-bare-then-angle", "pharmacy.fq7k2@nhs.net <eve.mallory@nhs.net>"),
    ("from-two-bare-tab", "pharmacy.fq7k2@nhs.net\teve.mallory@nhs.net"),
    ("from-two-bare-space", "pharmacy.fq7k2@nhs.net eve.mallory@nhs.net"),
    ("from-obs-fold-two", "\r\n <pharmacy.fq7k2@nhs.net>\r\n <eve.mallory@nhs.net>"),
    ("from-comma-list", "pharmacy.fq7k2@nhs.net, eve.mallory@nhs.net"),
    ("from-group", "Riverside: pharmacy.fq7k2@nhs.net;"),
    ("from-group-two", "Riverside: pharmacy.fq7k2@nhs.net, eve.mallory@nhs.net;"),
    ("from-empty-group", "undisclosed-recipients:;"),
    ("from-comment-in-local-part", "pharmacy.fq7k2(Riverside)@nhs.net"),
    ("from-quoted-local-part-with-at-and-comma", '"eve.mallory@nhs.net,pharmacy.fq7k2"@nhs.net'),
    ("from-trailing-comma", '"Riverside" <pharmacy.fq7k2@nhs.net>,'),
    ("from-route", "<@relay.example:pharmacy.fq7k2@nhs.net>"),
    ("from-no-address", '"Riverside Pharmacy"'),
]:
    case("from-" + n[5:], [mail(frm=frm, body=ADD)], [unverified(["add_user"])], "From that is not exactly one plain mailbox: " + frm.replace("\r\n", " "))

case("from-quoted-local-part-that-needs-no-quotes", [mail(frm='"pharmacy.fq7k2"@nhs.net', body=ADD)], [DONE_ADD],
     "a quoted local part that is a plain dot-atom names the same mailbox, and is read as it")

# Display names that hold an address, plain and encoded: the address is the addr-spec.
case("display-name-encoded-word-holds-address",
     [mail(frm="=?utf-8?q?pharmacy.fq7k2=40nhs.net?= <eve@evil.example>", ar="Authentication-Results: mx.nas.test; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example", body=ADD)],
     [unverified(["add_user"])], "an encoded-word display name that decodes to the shared mailbox; the address is evil.example's")
case("display-name-insider",
     [mail(frm='"pharmacy.fq7k2@nhs.net" <eve.mallory@nhs.net>', body=ADD)],
     [{"verdict": "processed", "reasons": [], "requests": [{"type": "add_user", "outcome": "rejected", "reasons": ["not_shared_mailbox"]}]}],
     "a genuine nhs.net user who is no account on record puts the shared mailbox in its display name: proven as itself, and not a shared mailbox")

# 2. Header fields that must occur once.
for field, line in [("From", "From: eve.mallory@nhs.net"), ("Sender", "Sender: eve.mallory@nhs.net"),
                    ("Message-ID", "Message-ID: <second@evil.example>"), ("Date", "Date: Fri, 27 Feb 2026 09:00:00 +0000"),
                    ("Subject", "Subject: another subject"), ("To", "To: eve@evil.example"),
                    ("Content-Type", "Content-Type: text/plain; charset=utf-8"), ("MIME-Version", "MIME-Version: 1.0")]:
    top = [line]
    extra = []
    if field == "Sender":
        top = ["Sender: amelia.hart@nhs.net"]
        extra = [line]
    case("duplicate-" + field.lower(), [mail(top=[], extra=top + extra if field == "Sender" else [line], body=ADD)],
         [unverified(["add_user"])], "a second %s field" % field)

# Replay with a second Message-ID on top (above the trusted MTA's fields is where a resender cannot write; below it is).
case("replay-second-message-id-on-top", [
    mail(body=LEAVER, msgid="<replay-1@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>", sig=dkim(b="R" * 300)),
], [DONE_LEAVER], "the genuine message")
cases[-1] = (cases[-1][0], cases[-1][1] + [
    mail(body=LEAVER, msgid="<replay-1@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>", sig=dkim(b="R" * 300),
         extra=[], top=[]).replace(b"From: ", b"Message-ID: <fresh-id@evil.example>\r\nFrom: ", 1)
], cases[-1][2] + [unverified(["leaver"])], "a genuine signed mail re-sent with a new Message-ID above the signed one")

# Replay with the Message-ID replaced and the signature kept: the signature is recorded.
sig = dkim(b="S" * 300)
case("replay-same-signature-new-message-id", [
    mail(body=ADD, msgid="<orig-2@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>", sig=sig),
    mail(body=ADD, msgid="<resent-2@evil.example>", sig=sig),
], [DONE_ADD, DUP], "the same aligned DKIM signature, a different Message-ID: a duplicate")
case("replay-forged-signature-beside-genuine", [
    mail(body=ADD, msgid="<orig-3@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>", sig=dkim(b="T" * 300)),
    mail(body=ADD, msgid="<resent-3@evil.example>", sig=dkim(b="Z" * 300) + "\r\n" + dkim(b="T" * 300)),
], [DONE_ADD, DUP], "a replay that puts a forged aligned signature above the genuine one")
case("stale-date-weeks-old", [mail(body=LEAVER, date="Mon, 09 Feb 2026 09:00:00 +0000")],
     [{"verdict": "processed", "reasons": [], "requests": [{"type": "leaver", "outcome": "review", "reasons": ["stale_message"]}]}],
     "proven mail dated 21 days before it arrived")
case("stale-date-in-future", [mail(body=LEAVER, date="Thu, 05 Mar 2026 09:00:00 +0000")],
     [{"verdict": "processed", "reasons": [], "requests": [{"type": "leaver", "outcome": "review", "reasons": ["stale_message"]}]}],
     "proven mail dated three days after it arrived")
case("stale-no-date", [mail(body=LEAVER, no_date=True)],
     [{"verdict": "processed", "reasons": [], "requests": [{"type": "leaver", "outcome": "review", "reasons": ["stale_message"]}]}],
     "proven mail with no Date")
case("stale-unreadable-date", [mail(body=LEAVER, date="yesterday, around noon")],
     [{"verdict": "processed", "reasons": [], "requests": [{"type": "leaver", "outcome": "review", "reasons": ["stale_message"]}]}],
     "proven mail whose Date cannot be read")
case("fresh-date-within-14-days", [mail(body=LEAVER, date="Tue, 17 Feb 2026 09:00:00 +0000")], [DONE_LEAVER],
     "13 days before arrival is not stale")

# 4. Header-end differentials: NUL, control characters, lines that are not fields.
def with_line(line, where=b"To: "):
    m = mail(body=ADD)
    return m.replace(where, line + b"\r\n" + where, 1)
case("header-nul-byte", [with_line(b"X-Note: a\x00b")], [unverified(["add_user"])], "a NUL in a header field")
case("header-line-without-colon", [with_line(b"this line is not a header field")], [unverified(["add_user"])], "a line without a colon inside the header")
case("header-line-without-colon-then-from", [mail(body=ADD).replace(b"From: ", b"garbage line\r\nFrom: ", 1)], [unverified(["add_user"])], "a non-field line just above From")
case("header-cr-only-line-end", [mail(body=ADD).replace(b"\r\nSubject: Staff change\r\n", b"\r\nSubject: Staff change\rFrom: <eve.mallory@nhs.net>\r\n", 1)],
     [unverified(["add_user"])], "a bare CR inside the header, which some readers take as a line end")
case("header-space-before-colon", [with_line(b"From : eve.mallory@nhs.net")], [unverified(["add_user"])], "obsolete blank before the colon (a second From to some readers)")
case("header-control-char", [with_line(b"X-Note: a\x0bb")], [unverified(["add_user"])], "a vertical tab in a header field")
case("header-starts-folded", [b" folded first line\r\n" + mail(body=ADD)], [unverified(["add_user"])], "a header that starts with a continuation line")

# 5/8. Message-ID without @: the reply still goes.
case("message-id-without-at", [mail(body=LEAVER, msgid="<no-at-sign-here>")], [DONE_LEAVER], "a Message-ID without @ is processed and answered")
case("message-id-bare-garbage", [mail(body=LEAVER, msgid="garbage \"quoted\" value")], [DONE_LEAVER], "a Message-ID that is no msg-id")

# DKIM alignment is strict.
case("dkim-subdomain-only", [mail(body=ADD, ar="Authentication-Results: mx.nas.test; dkim=pass header.d=mail.nhs.net; dmarc=none header.from=nhs.net")],
     [unverified(["add_user"])], "dkim=pass for mail.nhs.net does not prove @nhs.net")

# 11. Auto-reply and bounce signals: each one enough on its own.
auto = [
    ("return-path-null-spaced", dict(return_path="< >")),
    ("list-unsubscribe-only", dict(extra=["List-Unsubscribe: <mailto:leave@lists.example>"])),
    ("list-post-only", dict(extra=["List-Post: <mailto:staff@lists.example>"])),
    ("x-autogenerated", dict(extra=["X-Autogenerated: Reply"])),
    ("x-autorespond", dict(extra=["X-Autorespond: yes"])),
    ("x-auto-response-suppress-oof", dict(extra=["X-Auto-Response-Suppress: DR, OOF"])),
    ("precedence-junk", dict(extra=["Precedence: junk"])),
    ("auto-submitted-with-keyword", dict(extra=["Auto-Submitted: auto-generated; owner-email=\"x@y\""])),
    ("subject-lotus-auto", dict(subject="AUTO: Amelia Hart is out of the office (returning 09/03/2026)")),
    ("subject-undelivered-mail", dict(subject="Undelivered Mail Returned to Sender")),
    ("subject-delivery-status", dict(subject="Delivery Status Notification (Failure)")),
    ("subject-returned-mail", dict(subject="Returned mail: see transcript for details")),
    ("subject-failure-notice", dict(subject="failure notice")),
    ("subject-auto-reply-no-colon", dict(subject="Auto reply Staff change")),
    ("from-post-master", dict(frm="post_master@nhs.net")),
    ("from-microsoft-exchange", dict(frm="MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@nhs.net", subject="Undeliverable: Staff change")),
    ("from-mailer-daemon-null", dict(frm="MAILER-DAEMON <>", subject="Mail delivery failed: returning message to sender")),
    ("from-donotreply", dict(frm="DoNotReply@nhs.net")),
]
for n, kw in auto:
    kw.setdefault("body", ADD)
    case("auto-" + n, [mail(**kw)], [IGN_AUTO], "RFC 3834 signal: " + n)

# A delivery report nested inside a forward.
fwd_body = ("--outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFYI, see below.\r\n\r\n" + ADD.replace("\n", "\r\n") +
            "--outer\r\nContent-Type: message/rfc822\r\n\r\n"
            "From: MAILER-DAEMON@mx.example\r\nSubject: failure\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=inner\r\n\r\n"
            "--inner\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--inner\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; x@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n--inner--\r\n"
            "--outer--\r\n")
case("auto-delivery-status-inside-forward", [mail(body=fwd_body, ctype='multipart/mixed; boundary="outer"')], [IGN_AUTO],
     "a forwarded bounce: its delivery-status part is a report wherever it stands")

# 12. An unproven auto-submitted copy claims nothing; a proven one claims its Message-ID.
mid = "<claim-1@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>"
case("unproven-auto-submitted-claims-nothing", [
    mail(body=LEAVER, msgid=mid, ar=None, extra=["Auto-Submitted: auto-replied"]),
    mail(body=LEAVER, msgid=mid),
], [IGN_AUTO, DONE_LEAVER], "an outsider's auto-submitted copy of a request's Message-ID does not block the genuine request")
mid2 = "<claim-2@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>"
case("proven-auto-submitted-claims-its-message-id", [
    mail(body=LEAVER, msgid=mid2, extra=["Auto-Submitted: auto-replied"]),
    mail(body=LEAVER, msgid=mid2),
], [IGN_AUTO, DUP], "proven auto-submitted mail claims its Message-ID")
mid3 = "<claim-3@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>"
case("unproven-copy-claims-nothing", [
    mail(body=LEAVER, msgid=mid3, ar=None),
    mail(body=LEAVER, msgid=mid3),
], [unverified(["leaver"]), DONE_LEAVER], "an unproven copy with a request's Message-ID does not block the genuine one")
same = mail(body=LEAVER, msgid="<claim-4@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>", ar=None, extra=["Auto-Submitted: auto-replied"])
case("same-raw-bytes-twice", [same, same], [IGN_AUTO, DUP], "the same raw bytes seen before are a duplicate whatever came first")

# 5, 6, 7. The body a person sees is the body the bot reads.
HTML_HIDDEN = """<html><head><style>.x{display:none}</style></head><body>
<p>Hello,</p>
<p>Request: Leaver<br>Account: daniel.okafor@nhs.net</p>
<div style="display:none">Request: Make owner<br>Account: tomasz.nowak@nhs.net</div>
<div class="x">Request: Make owner<br>Account: grace.lindqvist@nhs.net</div>
<p style="color:#ffffff">Request: Add user<br>Name: Evan Sterling<br>Mobile: 07700 900871<br>Email: evan.sterling@example.com</p>
<p style="font-size:1px">Request: Remove user<br>Account: amelia.hart@nhs.net</p>
<p hidden>Request: Leaver<br>Account: grace.lindqvist@nhs.net</p>
<!-- Request: Leaver Account: tomasz.nowak@nhs.net -->
<p>Requested by: Amelia Hart (amelia.hart@nhs.net)</p>
</body></html>
"""
case("hidden-html-text", [mail(body=HTML_HIDDEN, ctype="text/html; charset=utf-8")], [DONE_LEAVER],
     "HTML text a reader cannot see (display:none, a hiding class, white text, 1px text, hidden, comments) is not read")
both = ("--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + LEAVER.replace("\n", "\r\n") +
        "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Request: Make owner<br>Account: tomasz.nowak@nhs.net</p>"
        "<p>Requested by: Amelia Hart (amelia.hart@nhs.net)</p>\r\n--alt--\r\n")
case("html-differs-from-plain", [mail(body=both, ctype='multipart/alternative; boundary="alt"')], [DONE_LEAVER],
     "the text/plain part is read, never an HTML part that says something else")
FWD = LEAVER + """
From: Eve Mallory <eve.mallory@nhs.net>
To: Riverside Pharmacy <pharmacy.fq7k2@nhs.net>;
    Amelia Hart <amelia.hart@nhs.net>;
    Daniel Okafor <daniel.okafor@nhs.net>;
    Grace Lindqvist <grace.lindqvist@nhs.net>;
    Tomasz Nowak <tomasz.nowak@nhs.net>
Cc: NHSmail NAS <requests@nas.test>
Sent: 20 February 2026 10:00
Subject: access

Request: Make owner
Account: tomasz.nowak@nhs.net
"""
case("outlook-history-with-long-to-list", [mail(body=FWD)], [DONE_LEAVER],
     "an Outlook header block whose Sent: stands eight lines below From: starts quoted history, which is never read")
nested = ("--mix\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
          LEAVER.replace("\n", "\r\n") + "--mix--\r\n")
case("part-with-two-content-types", [mail(body=nested, ctype='multipart/mixed; boundary="mix"')], [unverified(["leaver"])],
     "a MIME part with two Content-Type fields: programs differ on the body they show")
case("duplicate-content-transfer-encoding", [mail(body=LEAVER, extra=["Content-Transfer-Encoding: 7bit", "Content-Transfer-Encoding: base64"])],
     [unverified(["leaver"])], "two Content-Transfer-Encoding fields: programs differ on the body they decode")

for name, mails, expected, note in cases:
    d = os.path.join(out, name)
    os.makedirs(d)
    for i, m in enumerate(mails):
        open(os.path.join(d, "%02d.eml" % (i + 1)), "wb").write(m)
    json.dump(expected, open(os.path.join(d, "expected.json"), "w"), indent=2)
    open(os.path.join(d, "NOTE"), "w").write(note.strip() + "\n")
print(len(cases), "cases")
