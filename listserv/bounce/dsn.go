package bounce

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"regexp"
	"strings"
)

// field is one "Name: value" line of a report body, unfolded, with its name
// in lower case. A field with an empty name stands for a blank line, which
// separates the per-message block from the per-recipient blocks and those
// from each other (RFC 3464 §2.1).
type field struct {
	name, value string
}

// maxFieldBytes bounds an unfolded field: nothing Parse keeps is longer, and
// unbounded folding would make a hostile report quadratic.
const maxFieldBytes = 4096

// scanFields reads the fields of a delivery-status, feedback-report or
// disposition-notification body. Lines that are not fields (prose some MTAs
// put there) are skipped; folded lines are unfolded (RFC 3464 §2.1 uses the
// RFC 822 header syntax).
func scanFields(body string) []field {
	body = unwrapEmbeddedEncoding(body)
	var fs []field
	cur := -1 // the field a folded line continues
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.TrimSpace(line) == "":
			cur = -1
			if len(fs) > 0 && fs[len(fs)-1].name != "" {
				fs = append(fs, field{})
			}
		case line[0] == ' ' || line[0] == '\t':
			if cur >= 0 && len(fs[cur].value) < maxFieldBytes {
				fs[cur].value = strings.TrimSpace(fs[cur].value + " " + strings.TrimSpace(line))
			}
		default:
			name, value, ok := fieldLine(line)
			if !ok {
				cur = -1
				continue
			}
			fs = append(fs, field{name: strings.ToLower(name), value: value})
			cur = len(fs) - 1
		}
	}
	return fs
}

var reEmbeddedEncoding = regexp.MustCompile(`(?im)^content-transfer-encoding[ \t]*:[ \t]*(base64|quoted-printable)[ \t]*$`)

// unwrapEmbeddedEncoding decodes a report body that was transfer-encoded a
// second time inside the part: some filters (Proofpoint, seen in the wild)
// re-encode the per-recipient blocks and leave a Content-Transfer-Encoding
// line, then a blank line, then base64, inside the delivery-status body.
func unwrapEmbeddedEncoding(body string) string {
	loc := reEmbeddedEncoding.FindStringSubmatchIndex(body)
	if loc == nil {
		return body
	}
	enc := strings.ToLower(body[loc[2]:loc[3]])
	rest := body[loc[1]:]
	blank := strings.Index(rest, "\n\n")
	if blank < 0 {
		return body
	}
	encoded := rest[blank+2:]
	var decoded []byte
	if enc == "base64" {
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, encoded)
		decoded = make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, _ := base64.StdEncoding.Decode(decoded, []byte(clean))
		decoded = decoded[:n]
	} else {
		decoded, _ = io.ReadAll(quotedprintable.NewReader(strings.NewReader(encoded)))
	}
	if len(decoded) == 0 {
		return body
	}
	return body[:loc[0]] + "\n" + toText(decoded)
}

// dsnBlock is one per-recipient block of a delivery-status body.
type dsnBlock struct {
	final, original, action, status, diag, altDiag string
}

func (b *dsnBlock) named() bool { return b.final != "" || b.original != "" }

// dsnBlocks groups fields into per-recipient blocks. Blocks are separated by
// blank lines (RFC 3464 §2.1), but some MTAs leave those out, so a block also
// ends where a second Final-Recipient or Original-Recipient begins, or where
// one follows the Action or Status of a block that already names its
// recipient.
func dsnBlocks(fs []field) []dsnBlock {
	var blocks []dsnBlock
	var cur dsnBlock
	end := func() {
		if cur.named() {
			blocks = append(blocks, cur)
		}
		cur = dsnBlock{}
	}
	for _, f := range fs {
		switch f.name {
		case "":
			end()
		case "final-recipient":
			if cur.final != "" || (cur.named() && (cur.action != "" || cur.status != "")) {
				end()
			}
			cur.final = f.value
		case "original-recipient":
			if cur.original != "" || (cur.named() && (cur.action != "" || cur.status != "")) {
				end()
			}
			cur.original = f.value
		case "action":
			if cur.action == "" {
				cur.action = f.value
			}
		case "status":
			if cur.status == "" {
				cur.status = f.value
			}
		case "diagnostic-code":
			if cur.diag == "" {
				cur.diag = f.value
			}
		case "x-exim-diagnostic", "x-supplementary-info", "x-diagnostic":
			if cur.altDiag == "" {
				cur.altDiag = f.value
			}
		}
	}
	end()
	return blocks
}

var reDSNAddressField = regexp.MustCompile(`(?im)^(?:final|original)-recipient[ \t]*:`)
var reDSNActionField = regexp.MustCompile(`(?im)^(?:action|status)[ \t]*:[ \t]*\S`)

// looksLikeDSN reports whether text, labelled as something else (text/plain,
// or no MIME at all), carries delivery-status fields.
func looksLikeDSN(text string) bool {
	return reDSNAddressField.MatchString(text) && reDSNActionField.MatchString(text)
}

// dsnRecipients reads every delivery-status part of the message, and every
// text part that is one in all but its label. The recipients are not yet
// finished (see Recipient.finish).
func (m *mailMessage) dsnRecipients() []Recipient {
	var bodies []string
	for _, p := range m.reports {
		if strings.HasSuffix(p.mediaType, "delivery-status") {
			bodies = append(bodies, p.text)
		}
	}
	for _, p := range m.texts {
		if p.mediaType != "text/html" && looksLikeDSN(p.text) {
			body, _ := splitInlineCopy(p.text)
			bodies = append(bodies, body)
		}
	}
	var out []Recipient
	seen := map[string]int{}
	for _, body := range bodies {
		for _, b := range dsnBlocks(scanFields(body)) {
			// RFC 3464 §2.3.2: Final-Recipient is the address the reporting
			// MTA tried; Original-Recipient what the sender gave, if known.
			addr := dsnAddress(b.final)
			if addr == "" {
				addr = dsnAddress(b.original)
			}
			if addr == "" {
				continue
			}
			diag := dsnDiagnostic(b.diag)
			if diag == "" {
				diag = dsnDiagnostic(b.altDiag)
			}
			rc := Recipient{
				Address:    addr,
				Status:     statusField(b.status),
				Action:     normalizeAction(b.action),
				Diagnostic: diag,
			}
			key := strings.ToLower(addr)
			if i, dup := seen[key]; dup {
				out[i].fillFrom(rc)
				continue
			}
			seen[key] = len(out)
			out = append(out, rc)
		}
	}
	return out
}

// fillFrom completes what rc lacks from other, a second report on the same
// recipient.
func (rc *Recipient) fillFrom(other Recipient) {
	if rc.Status == "" {
		rc.Status = other.Status
	}
	if rc.Action == "" {
		rc.Action = other.Action
	}
	if rc.Diagnostic == "" {
		rc.Diagnostic = other.Diagnostic
	}
}

// dsnAddress reads an address-type field (RFC 3464 §2.3.1-2.3.2:
// "rfc822; user@example.com", any case, with or without spaces and angle
// brackets; RFC 6533 §3 "utf-8; ..." with \x{HHHH} escapes).
func dsnAddress(v string) string {
	v = strings.TrimSpace(v)
	if typ, addr, ok := strings.Cut(v, ";"); ok && isAtom(strings.TrimSpace(typ)) {
		v = addr
		if strings.EqualFold(strings.TrimSpace(typ), "utf-8") {
			v = decodeUnitext(v)
		}
	}
	return normalizeAddress(v)
}

// dsnDiagnostic reads a Diagnostic-Code (RFC 3464 §2.3.6: "smtp; 550 ..."),
// dropping the diagnostic type.
func dsnDiagnostic(v string) string {
	v = strings.TrimSpace(v)
	if typ, text, ok := strings.Cut(v, ";"); ok && isAtom(strings.TrimSpace(typ)) {
		v = text
	}
	return oneLine(v)
}

// isAtom reports whether s could be an address or diagnostic type
// ("rfc822", "smtp", "X-Postfix").
func isAtom(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

var reUnitext = regexp.MustCompile(`\\x\{([0-9A-Fa-f]{1,6})\}`)

// decodeUnitext undoes the \x{HHHH} escapes of RFC 6533 §3 utf-8 addresses.
func decodeUnitext(s string) string {
	return reUnitext.ReplaceAllStringFunc(s, func(esc string) string {
		var r rune
		for _, c := range esc[3 : len(esc)-1] {
			r <<= 4
			switch {
			case c >= '0' && c <= '9':
				r |= c - '0'
			case c >= 'a' && c <= 'f':
				r |= c - 'a' + 10
			case c >= 'A' && c <= 'F':
				r |= c - 'A' + 10
			}
		}
		if r > 0x10FFFF || r < 0x20 {
			return ""
		}
		return string(r)
	})
}

// normalizeAction reads an Action field (RFC 3464 §2.3.3), keeping the
// first word in lower case; a few MTAs write "failure" or "delay".
func normalizeAction(v string) string {
	f := strings.Fields(strings.ToLower(v))
	if len(f) == 0 {
		return ""
	}
	switch a := strings.Trim(f[0], "(),;."); a {
	case "failed", "failure", "fail":
		return "failed"
	case "delayed", "delay":
		return "delayed"
	case "delivered", "relayed", "expanded":
		return a
	}
	return ""
}
