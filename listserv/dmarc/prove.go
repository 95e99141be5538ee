package dmarc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// Proof is what one valid DKIM signature aligned with an author's domain
// establishes about a message: which header fields it covers, and a key
// that names this one signature, so that a replay of the same signed mail
// can be recognised.
type Proof struct {
	// Domain is the signing domain (d=), lower case.
	Domain string
	// Covered counts, per lower-case field name, the instances of the field
	// the signature covers. RFC 6376 §5.4.2: a name listed n times in h=
	// covers the n bottom-most instances; a name listed more often than the
	// field occurs ("over-signing") also forbids adding one.
	Covered map[string]int
	// Key is the hex SHA-256 of the signature's b= value, decoded: unique
	// to this signature however its base64 is spelt.
	Key string
	// Time is the signature's t=, zero when absent.
	Time time.Time
}

// Covers reports whether every instance of the field name in fields (the
// message's header, as Fields reads it) is covered by the signature, and
// there is at least one. A field added above a signed copy is not covered:
// it is how a signed mail is replayed with other words in it.
func (p *Proof) Covers(fields []Field, name string) bool {
	n := CountFields(fields, name)
	return n > 0 && n <= p.Covered[strings.ToLower(name)]
}

// CoversAll is Covers for each name that occurs; names absent from the
// header are fine (nothing unsigned of that name can be read).
func (p *Proof) CoversAll(fields []Field, names ...string) bool {
	for _, name := range names {
		if n := CountFields(fields, name); n > p.Covered[strings.ToLower(name)] {
			return false
		}
	}
	return true
}

// Field is one header field as a DKIM verifier reads it: the name with
// surrounding space trimmed, and the rest of its lines.
type Field struct {
	Name  string
	value []byte // after the colon, folded lines included
}

// Value is the field's value, unfolded and trimmed.
func (f Field) Value() string {
	return strings.Join(strings.Fields(string(f.value)), " ")
}

// Fields reads the header block of raw the way DKIM verification does
// (RFC 6376 §3.4.2 field names, up to the first empty line), which is not
// always the way a lenient MIME reader does: a field after a malformed
// line, or written "From :", still counts here. Deciding who wrote a
// message from what the verifier saw closes the gap between the From a
// reader shows and the From a signature covered. Linear in the header's
// size, whatever its lines.
func Fields(raw []byte) []Field {
	var out []Field
	for off := 0; off < len(raw); {
		end := len(raw)
		next := len(raw)
		if i := bytes.IndexByte(raw[off:], '\n'); i >= 0 {
			end, next = off+i, off+i+1
		}
		line := bytes.TrimSuffix(raw[off:end], []byte("\r"))
		if len(line) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			// A folded line: the previous field's value runs on.
			f := &out[len(out)-1]
			f.value = f.value[:len(f.value)+(end-off)+1]
		} else {
			name, _, _ := bytes.Cut(line, []byte(":"))
			vstart := off + len(name)
			if vstart < end {
				vstart++ // the colon
			}
			// The value slice keeps raw behind it as capacity, so the
			// folded lines that follow extend it in place.
			out = append(out, Field{Name: string(bytes.TrimSpace(name)), value: raw[vstart:end:len(raw)]})
		}
		off = next
	}
	return out
}

// CountFields counts the instances of a field, by name in any case.
func CountFields(fields []Field, name string) int {
	n := 0
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			n++
		}
	}
	return n
}

// Prove verifies raw's DKIM signatures and returns a Proof for each valid
// one aligned (relaxed, RFC 7489 §3.1.1) with fromDomain, whatever the
// domain's DMARC policy. It is what Praxis asks of mail that acts on the
// sender's word alone: the signature must cover the words that act, not
// just the From.
func (c *Checker) Prove(ctx context.Context, raw []byte, fromDomain string) []Proof {
	from, err := normalize(fromDomain)
	if err != nil {
		return nil
	}
	lookup := func(name string) ([]string, error) {
		qctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
		return c.r.LookupTXT(qctx, strings.TrimSuffix(name, ".")+".")
	}
	vs, _ := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: maxSignatures})
	// The verifier returns one result per DKIM-Signature field, top to
	// bottom, for the first maxSignatures of them; the fields are read here
	// the same way to find each one's b= value.
	var sigs []string
	for _, f := range Fields(raw) {
		if strings.EqualFold(f.Name, "DKIM-Signature") {
			sigs = append(sigs, f.Value())
		}
	}
	var out []Proof
	for i, v := range vs {
		if v.Err != nil || i >= len(sigs) {
			continue
		}
		d := strings.ToLower(strings.TrimSuffix(v.Domain, "."))
		if !aligned(d, from, AlignRelaxed) {
			continue
		}
		// The key is of the signature's bytes, not its text: base64 has
		// several spellings of the same bytes (the unused bits of the last
		// digit), and each would otherwise be a new signature to a cache.
		b, err := base64.StdEncoding.DecodeString(signatureValue(sigs[i]))
		if err != nil || len(b) == 0 {
			continue
		}
		sum := sha256.Sum256(b)
		p := Proof{Domain: d, Covered: map[string]int{}, Key: hex.EncodeToString(sum[:]), Time: v.Time}
		for _, k := range v.HeaderKeys {
			p.Covered[strings.ToLower(strings.TrimSpace(k))]++
		}
		out = append(out, p)
	}
	return out
}

// signatureValue returns the b= tag of a DKIM-Signature field value with
// its whitespace removed (RFC 6376 §3.5: FWS may appear anywhere in it).
func signatureValue(v string) string {
	for _, tag := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(tag, "=")
		if ok && strings.TrimSpace(k) == "b" {
			return strings.Join(strings.Fields(val), "")
		}
	}
	return ""
}
