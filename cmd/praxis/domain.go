package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"praxis/listserv/dkim"
	"praxis/listserv/store"
)

func (c *cli) domain(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "dkim-keygen" {
		return usagef("usage: praxis domain dkim-keygen DOMAIN [--selector NAME]")
	}
	fs := c.flags("domain dkim-keygen")
	selector := fs.String("selector", "", "the DKIM selector (the name under _domainkey); default praxis, or praxisYYYYMMDD with --rotate")
	rotate := fs.Bool("rotate", false, "replace the domain's existing key (publish the new record first: signing switches at once)")
	pos, err := parse(fs, args[1:], 1, 1, "domain dkim-keygen DOMAIN [--selector NAME] [--rotate]")
	if err != nil {
		return err
	}
	domain := strings.ToLower(strings.TrimSuffix(pos[0], "."))
	if *selector == "" {
		*selector = "praxis"
		if *rotate {
			// A new selector, so the old record can stay published while
			// mail signed with the old key is still in flight.
			*selector = "praxis" + time.Now().UTC().Format("20060102")
		}
	}
	pemKey, err := dkim.GenerateKey()
	if err != nil {
		return err
	}
	name, _, zoneLine, err := dkim.TXTRecord(domain, *selector, pemKey)
	if err != nil {
		return err
	}
	svc, done, err := c.openService(ctx)
	if err != nil {
		return err
	}
	defer done()
	if old, err := svc.Store().DKIMKeyFor(ctx, domain); err == nil && !*rotate {
		return fmt.Errorf("%s already has a DKIM key (selector %q); to replace it, publish a new record with --rotate and a new --selector", domain, old.Selector)
	}
	if err := svc.Store().PutDKIMKey(ctx, &store.DKIMKey{Domain: domain, Selector: *selector, PrivatePEM: pemKey}); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Mail of %s is now signed with selector %q. Publish this TXT record at %s:\n\n%s\n", domain, *selector, name, zoneLine)
	return nil
}

func (c *cli) ban(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("usage: praxis ban add|rm LIST PATTERN | ban ls LIST")
	}
	verb := args[0]
	fs := c.flags("ban " + verb)
	min, max, synopsis := 2, 2, "ban "+verb+" LIST PATTERN (an address, or ^regex)"
	if verb == "ls" {
		min, max, synopsis = 1, 1, "ban ls LIST"
	} else if verb != "add" && verb != "rm" {
		return usagef("unknown ban command %q: use add, rm or ls", verb)
	}
	pos, err := parse(fs, args[1:], min, max, synopsis)
	if err != nil {
		return err
	}
	svc, done, err := c.openService(ctx)
	if err != nil {
		return err
	}
	defer done()
	switch verb {
	case "ls":
		bans, err := svc.Subscriptions().Bans(ctx, pos[0])
		if err != nil {
			return err
		}
		for _, b := range bans {
			fmt.Fprintln(c.stdout, b)
		}
		return nil
	case "add":
		if err := svc.Subscriptions().AddBan(ctx, pos[0], pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "banned %s on %s\n", pos[1], pos[0])
	default:
		if err := svc.Subscriptions().RemoveBan(ctx, pos[0], pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "unbanned %s on %s\n", pos[1], pos[0])
	}
	return nil
}
