package archive

import (
	"bytes"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"praxis/archive/learn"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Read fills what the archive keeps of a post from its bytes. now is when
// it arrived: a Date that is missing or wildly wrong (before 1990, or more
// than a day ahead) is replaced by it for sorting, the original kept.
// domain names the generated Message-ID of a post without one, which is
// derived from the content so that importing the same file twice gives
// the same id.
func Read(raw []byte, now time.Time, domain string) *store.ArchivedPost {
	h := mailmsg.HeaderOf(raw)
	mh := mail.Header{Header: message.Header{Header: h}}
	p := &store.ArchivedPost{}

	p.MessageID = cleanID(h.Get("Message-Id"))
	if p.MessageID == "" {
		p.MessageID = mailmsg.ContentID(raw, domain)
	}
	// The From field as written, munged by a list or not: IMAP's FROM
	// and SORT answer for the field (RFC 3501 §6.4.4); the index and the
	// pages read the author through the munging (mailmsg.RealAuthor).
	p.FromAddr, p.FromName = mailmsg.Author(h)
	p.FromAddr = strings.ToLower(p.FromAddr)
	p.Subject = mailmsg.Subject(h)
	p.NormSubject, p.IsReply = normSubject(p.Subject)

	p.OrigDate = strings.TrimSpace(h.Get("Date"))
	p.Date = now.UTC()
	if d, err := mh.Date(); err == nil && d.Year() >= 1990 && d.Before(now.Add(24*time.Hour)) {
		p.Date = d.UTC()
	}

	p.Refs = references(h.Get("In-Reply-To"), h.Values("References"), p.MessageID)
	p.Attachments = attachmentNames(mh, raw)
	p.Features = Features(p, raw)
	return p
}

// Features works out what the learning summaries read of a post (its own
// text, its terms, the judgements of its words), once, as it is archived.
func Features(p *store.ArchivedPost, raw []byte) *store.PostFeatures {
	own, terms := learn.PostText(p.Subject, raw)
	lp := &learn.Post{FromAddr: p.FromAddr, FromName: p.FromName, Subject: p.Subject, Body: own}
	return &store.PostFeatures{Version: learn.FeaturesVersion, Own: own, Terms: terms, Flags: int64(learn.Judge(lp)), Links: Links(own)}
}

// MessageIDs are the <ids> of a field (In-Reply-To, References), as the
// archive reads them.
func MessageIDs(field string) []string { return msgIDs(field) }

// msgIDs pulls the <ids> out of a field, ignoring the comments and stray
// words some clients put there.
func msgIDs(v string) []string {
	var out []string
	eachMsgID(v, func(id string) bool {
		out = append(out, id)
		return true
	})
	return out
}

// eachMsgID calls f with each <id> of a field in order, until f returns
// false: what is between < and > without spaces, that has an @ or is
// long enough not to be a stray word (RFC 5322 §3.6.4's msg-id, read
// leniently as clients write it). It scans the text once and keeps none
// of it, so a field of any length costs no more memory than its ids.
func eachMsgID(v string, f func(id string) bool) {
	for i := 0; i < len(v); {
		if v[i] != '<' {
			i++
			continue
		}
		j := i + 1
		for j < len(v) && !isIDStop(v[j]) {
			j++
		}
		switch {
		case j < len(v) && v[j] == '>' && j > i+1:
			if id := v[i+1 : j]; strings.Contains(id, "@") || len(id) > 6 {
				if !f(id) {
					return
				}
			}
			i = j + 1
		case j < len(v) && v[j] == '<':
			i = j // a new id may start here
		default:
			i = j + 1
		}
	}
}

// isIDStop tells the bytes that end an id: its brackets and white space.
func isIDStop(c byte) bool {
	switch c {
	case '<', '>', ' ', '\t', '\r', '\n', '\f':
		return true
	}
	return false
}

// references gives a post's threading input from its In-Reply-To and
// References fields, the closest ancestor first, each once, never the
// post itself, and at most store.MaxRefs of them: In-Reply-To's first id
// (the parent, RFC 5322 §3.6.4), then the last ids of References (the
// nearest ancestors), and its first id (the thread's root) last, as JWZ
// threading keeps them. Ids longer than store.MaxRefLen are skipped: no
// client makes them, and none would match. A References field of a
// million ids is read once and only its ends are kept, so the store's
// threading work is bounded whatever the post says.
func references(inReplyTo string, fields []string, self string) []string {
	var parent string
	eachMsgID(inReplyTo, func(id string) bool {
		if len(id) <= store.MaxRefLen {
			parent = id
			return false
		}
		return true
	})
	// The first id, and a ring of the last ones.
	var root string
	last := make([]string, store.MaxRefs)
	n := 0
	for _, v := range fields {
		eachMsgID(v, func(id string) bool {
			if len(id) > store.MaxRefLen {
				return true
			}
			if n == 0 {
				root = id
			} else {
				last[n%len(last)] = id
			}
			n++
			return true
		})
	}
	refs := make([]string, 0, store.MaxRefs)
	seen := map[string]bool{self: true}
	add := func(id string) {
		if id != "" && !seen[id] && len(refs) < store.MaxRefs-1 {
			seen[id] = true
			refs = append(refs, id)
		}
	}
	add(parent)
	for i := n - 1; i >= 1 && i > n-len(last); i-- {
		add(last[i%len(last)])
	}
	// The root goes last whatever was kept before it: a new thread is
	// named after it.
	if root != "" && !seen[root] {
		refs = append(refs, root)
	}
	return refs
}

func cleanID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	v = strings.TrimSpace(strings.Trim(strings.TrimSpace(v), "<>"))
	if v == "" || strings.ContainsAny(v, " \t\r\n") {
		return ""
	}
	return v
}

var markerRE = regexp.MustCompile(`(?i)^\s*((re|aw|sv|antw|vs|odp|fwd?)(\[\d+\]|\(\d+\))?\s*:\s*|\[[^\]]{1,40}\]\s*)`)

// normSubject strips list tags and reply markers for the subject fallback;
// reply tells whether a reply marker was there.
func normSubject(s string) (norm string, reply bool) {
	for {
		m := markerRE.FindStringSubmatch(s)
		if m == nil {
			break
		}
		if m[2] != "" && !strings.HasPrefix(strings.ToLower(m[2]), "fw") {
			reply = true
		}
		s = s[len(m[0]):]
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " ")), reply
}

// attachmentNames lists the file names of a post's attachments.
func attachmentNames(h mail.Header, raw []byte) []string {
	if t, _, _ := h.ContentType(); !strings.HasPrefix(t, "multipart/") {
		// One part, whose header is the message's: named as the reader
		// below would name it, without reading (and decoding) the body
		// to the end, which most posts (text/plain) cost for nothing.
		disp, _, _ := h.ContentDisposition()
		if disp == "inline" || disp != "attachment" && strings.HasPrefix(t, "text/") {
			return nil
		}
		ah := mail.AttachmentHeader{Header: h.Header}
		if name, err := ah.Filename(); err == nil && name != "" {
			return []string{name}
		}
		return nil
	}
	return readerNames(raw)
}

// readerNames names the attachments as the MIME reader reads the parts.
func readerNames(raw []byte) []string {
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && r == nil {
		return nil
	}
	var names []string
	for i := 0; i < 200; i++ {
		part, err := r.NextPart()
		if err != nil {
			break
		}
		if ah, ok := part.Header.(*mail.AttachmentHeader); ok {
			if name, err := ah.Filename(); err == nil && name != "" {
				names = append(names, name)
			}
		}
	}
	return names
}

// HasMessageID tells whether a post names itself (else Read made an id).
func HasMessageID(raw []byte) bool {
	h := mailmsg.HeaderOf(raw)
	return cleanID(h.Get("Message-Id")) != ""
}
