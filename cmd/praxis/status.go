package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"praxis/listserv"
)

// indexLagFunc reads the index lag of the node whose data dir is data:
// its index's position against the archive's in the store.
type indexLagFunc func(ctx context.Context, svc *listserv.Service, data string) (*listserv.IndexLag, error)

func (c *cli) status(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, _ []string) error {
		cfg, err := c.config(nil)
		if err != nil {
			return err
		}
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		var lag listserv.IndexLagFunc
		if c.indexLag != nil {
			lag = func(ctx context.Context) (*listserv.IndexLag, error) { return c.indexLag(ctx, svc, cfg.Data) }
		}
		st, err := listserv.ReadStatus(ctx, svc.Store(), time.Now().UTC(), lag)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(c, statusJSON(st))
		}
		printStatus(c, st)
		return nil
	}
}

// rfc3339 writes a time for scripts; "" for none.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// statusJSON is `praxis status --json`: times in RFC 3339 ("" for none),
// ages in whole seconds.
func statusJSON(st *listserv.Status) map[string]any {
	nodes := []map[string]any{}
	for _, n := range st.Nodes {
		nodes = append(nodes, map[string]any{"name": n.Name, "state": n.State, "version": n.Version, "listeners": strings.Fields(n.Listeners),
			"started": rfc3339(n.Started), "last_seen": rfc3339(n.LastSeen), "stopped": rfc3339(n.Stopped)})
	}
	queue := map[string]any{"depth": st.Queue.Depth, "oldest": rfc3339(st.Queue.Oldest), "leased": st.Queue.Leased}
	if !st.Queue.Oldest.IsZero() {
		queue["oldest_age_s"] = int64(st.Now.Sub(st.Queue.Oldest).Seconds())
	}
	jobs := []map[string]any{}
	for _, j := range st.Jobs {
		jobs = append(jobs, map[string]any{"job": j.Job, "node": j.Node, "at": rfc3339(j.At), "error": j.Err})
	}
	leases := []map[string]any{}
	for _, l := range st.Leases {
		leases = append(leases, map[string]any{"name": l.Name, "holder": l.Holder, "until": rfc3339(l.Until)})
	}
	out := map[string]any{"now": rfc3339(st.Now), "nodes": nodes, "queue": queue, "jobs": jobs, "leases": leases}
	// Left out, not made up, when this node's lag cannot be read.
	if st.IndexLag != nil {
		out["index_lag"] = map[string]any{"changes": st.IndexLag.Changes, "oldest": rfc3339(st.IndexLag.Oldest)}
	}
	return out
}

// ago says how long before now t was, to the second.
func ago(now, t time.Time) string {
	return now.Sub(t).Round(time.Second).String() + " ago"
}

// printStatus writes the status for a person: the nodes, the queue, this
// node's index lag, the scheduled jobs and the leases.
func printStatus(c *cli, st *listserv.Status) {
	w := c.stdout
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "nodes (alive: seen within %s):\n", listserv.AliveWithin)
	if len(st.Nodes) == 0 {
		fmt.Fprintln(w, "  none has run serve on this database")
	}
	for _, n := range st.Nodes {
		seen := "last seen " + ago(st.Now, n.LastSeen)
		if n.State == listserv.NodeStopped {
			seen = "stopped " + ago(st.Now, n.Stopped)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\tstarted %s\t%s\t%s\n", n.Name, n.State, seen, rfc3339(n.Started), n.Version, n.Listeners)
	}
	tw.Flush()

	q := st.Queue
	switch {
	case q.Depth == 0:
		fmt.Fprintln(w, "queue: empty")
	default:
		fmt.Fprintf(w, "queue: %d copies waiting, the oldest queued %s (%s)", q.Depth, rfc3339(q.Oldest), ago(st.Now, q.Oldest))
		if len(q.Leased) == 0 {
			fmt.Fprintln(w, "; none leased now")
		} else {
			nodes := make([]string, 0, len(q.Leased))
			for n := range q.Leased {
				nodes = append(nodes, n)
			}
			sort.Strings(nodes)
			var held []string
			for _, n := range nodes {
				held = append(held, fmt.Sprintf("%d by %s", q.Leased[n], n))
			}
			fmt.Fprintf(w, "; leased now: %s\n", strings.Join(held, ", "))
		}
	}

	if lag := st.IndexLag; lag != nil {
		fmt.Fprintf(w, "index (this node): %d changes behind", lag.Changes)
		if !lag.Oldest.IsZero() && lag.Changes > 0 {
			fmt.Fprintf(w, ", the oldest made %s", ago(st.Now, lag.Oldest))
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintln(w, "scheduled jobs (last run):")
	if len(st.Jobs) == 0 {
		fmt.Fprintln(w, "  none has run yet")
	}
	for _, j := range st.Jobs {
		result := "ok"
		if j.Err != "" {
			result = "failed: " + j.Err
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\ton %s\t%s\n", j.Job, rfc3339(j.At), ago(st.Now, j.At), j.Node, result)
	}
	tw.Flush()

	if len(st.Leases) > 0 {
		fmt.Fprintln(w, "held by one node at a time:")
		for _, l := range st.Leases {
			fmt.Fprintf(tw, "  %s\t%s\tuntil %s\n", l.Name, l.Holder, rfc3339(l.Until))
		}
		tw.Flush()
	}
}
