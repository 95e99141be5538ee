package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"praxis/listserv/store"
)

// archiveRm removes one post from a list's archive (store.ArchiveRemove):
// every node's indexer drops it from the index log, and serve's pages,
// feeds, exports and IMAP read the store.
func (c *cli) archiveRm(fs *flag.FlagSet) runFunc {
	reason := fs.String("reason", "", "why it is removed (kept with the tombstone)")
	return func(ctx context.Context, pos []string) error {
		svc, l, done, err := c.openList(ctx, pos[0])
		if err != nil {
			return err
		}
		defer done()
		id := strings.Trim(strings.TrimSpace(pos[1]), "<>")
		n, err := svc.Store().ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: id, By: remover(), Reason: *reason})
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintf(c.stdout, "<%s> is not in the archive of %s; its tombstone keeps it out\n", id, l.Address)
			return nil
		}
		fmt.Fprintf(c.stdout, "removed <%s> from the archive of %s (%d copies)\n", id, l.Address, n)
		return nil
	}
}

// archivePurge removes every post of one sender from a list's archive.
func (c *cli) archivePurge(fs *flag.FlagSet) runFunc {
	from := fs.String("from", "", "the sender whose posts are removed (required)")
	reason := fs.String("reason", "", "why they are removed (kept with the tombstones)")
	return func(ctx context.Context, pos []string) error {
		if strings.TrimSpace(*from) == "" {
			return advise(errors.New("archive purge: no sender"), "give --from ADDR")
		}
		svc, l, done, err := c.openList(ctx, pos[0])
		if err != nil {
			return err
		}
		defer done()
		gone, err := svc.Store().ArchivePurge(ctx, store.Removal{ListID: l.ID, By: remover(), Reason: *reason}, strings.TrimSpace(*from))
		if err != nil {
			return err
		}
		for _, id := range gone {
			fmt.Fprintf(c.stdout, "removed <%s>\n", id)
		}
		fmt.Fprintf(c.stdout, "removed %d posts of %s from the archive of %s\n", len(gone), *from, l.Address)
		return nil
	}
}

// remover names who removes posts on the command line, for the tombstone.
func remover() string {
	if u := os.Getenv("USER"); u != "" {
		return "command line (" + u + ")"
	}
	return "command line"
}
