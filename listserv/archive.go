package listserv

import (
	"context"

	"praxis/archive"
)

// Archive keeps a post in its list's archive, threaded (idempotent: the
// same bytes are stored once). messageID names a post that has no
// Message-ID of its own, as its copies were named.
func (s *Service) Archive(ctx context.Context, l *List, raw []byte, messageID string) error {
	p := archive.Read(raw, s.cfg.Now(), domainOf(l.Address))
	if messageID != "" && !archive.HasMessageID(raw) {
		p.MessageID = messageID
	}
	p.ListID = l.ID
	created, err := s.store.ArchivePut(ctx, p, raw)
	if err == nil && created && s.archived != nil {
		s.archived()
	}
	return err
}

// OnArchived sets what to call when a post was archived (the indexer's
// wake-up, in serve).
func (s *Service) OnArchived(f func()) { s.archived = f }
