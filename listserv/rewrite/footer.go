package rewrite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/mailmsg"
)

// Placement says where, if anywhere, the footer went in a copy.
type Placement int

const (
	// FooterNone: the list has no footer.
	FooterNone Placement = iota
	// FooterAppended: the footer was appended to a plain 7bit/8bit
	// text/plain body, in the body's own line endings.
	FooterAppended
	// FooterPart: the post is multipart/mixed and the footer became a new
	// text/plain part before its closing boundary.
	FooterPart
	// FooterWrapped: the post's body became the first part of a new
	// multipart/mixed whose second part is the footer.
	FooterWrapped
	// FooterSkippedSigned: the post is signed or encrypted and is relayed
	// untouched.
	FooterSkippedSigned
	// FooterSkippedUnsafe: the post's MIME structure could not be read
	// safely (bad Content-Type, missing boundary, truncated multipart,
	// message/partial…) and is relayed untouched.
	FooterSkippedUnsafe
)

func (p Placement) String() string {
	switch p {
	case FooterNone:
		return "none"
	case FooterAppended:
		return "appended"
	case FooterPart:
		return "part"
	case FooterWrapped:
		return "wrapped"
	case FooterSkippedSigned:
		return "skipped-signed"
	case FooterSkippedUnsafe:
		return "skipped-unsafe"
	}
	return "Placement(" + strconv.Itoa(int(p)) + ")"
}

// footerSeparator is the line Mailman puts between a post and its footer.
const footerSeparator = "_______________________________________________"

// bodyPlan is how the body of every copy is laid out, decided once per post.
type bodyPlan struct {
	placement Placement
	segments  [][]byte // the body: sub-slices of the raw post and our own bytes

	// Set when wrapping: the Content-* fields leave the top-level header
	// (they describe the first part now) and these fields replace them.
	moveContent bool
	topFields   [][]byte
}

// planBody decides where the footer goes and lays out the body. It never
// fails: whatever it cannot handle safely is relayed untouched.
func planBody(h *textproto.Header, body []byte, footer, eol, seed string) bodyPlan {
	untouched := func(p Placement) bodyPlan {
		return bodyPlan{placement: p, segments: [][]byte{body}}
	}
	footer = strings.TrimRight(strings.ReplaceAll(footer, "\r\n", "\n"), "\n")
	if strings.TrimSpace(footer) == "" {
		return untouched(FooterNone)
	}

	// More than one Content-Type or Content-Transfer-Encoding is ambiguous:
	// readers disagree on which one wins, so we cannot know what we would
	// be adding to.
	cts := h.Values("Content-Type")
	ctes := h.Values("Content-Transfer-Encoding")
	if len(cts) > 1 || len(ctes) > 1 {
		return untouched(FooterSkippedUnsafe)
	}
	mediaType, params := "text/plain", map[string]string{}
	if len(cts) == 1 {
		var err error
		mediaType, params, err = mime.ParseMediaType(cts[0])
		if err != nil {
			return untouched(FooterSkippedUnsafe)
		}
	}
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	identity := cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"

	switch mediaType {
	case "multipart/signed", "multipart/encrypted",
		"application/pkcs7-mime", "application/x-pkcs7-mime",
		"application/pgp-encrypted":
		// RFC 1847 §2.1 and RFC 8551 §3: a signature covers its part byte
		// for byte. We could wrap the signed part in a multipart/mixed and
		// it would still verify, but many clients then show the message as
		// "partly signed" or not signed at all, and the author's DKIM body
		// hash would break for nothing. Untouched is what every client can
		// verify.
		return untouched(FooterSkippedSigned)
	case "message/partial", "message/external-body":
		// RFC 2046 §5.2.2 and §5.2.3: these must stay the top-level entity
		// to be reassembled or fetched.
		return untouched(FooterSkippedUnsafe)
	}

	if strings.HasPrefix(mediaType, "multipart/") {
		// RFC 2045 §6.4: a multipart entity is never encoded.
		if !identity {
			return untouched(FooterSkippedUnsafe)
		}
		boundary := params["boundary"]
		if boundary == "" {
			return untouched(FooterSkippedUnsafe)
		}
		closeAt, ok := findClose(body, boundary)
		if !ok {
			return untouched(FooterSkippedUnsafe)
		}
		if mediaType == "multipart/mixed" {
			return insertPart(body, boundary, closeAt, footer)
		}
		return wrap(h, body, footer, eol, seed, cte)
	}

	if mediaType == "text/plain" && identity && !isAttachment(h) && canAppend(params["charset"], cte, body, footer) {
		return appendFooter(body, footer, eol)
	}
	return wrap(h, body, footer, eol, seed, cte)
}

// isAttachment reports a body that is itself a file (a single-part message
// with Content-Disposition: attachment); appending would change the file.
func isAttachment(h *textproto.Header) bool {
	cd := h.Get("Content-Disposition")
	if cd == "" {
		return false
	}
	disp, _, err := mime.ParseMediaType(cd)
	return err != nil || disp != "inline"
}

// canAppend tells whether footer can be appended to a text/plain body in
// charset without changing any header field. An ASCII footer reads the same
// in every ASCII-compatible charset. A non-ASCII footer is UTF-8, so it needs
// a UTF-8 body that is already 8bit; appending UTF-8 to a part labelled
// us-ascii (or 7bit) would mislabel it, and relabelling would touch the
// header, so such posts get the footer as a part of its own instead.
func canAppend(cs, cte string, body []byte, footer string) bool {
	cs = strings.ToLower(strings.TrimSpace(cs))
	if isASCII(footer) {
		for _, wide := range []string{"utf-16", "utf-32", "ucs-", "utf-7", "unicode"} {
			if strings.HasPrefix(cs, wide) {
				return false
			}
		}
		return true
	}
	if cs != "utf-8" && cs != "utf8" {
		return false
	}
	return cte == "8bit" || cte == "binary" || !isASCII(body)
}

func appendFooter(body []byte, footer, fallbackEOL string) bodyPlan {
	eol := bodyEOL(body, fallbackEOL)
	var b strings.Builder
	if len(body) > 0 && body[len(body)-1] != '\n' {
		b.WriteString(eol)
	}
	b.WriteString(footerSeparator)
	b.WriteString(eol)
	b.WriteString(strings.ReplaceAll(footer, "\n", eol))
	b.WriteString(eol)
	return bodyPlan{placement: FooterAppended, segments: [][]byte{body, []byte(b.String())}}
}

// findClose finds the close-delimiter line of boundary in body (RFC 2046
// §5.1.1: "--" boundary "--" at the start of a line, then only blanks) after
// at least one delimiter line, and returns the index where that line starts.
func findClose(body []byte, boundary string) (int, bool) {
	dash := []byte("--" + boundary)
	opened := false
	for pos := 0; pos < len(body); {
		end := mailmsg.LineEnd(body, pos)
		line := body[pos:end]
		if bytes.HasPrefix(line, dash) {
			rest := bytes.TrimRight(line[len(dash):], " \t\r\n")
			switch {
			case len(rest) == 0:
				opened = true
			case string(rest) == "--" && opened:
				return pos, true
			}
		}
		pos = end
	}
	return 0, false
}

// insertPart adds the footer as the last part of a multipart/mixed (RFC 2046
// §5.1.3), just before its close-delimiter; every other byte stays put.
func insertPart(body []byte, boundary string, closeAt int, footer string) bodyPlan {
	// The line break before the close-delimiter belongs to it; use the
	// same kind for the lines we add.
	eol := lf
	if closeAt >= 2 && body[closeAt-2] == '\r' {
		eol = crlf
	}
	var b strings.Builder
	b.WriteString("--" + boundary + eol)
	b.WriteString(footerPart(footer, eol))
	b.WriteString(eol)
	return bodyPlan{
		placement: FooterPart,
		segments:  [][]byte{body[:closeAt], []byte(b.String()), body[closeAt:]},
	}
}

// footerPart is the footer as a MIME entity: its header, the blank line and
// its content, without a final line break (that belongs to the delimiter
// that follows, RFC 2046 §5.1.1).
func footerPart(footer, eol string) string {
	text := footerSeparator + "\n" + footer
	cte := "7bit"
	if !isASCII(text) || hasLongLine(text) {
		// Quoted-printable keeps the part 7bit, so the copy needs no
		// 8BITMIME on any hop (RFC 2045 §6.7).
		var qp strings.Builder
		w := quotedprintable.NewWriter(&qp)
		_, _ = w.Write([]byte(text)) // a strings.Builder does not fail
		_ = w.Close()
		text = strings.TrimRight(strings.ReplaceAll(qp.String(), "\r\n", "\n"), "\n")
		cte = "quoted-printable"
	}
	var b strings.Builder
	b.WriteString(`Content-Type: text/plain; charset="utf-8"` + eol)
	b.WriteString("Content-Transfer-Encoding: " + cte + eol)
	b.WriteString("Content-Disposition: inline" + eol)
	b.WriteString(eol)
	b.WriteString(strings.ReplaceAll(text, "\n", eol))
	return b.String()
}

// wrap makes the post's body the first part of a new multipart/mixed and the
// footer its second part (RFC 2046 §5.1.3). The first part's header is the
// post's own Content-* fields, moved byte for byte, so the part reads exactly
// as the whole post did.
func wrap(h *textproto.Header, body []byte, footer, eol, seed, cte string) bodyPlan {
	var partHeader bytes.Buffer
	fields := h.Fields()
	for fields.Next() {
		if !isContentField(fields.Key()) {
			continue
		}
		raw, err := fields.Raw()
		if err != nil {
			continue // cannot happen for fields that were read, not built
		}
		partHeader.Write(withEOL(raw, eol))
	}
	boundary := newBoundary(seed, body, partHeader.Bytes())

	var open strings.Builder
	open.WriteString("--" + boundary + eol)
	open.Write(partHeader.Bytes())
	open.WriteString(eol)

	var rest strings.Builder
	rest.WriteString(eol + "--" + boundary + eol)
	rest.WriteString(footerPart(footer, eol))
	rest.WriteString(eol + "--" + boundary + "--" + eol)

	top := [][]byte{}
	if !h.Has("Mime-Version") {
		top = append(top, foldField("MIME-Version", "1.0", eol))
	}
	top = append(top, foldField("Content-Type", `multipart/mixed; boundary="`+boundary+`"`, eol))
	// RFC 2045 §6.4: a multipart is labelled with the widest encoding of
	// what it holds; the footer part is 7bit, the original body may not be.
	switch {
	case cte == "binary":
		top = append(top, foldField("Content-Transfer-Encoding", "binary", eol))
	case cte == "8bit" || !isASCII(body):
		top = append(top, foldField("Content-Transfer-Encoding", "8bit", eol))
	}
	return bodyPlan{
		placement:   FooterWrapped,
		segments:    [][]byte{[]byte(open.String()), body, []byte(rest.String())},
		moveContent: true,
		topFields:   top,
	}
}

// isContentField reports the MIME fields that describe a body (RFC 2045 §9:
// any field starting "Content-"), which travel with the body when wrapping.
func isContentField(key string) bool {
	return len(key) > len("Content-") && strings.EqualFold(key[:len("Content-")], "Content-")
}

// newBoundary derives a boundary from seed (the Message-ID) so that every
// copy of a post, and a replay after a crash, is identical. "=_" cannot occur
// in quoted-printable or base64 text, and the candidate is checked against the
// bytes it will enclose (RFC 2046 §5.1.1: it must not occur in them).
func newBoundary(seed string, body, header []byte) string {
	for n := 0; ; n++ {
		sum := sha256.Sum256([]byte(seed + "\x00" + strconv.Itoa(n)))
		b := "=_praxis_" + hex.EncodeToString(sum[:12])
		if !bytes.Contains(body, []byte(b)) && !bytes.Contains(header, []byte(b)) {
			return b
		}
	}
}

func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// hasLongLine reports a line over RFC 5322 §2.1.1's 998-character limit,
// or a character that 7bit text may not carry (RFC 2045 §2.7).
func hasLongLine(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			n = 0
			continue
		case c == 0 || c == '\r':
			return true
		}
		n++
		if n > 998 {
			return true
		}
	}
	return false
}
