package mailmsg

import (
	"bytes"
	"io"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// wordDecoder decodes RFC 2047 encoded words in every charset go-message
// knows (ISO-8859-x, windows-125x, KOI8, the CJK ones, …), not only the
// three the standard library handles by itself.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// DecodeWords decodes the RFC 2047 encoded words of a header value. ok is
// false when one of them does not decode (an unknown charset, a broken
// encoding): s is then returned as written, so that a reader never shows
// half of a value.
func DecodeWords(s string) (text string, ok bool) {
	if !strings.Contains(s, "=?") {
		return s, true
	}
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s, false
	}
	return d, true
}

// Text makes a header value fit to show on one line: encoded words
// decoded (RFC 2047 §6), raw 8-bit bytes read as UTF-8 when they are
// (RFC 6532), else as Windows-1252 (what old mailers wrote without
// saying), and every run of white space or control characters one space.
func Text(s string) string {
	s, _ = DecodeWords(s)
	if !utf8.ValidString(s) {
		s = Windows1252(s)
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// Windows1252 reads s as Windows-1252, the most common undeclared charset
// in old mail; text it cannot read comes back with U+FFFD in place.
func Windows1252(s string) string {
	if d, ok := Convert("windows-1252", []byte(s)); ok {
		return d
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Convert decodes b from charset cs; ok is false when cs is unknown or
// the decoder fails.
func Convert(cs string, b []byte) (string, bool) {
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err != nil || r == nil {
		return "", false
	}
	d, err := io.ReadAll(r)
	if err != nil {
		return "", false
	}
	return string(d), true
}
