package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/store"
)

// listFlags binds the settings flags of create and set to l.
func listFlags(fs *flag.FlagSet, l *listserv.List) {
	fs.StringVar(&l.Name, "name", l.Name, "the list's title")
	fs.StringVar(&l.Description, "description", l.Description, "one line on what the community is about")
	fs.StringVar(&l.SubscribePolicy, "subscribe", l.SubscribePolicy, "open, confirm, moderate or confirm_then_moderate")
	fs.StringVar(&l.PostPolicy, "post", l.PostPolicy, "members, open, moderated or announce")
	fs.StringVar(&l.ArchivePolicy, "archive", l.ArchivePolicy, "public, private or none")
	fs.StringVar(&l.Prefix, "prefix", l.Prefix, `subject prefix, e.g. "[cop] "`)
	fs.StringVar(&l.NonmemberAction, "nonmember-action", l.NonmemberAction, "what happens to posts from non-members: hold, reject, discard or accept")
	fs.IntVar(&l.MaxMessageKB, "max-message-kb", l.MaxMessageKB, "hold posts larger than this (0: no limit)")
	fs.IntVar(&l.MaxRecipients, "max-recipients", l.MaxRecipients, "hold posts with more To/Cc addresses (0: no limit)")
	fs.BoolVar(&l.Emergency, "emergency", l.Emergency, "hold every post")
	fs.BoolVar(&l.RequireExplicitDestination, "require-explicit-destination", l.RequireExplicitDestination, "hold posts that do not name the list in To or Cc")
	fs.StringVar(&l.DMARCAction, "dmarc", l.DMARCAction, "for authors whose domain has DMARC p=reject/quarantine: munge (From rewritten) or wrap")
	fs.StringVar(&l.Roster, "roster", l.Roster, "who may ask `who`: moderators, members or public")
	fs.IntVar(&l.HoldDays, "hold-days", l.HoldDays, "held posts expire after this many days (0: never)")
	fs.StringVar(&l.TimeZone, "time-zone", l.TimeZone, "the list's time zone for digests and summaries (IANA name, e.g. Europe/Berlin)")
	fs.IntVar(&l.DigestHour, "digest-hour", l.DigestHour, "the hour (0-23, in the list's time zone) the daily digest goes")
	fs.IntVar(&l.SummaryWeekday, "summary-weekday", l.SummaryWeekday, "the day the weekly learning summary goes: 0 Sunday … 6 Saturday")
	fs.IntVar(&l.DigestSizeKB, "digest-size-kb", l.DigestSizeKB, "send the digest early once this many KB of posts wait (0: only daily; Mailman uses 30)")
	fs.StringVar(&l.RawAccess, "raw-access", l.RawAccess, "who may download posts as they came, addresses unhidden (raw, mbox, anonymous IMAP): anyone or members (signed in)")
	fs.StringVar(&l.SpamAction, "spam-action", l.SpamAction, "a live post the content filter scores at --spam-score or more: hold, discard, reject (550 at DATA) or accept; a member's is at most held")
	fs.Float64Var(&l.SpamScore, "spam-score", l.SpamScore, "the content filter's score from which --spam-action applies (0: the filter's own threshold)")
	fs.StringVar(&l.BlocklistAction, "blocklist-action", l.BlocklistAction, "a live post from an address on a --dnsbl zone: hold, discard, reject (550 at DATA) or accept; a member's is at most held")
	fs.StringVar(&l.SPFFailAction, "spf-fail-action", l.SPFFailAction, "a live post whose envelope sender's SPF says fail: hold, discard, reject (550 at DATA) or accept; a member's is at most held")
}

// listSettings names the flags of listFlags, for `list set`.
var listSettings = []string{"name", "description", "subscribe", "post", "archive", "prefix", "nonmember-action", "max-message-kb", "max-recipients", "emergency", "require-explicit-destination", "dmarc", "roster", "hold-days", "time-zone", "digest-hour", "summary-weekday", "digest-size-kb", "raw-access", "spam-action", "spam-score", "blocklist-action", "spf-fail-action"}

func (c *cli) listCreate(fs *flag.FlagSet) runFunc {
	l := store.NewList("", "")
	prefixSet := false
	listFlags(fs, l)
	var owners []string
	fs.Var(config.NewListFlag(&owners), "owner", "an owner of the list (gets LIST-owner@ mail, moderates); repeatable or comma-separated")
	return func(ctx context.Context, pos []string) error {
		// Checked before the list is made, so that a bad one leaves
		// nothing half made.
		for i, o := range owners {
			addr, err := listserv.ParseAddress(o)
			if err != nil {
				return usagef("list create: --owner %q is not a mail address", o)
			}
			owners[i] = addr
		}
		fs.Visit(func(f *flag.Flag) { prefixSet = prefixSet || f.Name == "prefix" })
		l.Address = pos[0]
		if !prefixSet {
			// Mailman's default: the list's local part in brackets.
			local := l.Address
			if i := len(local) - len(atDomain(local)); i > 0 {
				local = local[:i]
			}
			l.Prefix = "[" + local + "] "
		}
		svc, done, err := c.openData(ctx, true)
		if err != nil {
			return err
		}
		defer done()
		if err := svc.CreateList(ctx, l); errors.Is(err, listserv.ErrDuplicate) {
			return advise(err, "see `praxis list show %s`", l.Address)
		} else if err != nil {
			return err
		}
		for _, o := range owners {
			if err := svc.AddMember(ctx, l.Address, &listserv.Member{Address: o, Role: listserv.RoleOwner}); err != nil {
				// Nothing half done: a list without the owner asked for
				// is not what was asked.
				if rmErr := svc.DeleteList(ctx, l.Address); rmErr != nil {
					return fmt.Errorf("owner %s: %w (and removing the list again: %v)", o, err, rmErr)
				}
				return fmt.Errorf("owner %s: %w (the list was not created)", o, err)
			}
		}
		fmt.Fprintf(c.stdout, "created list %s (%s)\n", l.Address, l.Name)
		if len(owners) == 0 {
			c.warnNoOwner(l.Address)
		}
		return nil
	}
}

// warnNoOwner says what becomes of owner mail on a list with no owner.
func (c *cli) warnNoOwner(list string) {
	fmt.Fprintf(c.stderr, "praxis: warning: %s has no owner: mail to %s goes to serve's --admin address, or is refused when none is set; add one with `praxis member add %s ADDR --role owner`\n",
		list, listserv.Address(list, store.KindOwner), list)
}

func atDomain(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == '@' {
			return addr[i:]
		}
	}
	return ""
}

func (c *cli) listLs(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		lists, err := svc.Lists(ctx)
		if err != nil {
			return err
		}
		return printRows(c, lists, *asJSON, listJSON, "ADDRESS\tNAME\tPOST\tSUBSCRIBE\tARCHIVE", func(l *listserv.List) []any {
			return []any{l.Address, l.Name, l.PostPolicy, l.SubscribePolicy, l.ArchivePolicy}
		})
	}
}

func listJSON(l *listserv.List) map[string]any {
	return map[string]any{
		"address": l.Address, "name": l.Name, "description": l.Description,
		"subscribe": l.SubscribePolicy, "post": l.PostPolicy, "archive": l.ArchivePolicy,
		"prefix": l.Prefix, "created": l.CreatedAt.Format("2006-01-02T15:04:05Z07:00"),
		"nonmember_action": l.NonmemberAction, "max_message_kb": l.MaxMessageKB, "max_recipients": l.MaxRecipients,
		"emergency": l.Emergency, "require_explicit_destination": l.RequireExplicitDestination,
		"dmarc": l.DMARCAction, "roster": l.Roster, "hold_days": l.HoldDays,
		"time_zone": l.TimeZone, "digest_hour": l.DigestHour, "summary_weekday": l.SummaryWeekday, "digest_size_kb": l.DigestSizeKB,
		"raw_access": l.RawAccess, "spam_action": l.SpamAction, "spam_score": l.SpamScore, "blocklist_action": l.BlocklistAction, "spf_fail_action": l.SPFFailAction,
	}
}

// printRows prints rows as JSON, one object a row, or as a table under
// header (tab-separated column names).
func printRows[T any](c *cli, rows []T, asJSON bool, toJSON func(T) map[string]any, header string, cells func(T) []any) error {
	if asJSON {
		out := make([]map[string]any, 0, len(rows))
		for _, r := range rows {
			out = append(out, toJSON(r))
		}
		return printJSON(c, out)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		vs := cells(r)
		fmt.Fprintf(tw, strings.Repeat("%v\t", len(vs)-1)+"%v\n", vs...)
	}
	return tw.Flush()
}

func printJSON(c *cli, v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *cli) listShow(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		l, members, err := svc.Members(ctx, pos[0])
		if err != nil {
			return err
		}
		counts := map[string]int{}
		for _, m := range members {
			counts[m.Role]++
		}
		ingest, err := svc.Store().IngestSources(ctx, l.Address)
		if err != nil {
			return err
		}
		if *asJSON {
			j := listJSON(l)
			j["members"] = len(members)
			if len(ingest) > 0 {
				var srcs []map[string]any
				for _, src := range ingest {
					srcs = append(srcs, map[string]any{"source": src.Source, "last_uid": src.LastUID, "last_error": src.LastError})
				}
				j["imap_ingest"] = srcs
			}
			return printJSON(c, j)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "address:\t%s\n", l.Address)
		fmt.Fprintf(tw, "name:\t%s\n", l.Name)
		fmt.Fprintf(tw, "description:\t%s\n", l.Description)
		fmt.Fprintf(tw, "subscribe:\t%s\n", l.SubscribePolicy)
		fmt.Fprintf(tw, "post:\t%s\n", l.PostPolicy)
		fmt.Fprintf(tw, "archive:\t%s\n", l.ArchivePolicy)
		fmt.Fprintf(tw, "prefix:\t%q\n", l.Prefix)
		fmt.Fprintf(tw, "non-members:\t%s\n", l.NonmemberAction)
		fmt.Fprintf(tw, "limits:\t%s, %s\n", limit(l.MaxMessageKB, "KB per post"), limit(l.MaxRecipients, "recipients"))
		fmt.Fprintf(tw, "emergency hold:\t%v\n", l.Emergency)
		fmt.Fprintf(tw, "explicit destination:\t%v\n", l.RequireExplicitDestination)
		fmt.Fprintf(tw, "dmarc:\t%s\n", l.DMARCAction)
		fmt.Fprintf(tw, "roster:\t%s\n", l.Roster)
		fmt.Fprintf(tw, "raw posts:\t%s\n", l.RawAccess)
		fmt.Fprintf(tw, "held posts expire:\t%s\n", limit(l.HoldDays, "days"))
		threshold := "the filter's own threshold"
		if l.SpamScore > 0 {
			threshold = fmt.Sprintf("score %g", l.SpamScore)
		}
		fmt.Fprintf(tw, "spam:\t%s at %s; blocklisted: %s; SPF fail: %s\n", l.SpamAction, threshold, l.BlocklistAction, l.SPFFailAction)
		fmt.Fprintf(tw, "digest:\tdaily at %02d:00 %s%s\n", l.DigestHour, l.TimeZone, map[bool]string{true: fmt.Sprintf(", or once %d KB wait", l.DigestSizeKB), false: ""}[l.DigestSizeKB > 0])
		fmt.Fprintf(tw, "learning summary:\tweekly on %s\n", time.Weekday(l.SummaryWeekday))
		fmt.Fprintf(tw, "members:\t%d (%d owners, %d moderators)\n", len(members), counts[listserv.RoleOwner], counts[listserv.RoleModerator])
		if counts[listserv.RoleOwner] == 0 {
			defer c.warnNoOwner(l.Address)
		}
		fmt.Fprintf(tw, "created:\t%s\n", l.CreatedAt.Format("2006-01-02 15:04 MST"))
		// The sources that fed this list through --imap-ingest (a
		// serve's, recorded in the store), each with its last error.
		for _, src := range ingest {
			last := "none"
			if src.LastError != "" {
				last = src.LastError
			}
			fmt.Fprintf(tw, "IMAP ingest:\t%s, last error: %s\n", src.Source, last)
		}
		return tw.Flush()
	}
}

func (c *cli) listSet(fs *flag.FlagSet) runFunc {
	l := store.NewList("", "")
	listFlags(fs, l)
	return func(ctx context.Context, pos []string) error {
		changed := 0
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "data" && f.Name != "db" && f.Name != "config" {
				changed++
			}
		})
		if changed == 0 {
			return usagef("list set: nothing to change; give at least one of --%s", strings.Join(listSettings, " --"))
		}
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		cur, err := svc.List(ctx, pos[0])
		if err != nil {
			return err
		}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "name":
				cur.Name = l.Name
			case "description":
				cur.Description = l.Description
			case "subscribe":
				cur.SubscribePolicy = l.SubscribePolicy
			case "post":
				cur.PostPolicy = l.PostPolicy
			case "archive":
				cur.ArchivePolicy = l.ArchivePolicy
			case "prefix":
				cur.Prefix = l.Prefix
			case "nonmember-action":
				cur.NonmemberAction = l.NonmemberAction
			case "max-message-kb":
				cur.MaxMessageKB = l.MaxMessageKB
			case "max-recipients":
				cur.MaxRecipients = l.MaxRecipients
			case "emergency":
				cur.Emergency = l.Emergency
			case "require-explicit-destination":
				cur.RequireExplicitDestination = l.RequireExplicitDestination
			case "dmarc":
				cur.DMARCAction = l.DMARCAction
			case "roster":
				cur.Roster = l.Roster
			case "hold-days":
				cur.HoldDays = l.HoldDays
			case "time-zone":
				cur.TimeZone = l.TimeZone
			case "digest-hour":
				cur.DigestHour = l.DigestHour
			case "summary-weekday":
				cur.SummaryWeekday = l.SummaryWeekday
			case "digest-size-kb":
				cur.DigestSizeKB = l.DigestSizeKB
			case "raw-access":
				cur.RawAccess = l.RawAccess
			case "spam-action":
				cur.SpamAction = l.SpamAction
			case "spam-score":
				cur.SpamScore = l.SpamScore
			case "blocklist-action":
				cur.BlocklistAction = l.BlocklistAction
			case "spf-fail-action":
				cur.SPFFailAction = l.SPFFailAction
			}
		})
		if err := svc.UpdateList(ctx, cur); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "updated list %s\n", cur.Address)
		return nil
	}
}

func (c *cli) listRm(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		if err := svc.DeleteList(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed list %s\n", pos[0])
		return nil
	}
}

func limit(n int, unit string) string {
	if n <= 0 {
		return "no limit (" + unit + ")"
	}
	return fmt.Sprintf("%d %s", n, unit)
}
