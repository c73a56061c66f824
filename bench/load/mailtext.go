package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"time"
)

// A request mail as the NAS's MTA (mx.nas.test) delivers it from NHSmail (Exchange Online): the
// trusted Authentication-Results above the topmost Received (docs/spec/verification.md), then what
// Exchange wrote: a DKIM signature, its own authserv-id-less authentication-results,
// anti-spam and cross-tenant headers. The body is a greeting, one request block, the
// "Requested by" line, a signature and the NHSmail confidentiality notice; either text/plain
// alone or multipart/alternative with Outlook's HTML, both quoted-printable.

const nhsmailNotice = `********************************************************************************************************************

This message may contain confidential information. If you are not the intended recipient please inform the
sender that you have received the message in error before deleting it.
Please do not disclose, copy or distribute information in this e-mail or take any action in relation to its contents. To do so is strictly prohibited and may be unlawful. Thank you for your co-operation.

NHSmail is the secure email and directory service available for all NHS staff in England. NHSmail is approved for exchanging patient data and other sensitive information with NHSmail and other accredited email services.

For more information and to find out how you can switch, https://portal.nhs.net/help/joiningnhsmail`

const outlookStyle = `<head>
<meta http-equiv="Content-Type" content="text/html; charset=us-ascii">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
@font-face
	{font-family:Aptos;}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:12.0pt;
	font-family:"Aptos",sans-serif;
	mso-ligatures:standardcontextual;
	mso-fareast-language:EN-US;}
span.EmailStyle17
	{mso-style-type:personal-compose;
	font-family:"Aptos",sans-serif;
	color:windowtext;}
--></style>
</head>`

// messageID is request i's Message-ID: Exchange's form, unique per run.
func messageID(runID string, i int) string {
	host := fmt.Sprintf("LO6P265MB%04d", 1000+i%9000)
	return fmt.Sprintf("<%s%s%06dA@%s.GBRP265.PROD.OUTLOOK.COM>", host, strings.ToUpper(runID), i, host)
}

// renderMail renders request i, sent at now, to the NAS inbox nas. Three mails in ten are
// multipart/alternative.
func renderMail(runID string, i int, r request, nas string, now time.Time) []byte {
	rng := rand.New(rand.NewPCG(uint64(i), 0x4e4153))
	blob := func(n int) string {
		b := make([]byte, n)
		for k := range b {
			b[k] = byte(rng.Uint32())
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	fold := func(s string) string { // continuation lines of 76 characters
		var out []string
		for len(s) > 76 {
			out = append(out, s[:76])
			s = s[76:]
		}
		return strings.Join(append(out, s), "\r\n ")
	}
	s, owner := r.site, r.site.owner
	host := fmt.Sprintf("LO6P265MB%04d", 1000+i%9000)
	sent := now.Add(-time.Duration(300+rng.IntN(700)) * time.Millisecond)
	date := sent.UTC().Format(time.RFC1123Z)
	uuid := func() string {
		return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff,
			rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
	}

	text := strings.Join([]string{"Good morning,", "", r.intro, "", ""}, "\n") +
		strings.Join(r.block, "\n") + "\n\nRequested by: " + owner.name + " (" + owner.addr + ")\n\n" +
		"Kind regards\n\n" + owner.name + "\nManager\n" + s.name + ", " + s.town + "\n" +
		"Tel: 01" + fmt.Sprint(100000000+rng.IntN(899999999)) + "\n\n" + nhsmailNotice + "\n"

	var h strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&h, format+"\r\n", args...) }
	w("Return-Path: <%s>", s.mailbox)
	w("Authentication-Results: mx.nas.test; dkim=pass header.d=nhs.net header.s=selector1 header.b=%s;\r\n"+
		" dmarc=pass (policy=quarantine) header.from=nhs.net; spf=pass smtp.mailfrom=nhs.net", blob(6))
	w("Received: from GBR01-LO4-obe.outbound.protection.outlook.com (mail-lo4gbr01on2120.outbound.protection.outlook.com [40.107.138.120])\r\n"+
		"\tby mx.nas.test (Postfix) with ESMTPS id 4c%s\r\n\tfor <%s>; %s", strings.ToUpper(blob(6))[:8], nas, date)
	w("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=nhs.net; s=selector1;\r\n"+
		" h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck;\r\n bh=%s;\r\n b=%s", blob(32), fold(blob(256)))
	w("Received: from %s.GBRP265.PROD.OUTLOOK.COM (2603:10a6:600:2f0::12)\r\n by CWLP265MB5186.GBRP265.PROD.OUTLOOK.COM"+
		" (2603:10a6:400:1a4::9) with\r\n Microsoft SMTP Server (version=TLS1_2,\r\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)"+
		" id 15.20.8207.18; %s", host, date)
	w("From: \"%s, %s\" <%s>", s.name, s.town, s.mailbox)
	w("To: \"NHSmail National Administration Service\" <%s>", nas)
	w("Subject: %s", r.subject)
	w("Thread-Topic: %s", r.subject)
	w("Thread-Index: %s", blob(22))
	w("Date: %s", date)
	w("Message-ID: %s", messageID(runID, i))
	w("Accept-Language: en-GB, en-US")
	w("Content-Language: en-GB")
	w("X-MS-Has-Attach:")
	w("X-MS-TNEF-Correlator:")
	w("authentication-results: dkim=none (message not signed)\r\n header.d=none;dmarc=none action=none header.from=nhs.net;")
	w("x-ms-publictraffictype: Email")
	w("x-ms-traffictypediagnostic: %s:EE_|CWLP265MB5186:EE_", host)
	w("x-ms-office365-filtering-correlation-id: %s", uuid())
	w("x-microsoft-antispam: BCL:0;ARA:13230040|366016|1800799024|376014|38070700018;")
	w("x-microsoft-antispam-message-info:\r\n %s", fold(blob(120)))
	w("x-forefront-antispam-report: CIP:255.255.255.255;CTRY:;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:%s.GBRP265.PROD.OUTLOOK.COM;"+
		"PTR:;CAT:NONE;SFS:(13230040)(366016)(1800799024)(376014)(38070700018);DIR:OUT;SFP:1102;", host)
	w("MIME-Version: 1.0")
	w("X-OriginatorOrg: nhs.net")
	w("X-MS-Exchange-CrossTenant-AuthAs: Internal")
	w("X-MS-Exchange-CrossTenant-Network-Message-Id: %s", uuid())
	w("X-MS-Exchange-CrossTenant-originalarrivaltime: %s", sent.UTC().Format("02 Jan 2006 15:04:05.0000 (MST)"))
	w("X-MS-Exchange-CrossTenant-id: 37c354b2-85b0-47f5-b222-07b48d774ee3")
	w("X-MS-Exchange-CrossTenant-mailboxtype: HOSTED")

	var b bytes.Buffer
	b.WriteString(h.String())
	if i%10 < 3 {
		boundary := "_000_" + host + strings.ToUpper(runID) + fmt.Sprint(i) + "_"
		fmt.Fprintf(&b, "Content-Type: multipart/alternative;\r\n\tboundary=\"%s\"\r\n\r\n", boundary)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary)
		b.Write(qp(text))
		fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary)
		b.Write(qp(outlookHTML(text)))
		fmt.Fprintf(&b, "\r\n--%s--\r\n", boundary)
	} else {
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		b.Write(qp(text))
	}
	return b.Bytes()
}

// outlookHTML is text as Outlook's HTML editor writes it: one MsoNormal paragraph per line.
func outlookHTML(text string) string {
	var b strings.Builder
	b.WriteString("<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" " +
		"xmlns:w=\"urn:schemas-microsoft-com:office:word\" xmlns=\"http://www.w3.org/TR/REC-html40\">\n")
	b.WriteString(outlookStyle)
	b.WriteString("\n<body lang=\"EN-GB\" link=\"#467886\" vlink=\"#96607D\" style=\"word-wrap:break-word\">\n<div class=\"WordSection1\">\n")
	for line := range strings.SplitSeq(strings.TrimRight(text, "\n"), "\n") {
		if line == "" {
			b.WriteString("<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>\n")
			continue
		}
		b.WriteString("<p class=\"MsoNormal\">" + html.EscapeString(line) + "<o:p></o:p></p>\n")
	}
	b.WriteString("</div>\n</body>\n</html>\n")
	return b.String()
}

// qp encodes s as quoted-printable with CRLF line ends (RFC 2045 section 6.7).
func qp(s string) []byte {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
	w.Close()
	return b.Bytes()
}
