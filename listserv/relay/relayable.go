package relay

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/authorship"
	"praxis/listserv/check"
	"praxis/listserv/dmarc"
	"praxis/listserv/inbound"
	"praxis/listserv/mailmsg"
	"praxis/listserv/notice"
	"praxis/listserv/store"
	"praxis/templates"
)

// Transforms of a post before the list's headers are added.
const (
	TransformNone  = "none"
	TransformMunge = store.DMARCMunge
	TransformWrap  = store.DMARCWrap
)

// Store is what the copies read and record: the transform decided for a
// post is stored with it.
type Store interface {
	SetTransform(ctx context.Context, id int64, transform string) error
}

// Copies makes what members get of a post: the bytes copies are built
// from (Relayable) and what the rewriter needs to know of the list
// (CopyList).
type Copies struct {
	store   Store
	authors *authorship.Verifier
	tpl     *templates.Set
	baseURL string
	log     *slog.Logger
}

// New builds the copies' maker.
func New(st Store, authors *authorship.Verifier, tpl *templates.Set, baseURL string, log *slog.Logger) *Copies {
	return &Copies{store: st, authors: authors, tpl: tpl, baseURL: baseURL, log: log}
}

// Relayable returns the bytes the copies of a post are built from. When
// the author's domain publishes DMARC p=reject or p=quarantine, a copy
// relayed with the author's From would fail DMARC at the members' servers
// (the list changes the subject and body, breaking DKIM, and relays from
// its own IP, failing SPF): Gmail and Yahoo would reject or bin it. So the
// From is rewritten to the list (Mailman's munge_from) or the post is
// wrapped, as the list chooses. The decision is made once and stored, so
// every copy and every restart agree.
func (s *Copies) Relayable(ctx context.Context, l *store.List, m *store.Message) ([]byte, error) {
	t := m.Transform
	if t == "" {
		t = TransformNone
		if s.authors.Checking() {
			sum := inbound.Summarize(m.Raw)
			if sum.From != "" {
				strict, err := s.authors.StrictDMARC(ctx, check.DomainOf(sum.From))
				if err != nil {
					// Not knowing, rewriting is the safe side: the copy
					// then arrives either way.
					s.log.Warn("DMARC look-up failed; rewriting From to be safe", "list", l.Address, "spool_id", m.ID, "err", err)
					strict = true
				}
				if strict {
					t = l.DMARCAction
				}
			}
		}
		if err := s.store.SetTransform(ctx, m.ID, t); err != nil {
			return nil, err
		}
		m.Transform = t
	}
	var out []byte
	var err error
	switch t {
	case TransformMunge:
		out, err = mungeFrom(m.Raw, l)
	case TransformWrap:
		out, err = dmarc.Wrap(m.Raw, l.Address, l.Name)
	default:
		return m.Raw, nil
	}
	if err != nil {
		// The From could not be read (net/mail refuses "Smith, Bob <b@x>"
		// and the like): put the list in From by hand rather than lose the
		// post. The original From travels in X-Original-From.
		s.log.Warn("From could not be rewritten cleanly; replacing it", "list", l.Address, "spool_id", m.ID, "err", err)
		return replaceFrom(m.Raw, l)
	}
	return out, nil
}

// replaceFrom sets From to the list, keeping the unreadable original in
// X-Original-From and, where an address can be dug out, in Reply-To.
func replaceFrom(raw []byte, l *store.List) ([]byte, error) {
	h := mailmsg.HeaderOf(raw)
	orig := h.Get("From")
	h.Del("From")
	h.Set("From", notice.QuoteName(l.Name, l.Address).String())
	if orig != "" {
		h.Set("X-Original-From", strings.Join(strings.Fields(orig), " "))
		if a := mailmsg.LooseAddress(orig); a != "" && !h.Has("Reply-To") {
			h.Set("Reply-To", a)
		}
	}
	return writeWithHeader(raw, h)
}

// mungeFrom rewrites the header of raw with dmarc.Munge and keeps the body
// bytes as they are.
func mungeFrom(raw []byte, l *store.List) ([]byte, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		// A header go-message cannot read cannot be rewritten safely: wrap
		// the post instead, which needs no parsing.
		return dmarc.Wrap(raw, l.Address, l.Name)
	}
	if err := dmarc.Munge(&h, l.Address, l.Name); err != nil {
		return nil, fmt.Errorf("munge From: %w", err)
	}
	var out bytes.Buffer
	out.Grow(len(raw) + 256)
	if err := textproto.WriteHeader(&out, h); err != nil {
		return nil, err
	}
	if _, err := io.Copy(&out, br); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// writeWithHeader writes h followed by raw's body (what follows its
// header), byte for byte.
func writeWithHeader(raw []byte, h textproto.Header) ([]byte, error) {
	body := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		body = raw[i+4:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		body = raw[i+2:]
	} else {
		body = nil
	}
	var out bytes.Buffer
	if err := textproto.WriteHeader(&out, h); err != nil {
		return nil, err
	}
	out.Write(body)
	return out.Bytes(), nil
}
