package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"praxis/listserv"
	"praxis/listserv/digest"
)

// digestSend sends what is due now, as serve's scheduler does; with
// --force, the digest of everything since the last one and the summary of
// the last whole week, due or not. Runs a crash left half done are
// finished first, without repeating anyone.
func (c *cli) digestSend(fs *flag.FlagSet) runFunc {
	list := fs.String("list", "", "only this list")
	force := fs.Bool("force", false, "send the current digests and summaries even if not due")
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		if *list != "" {
			if _, err := svc.List(ctx, *list); err != nil {
				return err
			}
		}
		reports, err := svc.Digests().RunDigests(ctx, svc.Config().Now(), *force, *list)
		sent := 0
		for _, r := range reports {
			// What was looked at and not sent is said too, with why: a
			// forced run that sends nothing is otherwise a puzzle.
			period := ""
			if !r.Period.Start.IsZero() {
				period = fmt.Sprintf(" (%s to %s)", r.Period.Start.Format("2006-01-02 15:04"), r.Period.End.Format("2006-01-02 15:04 MST"))
			}
			if r.Skipped != "" {
				fmt.Fprintf(c.stdout, "%s %s%s: not sent: %s\n", r.List, r.Kind, period, r.Skipped)
				continue
			}
			sent++
			fmt.Fprintf(c.stdout, "%s %s vol %d issue %d%s: queued for %d members\n", r.List, r.Kind, r.Volume, r.Issue, period, r.Queued)
		}
		if err == nil && sent == 0 {
			fmt.Fprintln(c.stdout, "nothing due")
		}
		return err
	}
}

// digestPreview renders a digest or summary without sending it. The
// period ends at the start of --end (UTC), so a past week of an imported
// archive can be looked at.
func (c *cli) digestPreview(fs *flag.FlagSet) runFunc {
	kind := fs.String("kind", "summary", "digest or summary")
	period := fs.String("period", "", "day or week (default: day for a digest, week for a summary)")
	end := fs.String("end", "", "the period ends at the start of this day, YYYY-MM-DD in UTC (default: now)")
	member := fs.String("member", "", "the member the summary is for (their expertise orders the open questions)")
	format := fs.String("format", "text", "text, html or eml")
	return func(ctx context.Context, pos []string) error {
		if *kind != listserv.KindDigest && *kind != listserv.KindSummary {
			return usagef("digest preview: --kind is digest or summary")
		}
		if *format != "text" && *format != "html" && *format != "eml" {
			return usagef("digest preview: --format is text, html or eml")
		}
		span := 7 * 24 * time.Hour
		switch {
		case *period == "day" || (*period == "" && *kind == listserv.KindDigest):
			span = 24 * time.Hour
		case *period == "week" || *period == "":
		default:
			return usagef("digest preview: --period is day or week")
		}
		svc, l, done, err := c.openList(ctx, pos[0])
		if err != nil {
			return err
		}
		defer done()
		stop := svc.Config().Now().UTC()
		if *end != "" {
			if stop, err = time.Parse("2006-01-02", *end); err != nil {
				return usagef("digest preview: --end %q: want YYYY-MM-DD", *end)
			}
		}
		p := listserv.Period{Start: stop.Add(-span), End: stop}
		if *kind == listserv.KindDigest {
			if *format == "html" {
				return usagef("digest preview: a digest has no HTML form; use --format text (RFC 1153) or eml (MIME)")
			}
			raw, err := svc.Digests().ComposeDigest(ctx, l, p, 1, 1, *format == "text", false)
			if err != nil {
				return err
			}
			_, err = c.stdout.Write(raw)
			return err
		}
		var m *listserv.Member
		if *member != "" {
			if _, m, err = svc.Member(ctx, l.Address, *member); err != nil {
				return err
			}
		}
		sum, err := svc.Digests().Summary(ctx, l, p, m)
		if err != nil {
			return err
		}
		var out string
		switch *format {
		case "text":
			out, err = digest.RenderText(sum)
		case "html":
			out, err = digest.RenderHTML(sum)
		case "eml":
			if m == nil {
				m = &listserv.Member{Address: "member@" + strings.SplitN(l.Address, "@", 2)[1], Name: "A member"}
			}
			var raw []byte
			raw, err = svc.Digests().ComposeSummary(l, sum, m, stop)
			out = string(raw)
		}
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(c.stdout, out)
		return err
	}
}
