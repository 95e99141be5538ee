package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"praxis/listserv"
	"praxis/listserv/apppass"
	"praxis/listserv/request"
	"praxis/listserv/store"
)

func memberFlags(fs *flag.FlagSet, m *listserv.Member) {
	fs.StringVar(&m.Name, "name", m.Name, "display name")
	fs.StringVar(&m.Role, "role", m.Role, "member, moderator or owner")
	fs.StringVar(&m.Delivery, "delivery", m.Delivery, "each, digest, summary or nomail")
	fs.StringVar(&m.Expertise, "expertise", m.Expertise, `what the member can help with: "terms, …"`)
}

func (c *cli) memberAdd(fs *flag.FlagSet) runFunc {
	m := &listserv.Member{Role: listserv.RoleMember, Delivery: listserv.DeliverEach}
	memberFlags(fs, m)
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		m.Address = pos[1]
		if err := svc.AddMemberBy(ctx, cliActor(), pos[0], m); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "added %s to %s as %s (delivery %s)\n", m.Address, pos[0], m.Role, m.Delivery)
		return nil
	}
}

func (c *cli) memberRm(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		if err := svc.RemoveMemberBy(ctx, cliActor(), pos[0], pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed %s from %s\n", pos[1], pos[0])
		return nil
	}
}

func memberJSON(m *listserv.Member) map[string]any {
	return map[string]any{
		"address": m.Address, "name": m.Name, "role": m.Role, "delivery": m.Delivery,
		"status": m.Status, "bounce_score": m.BounceScore, "expertise": m.Expertise, "moderated": m.Moderated,
		"listing": request.OnOffText(m.Listed), "suggestions": request.OnOffText(!m.SuggestionsOff),
		"joined": m.CreatedAt.Format("2006-01-02T15:04:05Z07:00"),
	}
}

func (c *cli) memberLs(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		_, ms, err := svc.Members(ctx, pos[0])
		if err != nil {
			return err
		}
		return printRows(c, ms, *asJSON, memberJSON, "ADDRESS\tNAME\tROLE\tDELIVERY\tSTATUS", func(m *listserv.Member) []any {
			return []any{m.Address, m.Name, m.Role, m.Delivery, m.Status}
		})
	}
}

func (c *cli) memberShow(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, pos []string) error {
		return c.withMember(ctx, pos, func(svc *listserv.Service, l *listserv.List, m *listserv.Member) error {
			failures, err := svc.Failures(ctx, l, m.Address)
			if err != nil {
				return err
			}
			if *asJSON {
				j := memberJSON(m)
				j["list"] = l.Address
				j["delivery_failures"] = len(failures)
				return printJSON(c, j)
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "list:\t%s\n", l.Address)
			fmt.Fprintf(tw, "address:\t%s\n", m.Address)
			fmt.Fprintf(tw, "name:\t%s\n", m.Name)
			fmt.Fprintf(tw, "role:\t%s\n", m.Role)
			fmt.Fprintf(tw, "delivery:\t%s\n", m.Delivery)
			fmt.Fprintf(tw, "status:\t%s\n", m.Status)
			fmt.Fprintf(tw, "bounce score:\t%g\n", m.BounceScore)
			fmt.Fprintf(tw, "moderated:\t%v\n", m.Moderated)
			if !m.DisabledAt.IsZero() {
				fmt.Fprintf(tw, "disabled since:\t%s (%d warnings sent)\n", m.DisabledAt.Format("2006-01-02 15:04 MST"), m.WarningsSent)
			}
			fmt.Fprintf(tw, "expertise:\t%s\n", m.Expertise)
			fmt.Fprintf(tw, "listing:\t%s\n", request.OnOffText(m.Listed))
			fmt.Fprintf(tw, "suggestions:\t%s\n", request.OnOffText(!m.SuggestionsOff))
			fmt.Fprintf(tw, "joined:\t%s\n", m.CreatedAt.Format("2006-01-02 15:04 MST"))
			fmt.Fprintf(tw, "delivery failures:\t%d\n", len(failures))
			if len(failures) > 0 {
				f := failures[0]
				fmt.Fprintf(tw, "last failure:\t%s %d %s %s\n", f.At.Format("2006-01-02 15:04 MST"), f.Code, f.Enhanced, f.Text)
			}
			return tw.Flush()
		})
	}
}

func (c *cli) memberSet(fs *flag.FlagSet) runFunc {
	var m listserv.Member
	memberFlags(fs, &m)
	fs.StringVar(&m.Status, "status", "", "enabled, disabled_user, disabled_moderator or disabled_bounce")
	fs.BoolVar(&m.Moderated, "moderated", false, "hold the member's posts for a moderator")
	var listing, suggestions onOffFlag
	fs.Var(&listing, "listing", `on or off: the member appears, with their expertise, on the list's "who knows what" page`)
	fs.Var(&suggestions, "suggestions", "on or off: a question the member asks gets a private mail of related answered threads")
	return func(ctx context.Context, pos []string) error {
		changed := 0
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "data" && f.Name != "db" && f.Name != "config" {
				changed++
			}
		})
		if changed == 0 {
			return usagef("member set: nothing to change; give at least one of --name --role --delivery --expertise --status --moderated --listing --suggestions")
		}
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		_, cur, err := svc.Member(ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "name":
				cur.Name = m.Name
			case "role":
				cur.Role = m.Role
			case "delivery":
				cur.Delivery = m.Delivery
			case "expertise":
				cur.Expertise = m.Expertise
			case "moderated":
				cur.Moderated = m.Moderated
			case "listing":
				cur.Listed = bool(listing)
			case "suggestions":
				cur.SuggestionsOff = !bool(suggestions)
			case "status":
				cur.Status = m.Status
				if m.Status == listserv.StatusEnabled {
					cur.BounceScore = 0
				}
			}
		})
		if err := svc.SetMember(ctx, cliActor(), cur); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "updated %s on %s\n", cur.Address, pos[0])
		return nil
	}
}

func (c *cli) memberInvite(fs *flag.FlagSet) runFunc {
	name := fs.String("name", "", "display name")
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		out, err := svc.InviteBy(ctx, cliActor(), pos[0], pos[1], *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, out.Message)
		return nil
	}
}

// memberAppPassword makes a member a new IMAP app password and prints it,
// alone on stdout so that a script can take it; the store keeps only its
// hash, so this is the one time it is shown. --revoke removes all of the
// member's passwords for the list instead.
func (c *cli) memberAppPassword(fs *flag.FlagSet) runFunc {
	revoke := fs.Bool("revoke", false, "remove every app password of the member for this list")
	return func(ctx context.Context, pos []string) error {
		return c.withMember(ctx, pos, func(svc *listserv.Service, l *listserv.List, m *listserv.Member) error {
			if *revoke {
				n, err := svc.Store().RevokeAppPasswords(ctx, l.ID, m.Address)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "revoked %d app password(s) of %s on %s\n", n, m.Address, l.Address)
				return nil
			}
			plain, err := apppass.Issue(ctx, svc.Store(), l.ID, m.Address)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, plain)
			fmt.Fprintf(c.stderr, "The IMAP app password of %s for %s, shown this once (only its hash is kept): the user name is the address. `praxis member app-password %s %s --revoke` removes it.\n",
				m.Address, l.Address, l.Address, m.Address)
			return nil
		})
	}
}

// importMembers adds the members of a CSV file, `email,name,role,delivery`
// per line (listserv.Service.ImportMembers, which the owners' web page
// uses too): bad lines are named with their number and the rest still
// go in, but a file of store.MaxBadMemberLines bad lines adds nothing.
func (c *cli) importMembers(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		f, err := os.Open(pos[1])
		if err != nil {
			return fmt.Errorf("import members: %w", err)
		}
		defer f.Close()
		svc, l, done, err := c.openList(ctx, pos[0])
		if err != nil {
			return err
		}
		defer done()
		rep, err := svc.ImportMembers(ctx, cliActor(), l.Address, f)
		if rep != nil {
			for _, b := range rep.Refused {
				if b.Line > 0 {
					fmt.Fprintf(c.stderr, "praxis: %s line %d: %s\n", pos[1], b.Line, store.ErrorText(b.Err))
				} else {
					fmt.Fprintf(c.stderr, "praxis: %s: %s\n", pos[1], store.ErrorText(b.Err))
				}
			}
		}
		if errors.Is(err, store.ErrNotMembersFile) {
			return advise(fmt.Errorf("%s: %w", pos[1], err), "a members file has one member a line: email,name,role,delivery")
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s: %d members added to %s, %d already members, %d lines refused\n", pos[1], rep.Added, l.Address, rep.Already, len(rep.Refused))
		if len(rep.Refused) > 0 {
			return fmt.Errorf("%d lines of %s were not imported (see above)", len(rep.Refused), pos[1])
		}
		return nil
	}
}

// withMember opens the service and runs f on the member pos names (LIST
// ADDR), the start of every command about one member.
func (c *cli) withMember(ctx context.Context, pos []string, f func(svc *listserv.Service, l *listserv.List, m *listserv.Member) error) error {
	svc, done, err := c.openService(ctx)
	if err != nil {
		return err
	}
	defer done()
	l, m, err := svc.Member(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	return f(svc, l, m)
}

// onOffFlag is an on|off setting's flag, read as the robot's `set` reads
// it (request.OnOff).
type onOffFlag bool

func (f *onOffFlag) String() string { return request.OnOffText(bool(*f)) }

func (f *onOffFlag) Set(v string) error {
	on, ok := request.OnOff(v)
	if !ok {
		return fmt.Errorf("on or off, not %q", v)
	}
	*f = onOffFlag(on)
	return nil
}
