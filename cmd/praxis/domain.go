package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"praxis/listserv/dkim"
	"praxis/listserv/store"
)

func (c *cli) dkimKeygen(fs *flag.FlagSet) runFunc {
	selector := fs.String("selector", "", "the DKIM selector (the name under _domainkey); default praxis, or praxisYYYYMMDD with --rotate")
	rotate := fs.Bool("rotate", false, "replace the domain's existing key (publish the new record first: signing switches at once)")
	return func(ctx context.Context, pos []string) error {
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
}

// dkimShow prints the record of the key in use, so that what DNS
// publishes can be checked against it (dig TXT NAME) after a keygen
// whose output is gone.
func (c *cli) dkimShow(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		domain := strings.ToLower(strings.TrimSuffix(pos[0], "."))
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		key, err := svc.Store().DKIMKeyFor(ctx, domain)
		if errors.Is(err, store.ErrNotFound) {
			return advise(fmt.Errorf("%s has no DKIM key: its mail goes out unsigned", domain), "`praxis domain dkim-keygen %s` makes one", domain)
		}
		if err != nil {
			return err
		}
		name, value, zoneLine, err := dkim.TXTRecord(key.Domain, key.Selector, key.PrivatePEM)
		if err != nil {
			return fmt.Errorf("the DKIM key of %s: %w", domain, err)
		}
		fmt.Fprintf(c.stdout, "Mail of %s is signed with selector %q (key made %s).\n\nname:  %s\nvalue: %s\n\nAs a zone-file line:\n%s\n",
			domain, key.Selector, key.CreatedAt.UTC().Format("2006-01-02"), name, value, zoneLine)
		return nil
	}
}

// banChange is `ban add` and `ban rm`.
func banChange(verb string) func(c *cli, fs *flag.FlagSet) runFunc {
	return func(c *cli, fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, pos []string) error {
			svc, done, err := c.openService(ctx)
			if err != nil {
				return err
			}
			defer done()
			if verb == "add" {
				if err := svc.AddBan(ctx, cliActor(), pos[0], pos[1]); err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "banned %s on %s\n", pos[1], pos[0])
				return nil
			}
			if err := svc.RemoveBan(ctx, cliActor(), pos[0], pos[1]); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "unbanned %s on %s\n", pos[1], pos[0])
			return nil
		}
	}
}

func (c *cli) banLs(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		svc, done, err := c.openService(ctx)
		if err != nil {
			return err
		}
		defer done()
		bans, err := svc.Bans(ctx, pos[0])
		if err != nil {
			return err
		}
		for _, b := range bans {
			fmt.Fprintln(c.stdout, b)
		}
		return nil
	}
}
