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
	"unicode"

	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/store"
)

// listFlags binds the settings flags of create and set to l, one for
// each of store.ListSettings (the owners' web form is made from the
// same table).
func listFlags(fs *flag.FlagSet, l *listserv.List) {
	for i := range store.ListSettings {
		set := &store.ListSettings[i]
		fs.Var(&settingFlag{set, l}, set.Name, set.Usage)
	}
}

// settingFlag is a list's setting as a flag.
type settingFlag struct {
	set *store.Setting
	l   *listserv.List
}

func (f *settingFlag) String() string {
	if f == nil || f.l == nil {
		return "" // flag's zero value, for its --help
	}
	return f.set.Get(f.l)
}

func (f *settingFlag) Set(v string) error {
	if err := f.set.Set(f.l, v); err != nil {
		return errors.New(store.ErrorText(err))
	}
	return nil
}

// IsBoolFlag lets a switch be given alone: --emergency.
func (f *settingFlag) IsBoolFlag() bool { return f.set.Kind == store.SettingBool }

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
		if err := svc.CreateListBy(ctx, cliActor(), l); errors.Is(err, listserv.ErrDuplicate) {
			return advise(err, "see `praxis list show %s`", l.Address)
		} else if err != nil {
			return err
		}
		for _, o := range owners {
			if err := svc.AddMemberBy(ctx, cliActor(), l.Address, &listserv.Member{Address: o, Role: listserv.RoleOwner}); err != nil {
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
			var names []string
			for _, set := range store.ListSettings {
				names = append(names, set.Name)
			}
			return usagef("list set: nothing to change; give at least one of --%s", strings.Join(names, " --"))
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
			if set, ok := store.ListSetting(f.Name); ok {
				// Parsed into l already: it parses again.
				err = errors.Join(err, set.Set(cur, set.Get(l)))
			}
		})
		if err != nil {
			return err
		}
		if err := svc.SetList(ctx, cliActor(), cur); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "updated list %s\n", cur.Address)
		return nil
	}
}

// listLog prints a list's audit log, newest first.
func (c *cli) listLog(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	n := fs.Int("limit", 100, fmt.Sprintf("print the newest N entries (at most %d)", store.MaxAuditPage))
	return func(ctx context.Context, pos []string) error {
		if *n <= 0 || *n > store.MaxAuditPage {
			return usagef("list log: --limit is 1 to %d", store.MaxAuditPage)
		}
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		_, es, err := svc.AuditLog(ctx, pos[0], 0, *n)
		if err != nil {
			return err
		}
		return printRows(c, es, *asJSON, auditJSON, "WHEN\tWHO\tVIA\tWHAT\tON\tDETAIL", func(e *listserv.AuditEntry) []any {
			return []any{e.At.Format("2006-01-02 15:04:05 MST"), cell(e.Actor), e.Via, e.Action, cell(e.Target), cell(e.Detail)}
		})
	}
}

func auditJSON(e *listserv.AuditEntry) map[string]any {
	return map[string]any{
		"id": e.ID, "at": e.At.Format("2006-01-02T15:04:05Z07:00"), "actor": e.Actor, "via": e.Via,
		"action": e.Action, "target": e.Target, "detail": e.Detail,
	}
}

// cell is a column of the log's table: "-" for none, so that the
// columns stay put, and control characters (a ban's pattern is anyone's
// text) as "?", so that none moves the columns or drives the terminal.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
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

// cliActor is who changes a list from the command line, for its audit log.
func cliActor() listserv.Actor {
	return listserv.Actor{Who: remover(), Via: listserv.ViaCLI}
}
