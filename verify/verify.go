// Package verify decides whether a request email provably comes from the mailbox its From names
// (docs/spec/verification.md). Anyone can write any From, so the stage trusts only:
//
//   - Authentication-Results (RFC 8601) written by the NAS's own receiving MTA: an authserv-id in
//     Config.TrustedAuthServIDs, standing above the topmost Received header field;
//   - or, when Config.DKIM is set, a DKIM signature (RFC 6376) that the bot checks itself.
//
// SPF alone, Received lines, Return-Path, Reply-To and display names prove nothing.
//
// Verify is pure: no database (the Directory is passed in), no network (DKIM keys come from
// Config.LookupTXT) and no clock of its own (go-msgauth reads the clock only to refuse a DKIM
// signature past its x= expiry).
//
// Decisions this package makes, beyond the letter of the spec:
//
//   - Alignment. The From domain must equal Config.Domain (after IDNA mapping). DMARC needs
//     header.from equal to it. DKIM needs header.d (or, when header.d is absent, header.i's
//     domain) equal to it: RFC 7489 §3.1.1 strict alignment, since a subdomain may be run by
//     someone else (header.d=mail.nhs.net does not prove @nhs.net).
//   - A trusted dmarc=fail wins. DMARC is the verdict about the From domain as a whole: it fails
//     only when no aligned pass was found, so a trusted dmarc=fail overrides every pass (including
//     an in-process DKIM pass). A trusted DMARC result naming a header.from other than the From
//     domain also refuses: the trusted MTA read a different From from ours (two From fields, or
//     a parser disagreement), so its results are about another message.
//   - One reading. The parser's strict header reader says when a header can be read two ways
//     (two From fields, a From naming two mailboxes, group syntax, a line that is not a field):
//     Envelope.HeaderProblem, which refuses the message before any evidence is looked at.
//   - Addresses. The local part must be ASCII
//     (NHSmail addresses are). The domain is mapped with UTS #46 (lower case, width folding,
//     NFC) and compared in its ASCII (A-label) form, so Cyrillic or Greek look-alikes become
//     xn-- labels that differ from nhs.net; a written trailing dot is refused.
package verify

import (
	"fmt"
	"strings"

	"nasbot/domain"
)

// DefaultDomain is the domain whose mail the bot acts on when Config.Domain is empty.
const DefaultDomain = "nhs.net"

// Config says what counts as proof.
type Config struct {
	// Domain is the only From domain the bot acts on (DefaultDomain when empty).
	Domain string
	// TrustedAuthServIDs lists the authserv-ids (RFC 8601 §2.5) whose Authentication-Results count:
	// those of the receiving MTA the NAS runs. Compared case-insensitively.
	TrustedAuthServIDs []string
	// DKIM makes Verify check DKIM signatures itself, for deployments with no trusted MTA.
	DKIM bool
	// LookupTXT resolves DKIM key records (selector._domainkey.domain). Verify never reaches the
	// network itself: with DKIM set and no resolver, no signature can be checked.
	LookupTXT func(domain string) ([]string, error)
}

// Validate reports a configuration that could never prove anything.
func (c Config) Validate() error {
	if _, err := normaliseDomain(c.domain()); err != nil {
		return fmt.Errorf("verify: domain %q: %w", c.domain(), err)
	}
	for _, id := range c.TrustedAuthServIDs {
		if strings.TrimSpace(id) == "" || strings.ContainsAny(id, " \t;=()\"") {
			return fmt.Errorf("verify: trusted authserv-id %q is not a valid authserv-id", id)
		}
	}
	if len(c.TrustedAuthServIDs) == 0 && !c.DKIM {
		return fmt.Errorf("verify: no trusted authserv-id and DKIM checking off: no mail can be verified")
	}
	if c.DKIM && c.LookupTXT == nil {
		return fmt.Errorf("verify: DKIM checking on but no key resolver (LookupTXT)")
	}
	return nil
}

func (c Config) domain() string {
	if c.Domain == "" {
		return DefaultDomain
	}
	return c.Domain
}

// Directory is what verification needs to know of the directory (implemented by the store).
type Directory interface {
	// LinkedToMailbox reports whether account is linked (owner or member) to the shared mailbox
	// address.
	LinkedToMailbox(account, mailbox string) (bool, error)
}

// Verify decides whether env (parsed from raw) provably comes from its single From mailbox.
// Every failure of proof is a Verification with Verified false and Failure saying, in plain words,
// which rule failed; Evidence says what was looked at. The error is only for a failing Directory.
func Verify(env *domain.Envelope, raw []byte, dir Directory, cfg Config) (domain.Verification, error) {
	want, err := normaliseDomain(cfg.domain())
	if err != nil {
		return refuse("", "nothing (configuration)",
			fmt.Sprintf("the configured domain %q is not a valid domain name", cfg.domain())), nil
	}
	if env == nil {
		return refuse("", "nothing (no message header)", "the message has no readable header"), nil
	}

	if env.HeaderProblem != "" {
		return refuse(env.FromAddress(), "the message header", env.HeaderProblem), nil
	}
	from, failure := fromAddress(env, want)
	if failure != "" {
		return refuse(from, "From header: "+describeFrom(env), failure), nil
	}
	sender, failure := senderAddress(env, from, want)
	if failure != "" {
		return refuse(from, "Sender header: "+describeSender(env), failure), nil
	}

	ar := evaluateAuthResults(env.Headers, cfg.TrustedAuthServIDs, want)
	if ar.veto != "" {
		return refuse(from, ar.evidence, ar.veto), nil
	}
	evidence := ar.evidence
	proven := ar.pass != ""
	if proven {
		evidence = ar.pass
	}
	if !proven && cfg.DKIM {
		dk := checkDKIM(raw, want, cfg.LookupTXT)
		evidence += "; " + dk.evidence
		if dk.pass != "" {
			proven, evidence = true, dk.pass
		}
	}
	if !proven {
		failure := ar.failure
		switch {
		case cfg.DKIM && len(cfg.TrustedAuthServIDs) == 0:
			failure = "no valid DKIM signature aligned with " + want
		case cfg.DKIM:
			failure += ", and no valid DKIM signature aligned with " + want
		}
		return refuse(from, evidence, failure), nil
	}

	if sender != "" {
		if dir == nil {
			return refuse(from, evidence+"; Sender "+sender, "the Sender "+sender+" cannot be checked: no directory"), nil
		}
		linked, err := dir.LinkedToMailbox(sender, from)
		if err != nil {
			return domain.Verification{From: from}, fmt.Errorf("verify: sender %s linked to %s: %w", sender, from, err)
		}
		if !linked {
			return refuse(from, evidence+"; Sender "+sender,
				fmt.Sprintf("the Sender %s is not an account linked to the shared mailbox %s", sender, from)), nil
		}
		evidence += "; Sender " + sender + " is linked to " + from
	}
	return domain.Verification{Verified: true, From: from, Evidence: evidence,
		Signatures: alignedSignatures(env.Headers, want)}, nil
}

func refuse(from, evidence, failure string) domain.Verification {
	return domain.Verification{From: from, Evidence: evidence, Failure: failure}
}
