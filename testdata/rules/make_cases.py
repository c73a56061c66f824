#!/usr/bin/env python3
"""Writes testdata/rules/cases: the .eml files and expected.json of each case (python3 make_cases.py).

The files are committed; run this only to change a case, then check the diff."""
import json, os, base64, quopri, hashlib
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cases')

SITES = {
    'pharmacy.fq7k2@nhs.net': 'Riverside Pharmacy, Ashford',
    'pharmacy.fr2w5@nhs.net': 'Mill Lane Pharmacy, Thirsk',
    'dental.v10423@nhs.net': 'Brookside Dental, Ludlow',
    'dac.fkd27@nhs.net': 'Medisupply Direct, Crewe',
    'care.vn4417@nhs.net': 'Elm House Care Home, Bude',
    'care.1-2000000001@nhs.net': 'Rose Lodge, Penzance',
    'amelia.hart@nhs.net': 'Amelia Hart',
}

def msgid(case, n):
    h = hashlib.sha1(f'{case}/{n}'.encode()).hexdigest().upper()
    return f'<LO6P265MB{h[:20]}@LO6P265MB6302.GBRP265.PROD.OUTLOOK.COM>'

def eml(case, n, sender, subject, body, day=27, csv=None):
    date = f'Fri, {day} Feb 2026 10:{10+n:02d}:00 +0000'
    recv = f'{"Fri" if day == 27 else "Sat"}, {day} Feb 2026 10:{10+n:02d}:02 +0000 (GMT)'
    head = [
        f'Return-Path: <{sender}>',
        'Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net',
        'Received: from GBR01-LO0-obe.outbound.protection.outlook.com (mail-lo4gbr01on2031.outbound.protection.outlook.com [203.0.113.106])',
        f'\tby mx.nas.test (Postfix) with ESMTPS id 4cY{case[:3]}{n}Q',
        f'\tfor <requests@nas.test>; {recv}',
        f'From: "{SITES[sender]}" <{sender}>',
        'To: "NHSmail National Administration Service" <requests@nas.test>',
        f'Subject: {subject}',
        f'Date: {date}',
        f'Message-ID: {msgid(case, n)}',
        'Content-Language: en-GB',
        'MIME-Version: 1.0',
    ]
    text = body.replace('\n', '\r\n')
    if all(ord(c) < 128 for c in text):
        part_head = ['Content-Type: text/plain; charset="us-ascii"', 'Content-Transfer-Encoding: 7bit']
        part_body = text
    else:
        part_head = ['Content-Type: text/plain; charset="utf-8"', 'Content-Transfer-Encoding: quoted-printable']
        part_body = quopri.encodestring(text.encode('utf-8')).decode('ascii')
    if csv is None:
        raw = '\r\n'.join(head + part_head) + '\r\n\r\n' + part_body
    else:
        b = 'b1_NASRULES' + case[:3]
        data = base64.encodebytes(csv.replace('\n', '\r\n').encode()).decode().replace('\n', '\r\n')
        raw = ('\r\n'.join(head + [f'Content-Type: multipart/mixed; boundary="{b}"']) + '\r\n\r\n'
               + f'--{b}\r\n' + '\r\n'.join(part_head) + '\r\n\r\n' + part_body + '\r\n'
               + f'--{b}\r\nContent-Type: text/csv; name="requests.csv"\r\n'
               + 'Content-Disposition: attachment; filename="requests.csv"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
               + data + f'--{b}--\r\n')
    if not raw.endswith('\r\n'):
        raw += '\r\n'
    return raw

SIGN = '\nKind regards\n\n{who}\n'

def write(case, mails, expected):
    d = os.path.join(ROOT, case)
    os.makedirs(d, exist_ok=True)
    for i, m in enumerate(mails, 1):
        with open(os.path.join(d, f'{i:02d}.eml'), 'w', newline='') as f:
            f.write(m)
    with open(os.path.join(d, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=2, ensure_ascii=False)
        f.write('\n')

def req(type_, outcome, reasons=(), account=None, field=None):
    r = {'type': type_, 'outcome': outcome, 'reasons': list(reasons)}
    if account:
        r['account'] = account
    if field:
        r['field'] = field
    return r

def processed(*requests):
    return {'verdict': 'processed', 'reasons': [], 'requests': list(requests)}

AMELIA = 'Requested by: Amelia Hart (amelia.hart@nhs.net)'
RIV = 'pharmacy.fq7k2@nhs.net'

# 101: a closed shared mailbox is not a sender.
c = '101-closed-mailbox-is-not-a-sender'
write(c, [eml(c, 1, 'pharmacy.fr2w5@nhs.net', 'New starter and a returner', '''Hello,

Request: Add user
Name: Callum Reid
Mobile: 07700 900150
Email: callum.reid@example.com
Linked to shared mailbox: Yes

Request: Joiner
Account: fiona.marsh@nhs.net

Request: Close shared mailbox
Reason: we sold the pharmacy

Requested by: Kieran Walsh (kieran.walsh@nhs.net)
''' + SIGN.format(who='Kieran Walsh'))],
  [processed(req('add_user', 'rejected', ['mailbox_closed']),
             req('joiner', 'rejected', ['mailbox_closed'], 'fiona.marsh@nhs.net'),
             req('close_mailbox', 'rejected', ['mailbox_closed']))])

# 102: requests after a close_mailbox in the same email, and a later mail.
c = '102-requests-after-close'
write(c, [eml(c, 1, RIV, 'Change of ownership', f'''Request: Close shared mailbox
Reason: Change of ownership, the pharmacy is sold

Request: Add user
Name: Callum Reid
Mobile: 07700 900150
Email: callum.reid@example.com

Request: Leaver
Account: daniel.okafor@nhs.net

{AMELIA}
''' + SIGN.format(who='Amelia Hart')),
          eml(c, 2, RIV, 'One more thing', f'''Request: Give access
Account: kieran.walsh@nhs.net

Request: Password reset
Account: daniel.okafor@nhs.net
Mobile: 07700 900112

{AMELIA}
''', day=28)],
  [processed(req('close_mailbox', 'done'),
             req('add_user', 'rejected', ['mailbox_closed']),
             req('leaver', 'rejected', ['mailbox_closed'], 'daniel.okafor@nhs.net')),
   processed(req('add_to_mailbox', 'rejected', ['mailbox_closed'], 'kieran.walsh@nhs.net'),
             req('password_reset', 'rejected', ['mailbox_closed'], 'daniel.okafor@nhs.net'))])

# 103: reserved addresses are never given to a person.
c = '103-reserved-addresses'
write(c, [eml(c, 1, RIV, 'Two changes', f'''Request: Add user
Name: Pharmacy Smith
Mobile: 07700 900161
Email: p.smith@example.com

Request: Name change
Account: daniel.okafor@nhs.net
New name: Dental Practice

Request: Add user
Name: Jane Pharmacy
Mobile: 07700 900162
Email: jane@example.com

{AMELIA}
''')],
  [processed(req('add_user', 'review', ['address_reserved'], 'pharmacy.smith@nhs.net'),
             req('change_name', 'review', ['address_reserved']),
             req('add_user', 'done', [], 'jane.pharmacy@nhs.net'))])

# 104: a new mailbox whose address someone already holds, and one that is active.
c = '104-register-address-in-use-or-active'
write(c, [eml(c, 1, RIV, 'New shared mailboxes', f'''Request: Register shared mailbox
ODS code: FZ111
Sector: Pharmacy
Organisation name: Quay Pharmacy
Town: Poole
Name: Imogen Blake
Mobile: 07700 900190
Email: imogen.blake@example.com

Request: Register shared mailbox
ODS code: FH3M8
Sector: Pharmacy
Organisation name: Hollybank Chemist
Town: Leek
Name: Tariq Aziz
Mobile: 07700 900191
Email: tariq.aziz@example.com

{AMELIA}
''')],
  [processed(req('register_mailbox', 'review', ['address_in_use']),
             req('register_mailbox', 'rejected', ['mailbox_exists']))])

# 105: every new shared mailbox goes to staff; a closed code's too.
c = '105-new-mailbox-review'
write(c, [eml(c, 1, RIV, 'New contractor', f'''Request: New shared mailbox
ODS code: FT9P4
Sector: Pharmacy
Organisation name: Riverside Pharmacy
Town: Ashford
Name: Imogen Blake
Mobile: 07700 900190
Email: imogen.blake@example.com

Request: Register shared mailbox
ODS code: FR2W5
Sector: Pharmacy
Organisation name: Mill Lane Pharmacy
Town: Thirsk
Name: Tariq Aziz
Mobile: 07700 900191
Email: tariq.aziz@example.com

{AMELIA}
'''), eml(c, 2, RIV, 'New contractor (2)', '''Request: Register shared mailbox
ODS code: FT9P4
Sector: Pharmacy
Organisation name: Riverside Pharmacy
Town: Ashford
Name: Owen Pike
Mobile: 07700 900192
Email: owen.pike@example.com

Requested by: Daniel Okafor (daniel.okafor@nhs.net)
''')],
  [processed(req('register_mailbox', 'review', ['new_mailbox_review']),
             req('register_mailbox', 'review', ['new_mailbox_review'])),
   processed(req('register_mailbox', 'rejected', ['not_owner']))])

# 106: leavers belong to no site until a joiner request.
c = '106-leavers-belong-to-no-site'
write(c, [eml(c, 1, RIV, 'Ben Cole', f'''Request: Leaver
Account: ben.cole@nhs.net

Request: Remove access
Account: ben.cole@nhs.net

Request: Give access
Account: ben.cole@nhs.net

Request: Password reset
Account: ben.cole@nhs.net
Mobile: 07700 900156

Request: Name change
Account: ben.cole@nhs.net
New name: Ben Coles

Request: Joiner
Account: ben.cole@nhs.net

Request: Make owner
Account: ben.cole@nhs.net

{AMELIA}
''')],
  [processed(req('leaver', 'rejected', ['not_in_organisation'], 'ben.cole@nhs.net'),
             req('remove_from_mailbox', 'rejected', ['not_in_organisation'], 'ben.cole@nhs.net'),
             req('add_to_mailbox', 'rejected', ['not_in_organisation'], 'ben.cole@nhs.net'),
             req('password_reset', 'rejected', ['not_in_organisation'], 'ben.cole@nhs.net'),
             req('change_name', 'rejected', ['not_in_organisation']),
             req('joiner', 'done', [], 'ben.cole@nhs.net'),
             req('change_role', 'done', [], 'ben.cole@nhs.net'))])

# 107: more than 50 requests in one email (blocks and CSV rows together).
c = '107-too-many-requests'
blocks = ''.join('Request: Give access\nAccount: daniel.okafor@nhs.net\n\n' for _ in range(30))
rows = 'request,name,mobile,email,account,linked,role\n' + ''.join(
    f'Add user,Person{chr(65 + i // 26)}{chr(97 + i % 26)} Example,077009006{i:02d},p{i}@example.com,,yes,member\n' for i in range(21))
blocks49 = ''.join('Request: Give access\nAccount: daniel.okafor@nhs.net\n\n' for _ in range(29))
write(c, [eml(c, 1, RIV, 'Access for the team', blocks + AMELIA + '\n', csv=rows),
          eml(c, 2, RIV, 'Access for the team (50)', blocks49 + AMELIA + '\n', csv=rows, day=28)],
  [processed(*([req('add_to_mailbox', 'rejected', ['too_many_requests'], 'daniel.okafor@nhs.net')] * 30
               + [req('add_user', 'rejected', ['too_many_requests'])] * 21)),
   processed(*([req('add_to_mailbox', 'done', [], 'daniel.okafor@nhs.net')] * 29
               + [req('add_user', 'done')] * 5 + [req('add_user', 'review', ['site_account_limit'])] * 16))])

# 108: names fold to ASCII for the address; one-word names are refused.
c = '108-names-fold'
write(c, [eml(c, 1, 'dental.v10423@nhs.net', 'New starters', '''Request: Add user
Name: Zoë Brontë
Mobile: 07700 900171
Email: zoe@example.org
Linked: No

Request: Add user
Name: Łukasz Straße
Mobile: 07700 900172
Email: lukasz@example.org
Linked: No

Request: Add user
Name: Æsa Søren
Mobile: 07700 900173
Email: aesa@example.org
Linked: No

Request: Add user
Name: Cher
Mobile: 07700 900174
Email: cher@example.org
Linked: No

Request: Add user
Name: Jane 李
Mobile: 07700 900175
Email: jane@example.org
Linked: No

Requested by: Priya Shah (priya.shah@nhs.net)
''')],
  [processed(req('add_user', 'done', [], 'zoe.bronte@nhs.net'),
             req('add_user', 'done', [], 'lukasz.strasse@nhs.net'),
             req('add_user', 'done', [], 'aesa.soren@nhs.net'),
             req('add_user', 'rejected', ['invalid_field'], field='name'),
             req('add_user', 'rejected', ['invalid_field'], field='name'))])

# 109: an old address (an alias) is reported as the account's current one.
c = '109-alias-is-reported-as-current-address'
write(c, [eml(c, 1, RIV, 'Grace', f'''Request: Make owner
Account: grace.lind@nhs.net

Request: Leaver
Account: grace.lind@nhs.net

{AMELIA}
''')],
  [processed(req('change_role', 'done', [], 'grace.lindqvist@nhs.net'),
             req('leaver', 'done', [], 'grace.lindqvist@nhs.net'))])

# 110: Owner with Linked: No; Linked absent means linked.
c = '110-owner-and-linked'
write(c, [eml(c, 1, 'dental.v10423@nhs.net', 'New owner', '''Request: Add user
Name: Lily Adams
Mobile: 07700 900181
Email: lily@example.org
Linked: No
Role: Owner

Request: Add user
Name: Ivo Marsh
Mobile: 07700 900182
Email: ivo@example.org
Role: Owner

Requested by: Priya Shah (priya.shah@nhs.net)
'''),
          eml(c, 2, RIV, 'New owner', f'''Request: Add user
Name: Lily Adams
Mobile: 07700 900181
Email: lily@example.org
Linked: No
Role: Owner

Request: Add user
Name: Ada Pike
Mobile: 07700 900183
Email: ada@example.org

{AMELIA}
''', day=28)],
  [processed(req('add_user', 'rejected', ['invalid_field'], field='linked'),
             req('add_user', 'done', [], 'ivo.marsh@nhs.net')),
   processed(req('add_user', 'rejected', ['link_required']),
             req('add_user', 'done', [], 'ada.pike@nhs.net'))])

# 111: a social care provider whose ODS code is 1-2000000001 is a site like any other.
c = '111-social-care-provider-code'
write(c, [eml(c, 1, 'care.1-2000000001@nhs.net', 'New carer', '''Request: Add user
Name: Ana Costa
Mobile: 07700 900431
Email: ana.costa@example.org

Request: Make owner
Account: olu.bello@nhs.net

Requested by: Rosa Lind (rosa.lind@nhs.net)
''')],
  [processed(req('add_user', 'done', [], 'ana.costa@nhs.net'),
             req('change_role', 'done', [], 'olu.bello@nhs.net'))])

# 112: an access review lists the site's accounts; only a shared mailbox may ask for one.
c = '112-list-accounts'
write(c, [eml(c, 1, RIV, 'Access review', '''Please can you mark Daniel as a leaver, then tell us who has access.

Request: Leaver
Account: daniel.okafor@nhs.net

Request: List accounts
'''), eml(c, 2, 'amelia.hart@nhs.net', 'Who has access?', '''Request: Who has access
''')],
  [processed(req('leaver', 'done', [], 'daniel.okafor@nhs.net'), req('list_accounts', 'done')),
   processed(req('list_accounts', 'rejected', ['not_shared_mailbox']))])
