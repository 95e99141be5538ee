package listserv

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/dmarc"
	"praxis/listserv/store"
)

// Transforms of a post before the list's headers are added.
const (
	TransformNone  = "none"
	TransformMunge = DMARCMunge
	TransformWrap  = DMARCWrap
)

// Relayable returns the bytes the copies of a post are built from. When
// the author's domain publishes DMARC p=reject or p=quarantine, a copy
// relayed with the author's From would fail DMARC at the members' servers
// (the list changes the subject and body, breaking DKIM, and relays from
// its own IP, failing SPF): Gmail and Yahoo would reject or bin it. So the
// From is rewritten to the list (Mailman's munge_from) or the post is
// wrapped, as the list chooses. The decision is made once and stored, so
// every copy and every restart agree.
func (s *Service) Relayable(ctx context.Context, l *List, m *store.Message) ([]byte, error) {
	t := m.Transform
	if t == "" {
		t = TransformNone
		if s.dmarc != nil {
			sum := summarize(m.Raw)
			if sum.from != "" {
				strict, err := s.strictDMARC(ctx, domainOf(sum.from))
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
	switch t {
	case TransformMunge:
		return mungeFrom(m.Raw, l)
	case TransformWrap:
		return dmarc.Wrap(m.Raw, l.Address, l.Name)
	}
	return m.Raw, nil
}

// mungeFrom rewrites the header of raw with dmarc.Munge and keeps the body
// bytes as they are.
func mungeFrom(raw []byte, l *List) ([]byte, error) {
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
