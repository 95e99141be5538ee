package digest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	"github.com/jordan-wright/email"
)

// Envelope is what a summary mail carries besides the summary: who it is
// from and to, and the list headers. The caller (the scheduler) knows the
// list's addresses and the member's personal unsubscribe link.
type Envelope struct {
	From string // "USRP-users <usrp-users-request@lists.ettus.com>"
	To   string // the member's address
	// ListID is the List-Id field's value, `Title <cop.example.org>`
	// (RFC 2919).
	ListID string
	// Unsubscribe is the member's one-click https link; UnsubscribeMailto
	// the mailto: one. Both go into List-Unsubscribe (RFC 2369); with an
	// https link, List-Unsubscribe-Post says it takes a one-click POST
	// (RFC 8058 §3.1).
	Unsubscribe, UnsubscribeMailto string
	// ListArchive, when set, becomes List-Archive (RFC 2369).
	ListArchive string
	// Precedence is "list" (the default) or "bulk".
	Precedence string
	// Date and MessageID (without angle brackets) default to now and a
	// new id at the list's domain; tests fix them.
	Date      time.Time
	MessageID string
}

// headerOrder is the order Compose writes header fields in, the way
// people expect to read them; fields not named keep their relative
// order after these.
var headerOrder = []string{"From", "To", "Subject", "Date", "Message-Id", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"List-Archive", "Precedence", "Auto-Submitted", "X-Auto-Response-Suppress", "Mime-Version", "Content-Type", "Content-Transfer-Encoding"}

// Compose writes the summary as a complete RFC 5322 message for one
// reader: multipart/alternative of the plain text and the HTML, the list
// headers from the envelope, Precedence (RFC 2076) and Auto-Submitted:
// auto-generated (RFC 3834 §5), so vacation responders stay quiet.
//
// The message is made with jordan-wright/email; its header order (a map)
// and MIME boundaries (random) are then made stable, so the same summary
// gives the same bytes, and a replay after a crash sends an identical
// message.
func Compose(s *Summary, env Envelope) ([]byte, error) {
	if env.From == "" || env.To == "" {
		return nil, errors.New("digest: compose: From and To are required")
	}
	if env.Unsubscribe != "" && s.Unsubscribe == "" {
		c := *s
		c.Unsubscribe = env.Unsubscribe
		s = &c
	}
	text, err := RenderText(s)
	if err != nil {
		return nil, err
	}
	html, err := RenderHTML(s)
	if err != nil {
		return nil, err
	}
	e := email.NewEmail()
	e.From = env.From
	e.To = []string{env.To}
	e.Subject = Subject(s)
	e.Text = []byte(strings.ReplaceAll(text, "\n", "\r\n"))
	e.HTML = []byte(strings.ReplaceAll(html, "\n", "\r\n"))
	date := env.Date
	if date.IsZero() {
		date = time.Now()
	}
	e.Headers.Set("Date", date.UTC().Format(time.RFC1123Z))
	id := env.MessageID
	if id == "" {
		id = newMessageID(s.List.Address, date, text)
	}
	e.Headers.Set("Message-Id", "<"+strings.Trim(id, "<>")+">")
	if env.ListID != "" {
		e.Headers.Set("List-Id", env.ListID)
	}
	var unsub []string
	if env.Unsubscribe != "" {
		unsub = append(unsub, "<"+env.Unsubscribe+">")
	}
	if env.UnsubscribeMailto != "" {
		m := env.UnsubscribeMailto
		if !strings.HasPrefix(m, "mailto:") {
			m = "mailto:" + m
		}
		unsub = append(unsub, "<"+m+">")
	}
	if len(unsub) > 0 {
		e.Headers.Set("List-Unsubscribe", strings.Join(unsub, ", "))
	}
	if strings.HasPrefix(env.Unsubscribe, "https://") {
		e.Headers.Set("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	if env.ListArchive != "" {
		e.Headers.Set("List-Archive", "<"+env.ListArchive+">")
	}
	prec := env.Precedence
	if prec == "" {
		prec = "list"
	}
	e.Headers.Set("Precedence", prec)
	e.Headers.Set("Auto-Submitted", "auto-generated")
	// Outlook's equivalent of RFC 3834: no out-of-office replies.
	e.Headers.Set("X-Auto-Response-Suppress", "OOF, AutoReply")
	raw, err := e.Bytes()
	if err != nil {
		return nil, fmt.Errorf("digest: compose: %w", err)
	}
	return stabilize(raw)
}

// newMessageID makes a Message-ID at the list's domain from the date and
// the content, so that composing the same summary twice gives one id.
func newMessageID(list string, date time.Time, text string) string {
	domain := "localhost"
	if at := strings.LastIndexByte(list, '@'); at >= 0 {
		domain = list[at+1:]
	}
	sum := sha256.Sum256([]byte(list + "\n" + date.UTC().Format(time.RFC3339) + "\n" + text))
	return "summary." + date.UTC().Format("20060102T150405") + "." + hex.EncodeToString(sum[:8]) + "@" + domain
}

var boundaryParam = regexp.MustCompile(`boundary=([0-9a-f]{20,})`)

// stabilize rewrites a message made by jordan-wright/email: the header
// fields in headerOrder, and each random MIME boundary replaced by one
// derived from the body (a boundary may be any string that does not
// occur in the body; RFC 2046 §5.1.1).
func stabilize(raw []byte) ([]byte, error) {
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		return nil, errors.New("digest: compose: no header")
	}
	head, body := raw[:i+2], raw[i+4:]
	// Fields with their continuation lines.
	var fields [][]byte
	for _, line := range bytes.SplitAfter(head, []byte("\r\n")) {
		if len(line) == 0 {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1] = append(fields[len(fields)-1], line...)
			continue
		}
		fields = append(fields, append([]byte(nil), line...))
	}
	rank := func(f []byte) int {
		name := f
		if c := bytes.IndexByte(f, ':'); c >= 0 {
			name = f[:c]
		}
		key := textproto.CanonicalMIMEHeaderKey(string(name))
		for i, h := range headerOrder {
			if h == key {
				return i
			}
		}
		return len(headerOrder)
	}
	ordered := make([][]byte, 0, len(fields))
	for r := 0; r <= len(headerOrder); r++ {
		var same [][]byte
		for _, f := range fields {
			if rank(f) == r {
				same = append(same, f)
			}
		}
		if r == len(headerOrder) {
			// Unknown fields: sorted by name for stability.
			sortFields(same)
		}
		ordered = append(ordered, same...)
	}
	out := bytes.Join(ordered, nil)
	out = append(out, "\r\n"...)
	out = append(out, body...)
	// The new boundaries come from the body without the random ones.
	matches := boundaryParam.FindAllSubmatch(out, -1)
	plain := body
	for _, m := range matches {
		plain = bytes.ReplaceAll(plain, m[1], nil)
	}
	sum := sha256.Sum256(plain)
	n := 0
	for _, m := range matches {
		old := string(m[1])
		nb := fmt.Sprintf("=_praxis_%x_%d", sum[:10], n)
		n++
		out = bytes.ReplaceAll(out, []byte("boundary="+old), []byte(`boundary="`+nb+`"`))
		out = bytes.ReplaceAll(out, []byte("--"+old), []byte("--"+nb))
	}
	return out, nil
}

func sortFields(fs [][]byte) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && bytes.Compare(fs[j-1], fs[j]) > 0; j-- {
			fs[j-1], fs[j] = fs[j], fs[j-1]
		}
	}
}

// FormatAddress writes a display name and address as a From or To value,
// quoting and encoding the name as RFC 5322 and RFC 2047 need.
func FormatAddress(name, addr string) string {
	return (&mail.Address{Name: name, Address: addr}).String()
}
