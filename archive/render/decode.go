package render

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf8"

	htmlcharset "golang.org/x/net/html/charset"

	"praxis/listserv/mailmsg"
)

// transferDecode undoes a Content-Transfer-Encoding (RFC 2045 §6). It is
// lenient where the standard library stops at the first error: broken
// base64 yields what can be decoded, a stray "=" in quoted-printable is
// kept as it is. Unknown encodings ("7-bit", "x-uuencode") leave the body
// as it is, which is the best guess for the first and harmless for the
// second.
func transferDecode(enc string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return decodeBase64(body)
	case "quoted-printable":
		return decodeQP(body)
	}
	return body
}

func decodeBase64(b []byte) []byte {
	// The standard decoder skips line breaks; most bodies need no more.
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	if n, err := base64.StdEncoding.Decode(out, b); err == nil {
		return out[:n]
	}
	// Else decode the lines that are base64 and skip the others (a
	// footer appended by a list server, a stray line) — unless the body
	// does not start with a base64 line: then it was never encoded,
	// whatever its header says. A short first line ("Thanks") is taken
	// for base64 only when it is all there is.
	trimmed := bytes.TrimSpace(b)
	first, _ := cutLine(trimmed)
	first = bytes.TrimSpace(first)
	if !isBase64Line(first) || len(first) < 16 && len(first) != len(trimmed) {
		return b
	}
	clean := make([]byte, 0, len(b))
	for rest := trimmed; len(rest) > 0; {
		var line []byte
		line, rest = cutLine(rest)
		if line = bytes.TrimSpace(line); !isBase64Line(line) {
			continue
		}
		for _, c := range line {
			if c != '=' {
				clean = append(clean, c)
			}
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1] // one stray character cannot encode a byte
	}
	out = make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

// isBase64Line tells whether a line holds only the base64 alphabet
// (RFC 2045 §6.8, table 1) and padding.
func isBase64Line(line []byte) bool {
	for _, c := range line {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '+', c == '/', c == '=':
		default:
			return false
		}
	}
	return true
}

// decodeQP decodes quoted-printable (RFC 2045 §6.7): "=XX" is a byte,
// "=" at the end of a line (after optional white space) is a soft line
// break, and anything else is kept literally.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		switch {
		case j == len(b):
			i = j - 1
		case b[j] == '\n':
			i = j
		case b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n':
			i = j + 1
		case b[j] == '\r':
			i = j
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// text returns a text/* entity's content as UTF-8: decoded from its
// declared charset, or, when there is none or it is unknown or wrong,
// as UTF-8 if it is valid UTF-8, else (HTML) what its <meta> says, else
// as Windows-1252, the most common undeclared charset in old mail. Line
// ends become "\n" and control characters other than tab are removed.
func (e *entity) text() string {
	if e.txt == nil {
		s := cleanText(e.utf8())
		e.txt = &s
	}
	return *e.txt
}

// utf8 returns a text/* entity's content converted to UTF-8 (see text),
// without other changes.
func (e *entity) utf8() string {
	b := e.content()
	cs := strings.ToLower(strings.TrimSpace(e.params["charset"]))
	var s string
	var ok bool
	switch cs {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unicode-1-1-utf-8":
	default:
		s, ok = mailmsg.Convert(cs, b)
		if ok && strings.Count(s, "\uFFFD") > bytes.Count(b, []byte("\uFFFD")) {
			// The declared charset is wrong. Mislabelled UTF-8 is
			// common, and so are the relatives of the label.
			s, ok = relabel(cs, b, s)
		}
	}
	if !ok {
		switch {
		case looksUTF8(b):
			s = string(b)
		case e.mediaType == "text/html":
			enc, _, _ := htmlcharset.DetermineEncoding(b, "text/html")
			d, err := enc.NewDecoder().Bytes(b)
			if err != nil {
				d = b
			}
			s = string(d)
		default:
			s, _ = mailmsg.Convert("windows-1252", b)
		}
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// relatives are the charsets tried when text does not decode in the one
// it declares: Japanese mail labelled ISO-2022-JP is often EUC-JP or
// Shift_JIS, GB2312 is often GB18030.
var relatives = map[string][]string{
	"iso-2022-jp": {"euc-jp", "shift_jis"},
	"euc-jp":      {"shift_jis", "iso-2022-jp"},
	"shift_jis":   {"euc-jp", "iso-2022-jp"},
	"gb2312":      {"gb18030"},
	"gbk":         {"gb18030"},
	"big5":        {"big5-hkscs"},
}

// relabel decodes b that did not decode cleanly as cs (giving s): as
// UTF-8 if it is valid UTF-8, else in a relative of cs that decodes it
// cleanly, else as s after all. ok is false to ask for the undeclared
// path (UTF-8 that is almost valid).
func relabel(cs string, b []byte, s string) (string, bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	for _, r := range relatives[cs] {
		if d, ok := mailmsg.Convert(r, b); ok && !strings.Contains(d, "\uFFFD") {
			return d, true
		}
	}
	if looksUTF8(b) {
		return "", false
	}
	return s, true
}

// looksUTF8 tells whether b is UTF-8, perhaps with a few broken bytes:
// valid multi-byte sequences outnumber invalid bytes.
func looksUTF8(b []byte) bool {
	good, bad := 0, 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			bad++
		case n > 1:
			good++
		}
		b = b[n:]
	}
	return bad == 0 || good > bad
}

// cleanText makes decoded text safe to lay out: valid UTF-8, "\n" line
// ends, no byte order mark and no control characters but tab and newline.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsFunc(s, needsCleaning) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), r == '\uFEFF':
			return -1
		}
		return r
	}, s)
}

// needsCleaning reports the characters cleanText changes; U+FEFF is a
// byte order mark, or a zero-width space that some mailers scatter.
func needsCleaning(r rune) bool {
	return r != '\n' && r != '\t' && unicode.IsControl(r) || r == '\uFEFF'
}
