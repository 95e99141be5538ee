package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset decodes
	"github.com/emersion/go-message/mail"

	"praxis/listserv/rewrite"
	"praxis/listserv/store"
)

// Read fills what the archive keeps of a post from its bytes. now is when
// it arrived: a Date that is missing or wildly wrong (before 1990, or more
// than a day ahead) is replaced by it for sorting, the original kept.
// domain names the generated Message-ID of a post without one, which is
// derived from the content so that importing the same file twice gives
// the same id.
func Read(raw []byte, now time.Time, domain string) *store.ArchivedPost {
	h, _ := rewrite.ReadHeader(raw)
	mh := mail.Header{Header: message.Header{Header: h}}
	p := &store.ArchivedPost{}

	p.MessageID = cleanID(h.Get("Message-Id"))
	if p.MessageID == "" {
		sum := sha256.Sum256(raw)
		p.MessageID = "praxis-archive." + hex.EncodeToString(sum[:12]) + "@" + domain
	}
	if as, err := mh.AddressList("From"); err == nil && len(as) > 0 {
		p.FromAddr, p.FromName = strings.ToLower(as[0].Address), as[0].Name
	}
	if subj, err := mh.Subject(); err == nil {
		p.Subject = strings.Join(strings.Fields(subj), " ")
	} else {
		p.Subject = strings.Join(strings.Fields(h.Get("Subject")), " ")
	}
	p.NormSubject, p.IsReply = normSubject(p.Subject)

	p.OrigDate = strings.TrimSpace(h.Get("Date"))
	p.Date = now.UTC()
	if d, err := mh.Date(); err == nil && d.Year() >= 1990 && d.Before(now.Add(24*time.Hour)) {
		p.Date = d.UTC()
	}

	// RFC 5322 §3.6.4: References lists the thread's ancestry, root first;
	// In-Reply-To names the parent. Closest first, each once, never itself.
	var refs []string
	seen := map[string]bool{p.MessageID: true}
	addRef := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			refs = append(refs, id)
		}
	}
	irt := msgIDs(h.Get("In-Reply-To"))
	if len(irt) > 0 {
		addRef(irt[0])
	}
	rs := msgIDs(strings.Join(h.Values("References"), " "))
	for i := len(rs) - 1; i >= 0; i-- {
		addRef(rs[i])
	}
	p.Refs = refs
	p.Attachments = attachmentNames(raw)
	return p
}

var idRE = regexp.MustCompile(`<([^<>\s]+)>`)

// msgIDs pulls the <ids> out of a field, ignoring the comments and stray
// words some clients put there.
func msgIDs(v string) []string {
	var out []string
	for _, m := range idRE.FindAllStringSubmatch(v, -1) {
		if strings.Contains(m[1], "@") || len(m[1]) > 6 {
			out = append(out, m[1])
		}
	}
	return out
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
func attachmentNames(raw []byte) []string {
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
	h, _ := rewrite.ReadHeader(raw)
	return cleanID(h.Get("Message-Id")) != ""
}
