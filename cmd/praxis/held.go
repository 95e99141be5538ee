package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
)

func (c *cli) held(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("usage: praxis held ls LIST | held approve|reject|discard LIST ID")
	}
	switch args[0] {
	case "ls":
		fs := c.flags("held ls")
		pos, err := parse(fs, args[1:], 1, 1, "held ls LIST")
		if err != nil {
			return err
		}
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		_, ms, err := svc.Held(ctx, pos[0])
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			fmt.Fprintf(c.stdout, "no held posts on %s\n", pos[0])
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tRECEIVED\tFROM\tSUBJECT\tREASON")
		for _, m := range ms {
			from := m.FromAddr
			if from == "" {
				from = m.MailFrom
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", m.ID, m.ReceivedAt.Format("2006-01-02 15:04"), from, m.Subject, m.Reason)
		}
		return tw.Flush()
	case "approve", "reject", "discard":
		verb := args[0]
		fs := c.flags("held " + verb)
		reason := fs.String("reason", "", "why the post is rejected (sent to its author)")
		pos, err := parse(fs, args[1:], 2, 2, "held "+verb+" LIST ID"+map[bool]string{true: " [--reason TEXT]"}[verb == "reject"])
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(pos[1], 10, 64)
		if err != nil {
			return usagef("held %s: %q is not a post ID (see `praxis held ls %s`)", verb, pos[1], pos[0])
		}
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		switch verb {
		case "approve":
			err = svc.Approve(ctx, pos[0], id)
		case "reject":
			err = svc.Reject(ctx, pos[0], id, *reason)
		case "discard":
			err = svc.Discard(ctx, pos[0], id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s: post %d on %s\n", map[string]string{"approve": "approved", "reject": "rejected", "discard": "discarded"}[verb], id, pos[0])
		return nil
	}
	return usagef("unknown held command %q: use ls, approve, reject or discard", args[0])
}
