package listserv

import (
	"context"
	"praxis/listserv/check"
	"runtime"
	"slices"
	"sync"

	"praxis/archive"
	"praxis/listserv/store"
)

// Archive keeps a post in its list's archive, threaded (idempotent: the
// same bytes are stored once). messageID names a post that has no
// Message-ID of its own, as its copies were named.
func (s *Service) Archive(ctx context.Context, l *List, raw []byte, messageID string) error {
	p := archive.Read(raw, s.cfg.Now(), check.DomainOf(l.Address))
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

// ArchiveMany keeps many messages (an import) in the list's archive, as
// Archive does, in one transaction, and returns what was stored and
// whether each post was new. The messages are parsed on every core first;
// they are stored, and so threaded, in the order given.
func (s *Service) ArchiveMany(ctx context.Context, l *List, raws [][]byte) ([]*store.ArchivedPost, []bool, error) {
	posts := make([]*store.ArchivedPost, len(raws))
	now, domain := s.cfg.Now(), check.DomainOf(l.Address)
	workers := min(runtime.GOMAXPROCS(0), len(raws))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(raws); i += workers {
				posts[i] = archive.Read(raws[i], now, domain)
				posts[i].ListID = l.ID
			}
		}(w)
	}
	wg.Wait()
	made, err := s.store.ArchivePutMany(ctx, posts, raws)
	if err != nil {
		return nil, nil, err
	}
	if s.archived != nil && slices.Contains(made, true) {
		s.archived()
	}
	return posts, made, nil
}

// OnArchived sets what to call when a post was archived (the indexer's
// wake-up, in serve).
func (s *Service) OnArchived(f func()) { s.archived = f }
