package archive

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Store is what archiving writes.
type Store interface {
	ArchivePut(ctx context.Context, p *store.ArchivedPost, raw []byte) (created bool, err error)
	ArchivePutMany(ctx context.Context, posts []*store.ArchivedPost, raws [][]byte) (made []bool, err error)
}

// Archiver keeps accepted posts (and imported ones) in their list's
// archive, threaded; the indexer is woken when something new was stored.
type Archiver struct {
	store    Store
	now      func() time.Time
	archived func() // called after a post is archived; may be nil
}

// NewArchiver builds an archiver over st; now dates posts without a Date.
func NewArchiver(st Store, now func() time.Time) *Archiver {
	return &Archiver{store: st, now: now}
}

// Archive keeps a post in its list's archive, threaded (idempotent: the
// same bytes are stored once). messageID names a post that has no
// Message-ID of its own, as its copies were named.
func (s *Archiver) Archive(ctx context.Context, l *store.List, raw []byte, messageID string) error {
	// An export of a post that came without a Message-ID, sent to the
	// list (a migration through sendmail), is that post, as an import
	// reads it (ReadMany): kept so, its own export is what came.
	if orig, id, ok := Unexported(raw); ok {
		raw, messageID = orig, id
	}
	p := Read(raw, s.now(), listDomain(l))
	// Only an id a Message-ID field can hold ("vpn secret@x", a spaced
	// field's, cannot): an export names the post by it, and an import of
	// that export must read it back.
	if messageID != "" && mailmsg.Writable(messageID) && !HasMessageID(raw) {
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
// whether each post was new: ReadMany, then StoreMany.
func (s *Archiver) ArchiveMany(ctx context.Context, l *store.List, raws [][]byte) ([]*store.ArchivedPost, []bool, error) {
	posts := s.ReadMany(l, raws)
	made, err := s.StoreMany(ctx, posts, raws)
	if err != nil {
		return nil, nil, err
	}
	return posts, made, nil
}

// ReadMany parses messages for l's archive on every core (the fields the
// archive keeps and what summaries read of each post), in the order
// given. An import reads its next batch so while the last is stored.
// An export of a post that came without a Message-ID (ExportBytes) is
// read as the post it was made of: raws then holds the bytes as they
// were archived, and the post its id.
func (s *Archiver) ReadMany(l *store.List, raws [][]byte) []*store.ArchivedPost {
	posts := make([]*store.ArchivedPost, len(raws))
	now, domain := s.now(), listDomain(l)
	workers := min(runtime.GOMAXPROCS(0), len(raws))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(raws); i += workers {
				orig, id, exported := Unexported(raws[i])
				if exported {
					raws[i] = orig
				}
				posts[i] = Read(raws[i], now, domain)
				if exported {
					posts[i].MessageID = id
				}
				posts[i].ListID = l.ID
			}
		}(w)
	}
	wg.Wait()
	return posts
}

// StoreMany stores posts ReadMany made of raws in one transaction, and so
// threads them, in their order; it tells which were new.
func (s *Archiver) StoreMany(ctx context.Context, posts []*store.ArchivedPost, raws [][]byte) ([]bool, error) {
	made, err := s.store.ArchivePutMany(ctx, posts, raws)
	if err != nil {
		return nil, err
	}
	if s.archived != nil && slices.Contains(made, true) {
		s.archived()
	}
	return made, nil
}

// OnArchived sets what to call when a post was archived (the indexer's
// wake-up, in serve).
func (s *Archiver) OnArchived(f func()) { s.archived = f }

// listDomain is the domain of a list's address, which names the posts
// Praxis gives a Message-ID of its own.
func listDomain(l *store.List) string {
	return strings.ToLower(l.Address[strings.LastIndexByte(l.Address, '@')+1:])
}
