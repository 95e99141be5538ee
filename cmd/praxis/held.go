package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"praxis/listserv/moderation"
	"praxis/listserv/spam"
)

func (c *cli) heldLs(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		_, ms, err := svc.Moderation().Held(ctx, pos[0])
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			fmt.Fprintf(c.stdout, "no held posts on %s\n", pos[0])
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		// SCORE is the content filter's (spam.ScoreText): "-" for a post
		// no filter scored.
		fmt.Fprintln(tw, "ID\tRECEIVED\tFROM\tSUBJECT\tSCORE\tREASON")
		for _, m := range ms {
			from := m.FromAddr
			if from == "" {
				from = m.MailFrom
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.ReceivedAt.Format("2006-01-02 15:04"), from, m.Subject, spam.ScoreText(m.Spam), m.Reason)
		}
		return tw.Flush()
	}
}

// heldDecide is `held approve`, `held reject` and `held discard`.
func heldDecide(verb string) func(c *cli, fs *flag.FlagSet) runFunc {
	return func(c *cli, fs *flag.FlagSet) runFunc {
		reason := fs.String("reason", "", "why the post is rejected (sent to its author)")
		return func(ctx context.Context, pos []string) error {
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
				err = svc.Moderation().Approve(ctx, pos[0], id)
			case "reject":
				err = svc.Moderation().Reject(ctx, pos[0], id, *reason)
			case "discard":
				err = svc.Moderation().Discard(ctx, pos[0], id)
			}
			if errors.Is(err, moderation.ErrNoHeldPost) {
				// The list was found, so its address is this one.
				return advise(err, "see `praxis held ls %s`", strings.ToLower(strings.TrimSpace(pos[0])))
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "%s: post %d on %s\n", map[string]string{"approve": "approved", "reject": "rejected", "discard": "discarded"}[verb], id, pos[0])
			return nil
		}
	}
}
