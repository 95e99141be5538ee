package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/web"
	"praxis/listserv"
	"praxis/listserv/store"
)

func (c *cli) search(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", 20, "how many hits")
	sortBy := fs.String("sort", "date", "date (newest first) or relevance")
	return func(ctx context.Context, pos []string) error {
		if *sortBy != "date" && *sortBy != "relevance" {
			return usagef("search: --sort is date or relevance")
		}
		cfg, err := c.config(nil)
		if err != nil {
			return err
		}
		svc, l, done, err := c.openList(ctx, pos[0])
		if err != nil {
			return err
		}
		defer done()
		var res *archive.SearchResult
		dir, err := c.indexDir(cfg)
		if err != nil {
			return err
		}
		// A short wait: when serve holds the index, asking it is the way.
		idx, err := index.Open(dir, index.Options{OpenTimeout: 300 * time.Millisecond})
		switch {
		case errors.Is(err, index.ErrLocked):
			// serve holds the index: ask it through its socket in the data
			// dir, whose permissions say who may (no secret over TCP).
			if res, err = web.AdminSearch(ctx, cfg.Data, l.Address, pos[1], *limit, *sortBy); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			defer idx.Close()
			// Catch up with what was archived while no serve ran.
			if _, err := archive.NewIndexer(svc.Store(), idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
				return err
			}
			if res, err = archive.Search(idx, l.Address, pos[1], *limit, *sortBy == "date"); err != nil {
				return err
			}
		}
		if *asJSON {
			return json.NewEncoder(c.stdout).Encode(res)
		}
		fmt.Fprintf(c.stdout, "%d found\n", res.Total)
		for _, h := range res.Hits {
			fmt.Fprintf(c.stdout, "%s  %-28.28s  %s\n    <%s>\n", h.Date[:10], h.From, h.Subject, h.MessageID)
		}
		return nil
	}
}

func (c *cli) reindex(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		cfg, err := c.config(nil)
		if err != nil {
			return err
		}
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		var listID int64
		if len(pos) == 1 {
			l, err := svc.List(ctx, pos[0])
			if err != nil {
				return err
			}
			listID = l.ID
		}
		// Every node's index (serve's here too, when it holds the index)
		// writes the posts again, as the index log tells it.
		if err := svc.Store().Reindex(ctx, listID); err != nil {
			return err
		}
		dir, err := c.indexDir(cfg)
		if err != nil {
			// On PostgreSQL, from a machine that is no node: the nodes'
			// serves rebuild their own indexes from the log.
			fmt.Fprintf(c.stdout, "the re-index is recorded: every serve node rebuilds its index (none here: %v)\n", err)
			return nil
		}
		// A corrupt index, or one an older praxis made, is made anew
		// (empty): the catch-up below then writes every post.
		idx, err := archive.OpenIndex(ctx, svc.Store(), dir, index.Options{OpenTimeout: 2 * time.Second}, slog.New(slog.NewTextHandler(c.stderr, nil)))
		if errors.Is(err, index.ErrLocked) {
			fmt.Fprintln(c.stdout, "praxis serve holds the index; it is rebuilding it now, and its log says when it starts and ends")
			return nil
		}
		if err != nil {
			return err
		}
		defer idx.Close()
		start := time.Now()
		n, err := archive.NewIndexer(svc.Store(), idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "indexed %d posts in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// nodeIndexLag is `praxis status`'s index lag of the node whose data dir
// is data: where its index stands in the index log (asked of serve,
// through its socket, when serve holds the index) against the log in the
// store. A node without an index yet is behind by the whole log.
func nodeIndexLag(ctx context.Context, svc *listserv.Service, data string) (*listserv.IndexLag, error) {
	dir := filepath.Join(data, "index")
	var pos store.IndexPos
	if _, err := os.Stat(dir); err == nil {
		idx, err := index.Open(dir, index.Options{OpenTimeout: 300 * time.Millisecond})
		switch {
		case errors.Is(err, index.ErrLocked):
			pos, err = web.AdminIndexPosition(ctx, data)
		case err == nil:
			pos, err = archive.Position(idx)
			idx.Close()
		}
		if err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	lag, err := archive.IndexLag(ctx, svc.Store(), pos)
	if err != nil {
		return nil, err
	}
	return &listserv.IndexLag{Changes: lag.Changes, Oldest: lag.Oldest}, nil
}
