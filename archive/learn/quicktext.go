package learn

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// QuickText is firstText the quick way, for the posts read only to count
// their words: it looks up Content-Type and Content-Transfer-Encoding
// without building a header (a list post carries kilobytes of Received,
// DKIM and ARC fields) and follows the first part of each multipart down
// to a text/plain part. Anything it does not expect (no text/plain first,
// an unknown encoding) sends the post to go-message (firstText).
func QuickText(raw []byte) string {
	if t, ok := quickPart(raw, 0); ok {
		return t
	}
	return firstText(raw)
}

func quickPart(ent []byte, depth int) (string, bool) {
	if depth > 4 {
		return "", false
	}
	head, body := splitHeader(ent)
	ct := headerValue(head, "content-type")
	mt, params := "text/plain", map[string]string{}
	if ct != "" {
		var err error
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return "", false
		}
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		b := params["boundary"]
		if b == "" {
			return "", false
		}
		part, ok := firstPart(body, b)
		if !ok {
			return "", false
		}
		return quickPart(part, depth+1)
	case mt != "text/plain":
		return "", false
	}
	if d := strings.ToLower(headerValue(head, "content-disposition")); strings.HasPrefix(d, "attachment") {
		return "", false
	}
	if len(body) > maxText {
		body = body[:maxText]
	}
	var r io.Reader = bytes.NewReader(body)
	switch strings.ToLower(strings.TrimSpace(headerValue(head, "content-transfer-encoding"))) {
	case "", "7bit", "8bit", "binary":
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &spaceless{r: r})
	default:
		return "", false
	}
	switch cs := strings.ToLower(params["charset"]); cs {
	case "", "us-ascii", "utf-8", "utf8", "ascii":
	default:
		cr, err := charset.Reader(cs, r)
		if err != nil {
			return "", false
		}
		r = cr
	}
	b, err := io.ReadAll(r)
	if err != nil && len(b) == 0 {
		return "", false
	}
	if !utf8.Valid(b) {
		return toUTF8(b), true
	}
	return string(b), true
}

// splitHeader splits an entity at the first empty line (CRLF or LF).
func splitHeader(ent []byte) (head, body []byte) {
	if bytes.HasPrefix(ent, []byte("\n")) || bytes.HasPrefix(ent, []byte("\r\n")) {
		_, body, _ = bytes.Cut(ent, []byte("\n"))
		return nil, body
	}
	i := bytes.Index(ent, []byte("\n\n"))
	j := bytes.Index(ent, []byte("\n\r\n"))
	switch {
	case i < 0 && j < 0:
		return ent, nil
	case j >= 0 && (i < 0 || j < i):
		return ent[:j+1], ent[j+3:]
	}
	return ent[:i+1], ent[i+2:]
}

// headerValue finds a field in a raw header (case-insensitive), unfolded.
func headerValue(head []byte, name string) string {
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte("\n"))
		head = rest
		if len(line) <= len(name) || line[len(name)] != ':' || !strings.EqualFold(string(line[:len(name)]), name) {
			continue
		}
		v := strings.TrimSpace(string(line[len(name)+1:]))
		for len(head) > 0 && (head[0] == ' ' || head[0] == '\t') {
			line, head, _ = bytes.Cut(head, []byte("\n"))
			v += " " + strings.TrimSpace(string(line))
		}
		return v
	}
	return ""
}

// firstPart returns the first body part of a multipart body.
func firstPart(body []byte, boundary string) ([]byte, bool) {
	delim := []byte("--" + boundary)
	// The first delimiter starts a line.
	i := 0
	for {
		k := bytes.Index(body[i:], delim)
		if k < 0 {
			return nil, false
		}
		k += i
		if k == 0 || body[k-1] == '\n' {
			i = k + len(delim)
			break
		}
		i = k + len(delim)
	}
	nl := bytes.IndexByte(body[i:], '\n')
	if nl < 0 {
		return nil, false
	}
	start := i + nl + 1
	end := bytes.Index(body[start:], append([]byte("\n"), delim...))
	if end < 0 {
		return body[start:], true
	}
	part := body[start : start+end]
	return bytes.TrimSuffix(part, []byte("\r")), true
}

// spaceless drops whitespace from base64 text.
type spaceless struct{ r io.Reader }

func (s *spaceless) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			p[j] = c
			j++
		}
	}
	return j, err
}
