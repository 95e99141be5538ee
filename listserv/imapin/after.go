package imapin

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-imap/commands"

	"praxis/listserv/config"
)

// The after-actions (after=seen|move:FOLDER|delete) run only on messages
// whose key is committed; the store keeps which are still owed.

// actOwed retries the after-actions that did not succeed after their
// commit (a failure, a crash in between).
func (in *Ingester) actOwed(ctx context.Context, c *client.Client, uidValidity uint32) error {
	for {
		uids, err := in.st.IngestUnacted(ctx, in.source, uidValidity, 500)
		if err != nil || len(uids) == 0 {
			return err
		}
		if err := in.act(ctx, c, uidValidity, uids); err != nil {
			return err
		}
		if len(uids) < 500 {
			return nil
		}
	}
}

// act runs the after-action on uids, all of them committed already, and
// records that it is done.
func (in *Ingester) act(ctx context.Context, c *client.Client, uidValidity uint32, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	var err error
	switch in.cfg.URL.After {
	case config.AfterSeen:
		err = c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.SeenFlag}, nil)
	case config.AfterMove:
		err = in.move(c, set)
	case config.AfterDelete:
		err = in.remove(c, set)
	}
	if err != nil {
		return fmt.Errorf("after=%s on %d messages (retried on the next pass): %w", in.cfg.URL.After, len(uids), err)
	}
	return in.st.MarkIngestActed(ctx, in.source, uidValidity, uids)
}

// move moves set to the after=move folder: MOVE (RFC 6851) when offered,
// else COPY then delete. The fallback is not atomic: a failure between
// the COPY and the delete leaves the message in both, and the retry
// copies it again (a duplicate in the folder, never a second post).
func (in *Ingester) move(c *client.Client, set *imap.SeqSet) error {
	ok, err := c.Support("MOVE")
	if err != nil {
		return err
	}
	if ok {
		return c.UidMove(set, in.cfg.URL.Folder)
	}
	if err := c.UidCopy(set, in.cfg.URL.Folder); err != nil {
		return err
	}
	return in.remove(c, set)
}

// remove deletes set for good. With UIDPLUS, UID EXPUNGE (RFC 4315 §2.1)
// removes only these messages; a plain EXPUNGE would also remove any
// message someone else had marked \Deleted and meant to keep a while.
func (in *Ingester) remove(c *client.Client, set *imap.SeqSet) error {
	if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.DeletedFlag}, nil); err != nil {
		return err
	}
	ok, err := c.Support("UIDPLUS")
	if err != nil {
		return err
	}
	if !ok {
		return c.Expunge(nil)
	}
	status, err := c.Execute(&commands.Uid{Cmd: uidExpunge{set}}, nil)
	if err != nil {
		return err
	}
	return status.Err()
}

// uidExpunge is EXPUNGE with a UID set, sent as UID EXPUNGE (go-imap
// v1.2.1's client has no such command).
type uidExpunge struct{ set *imap.SeqSet }

func (e uidExpunge) Command() *imap.Command {
	return &imap.Command{Name: "EXPUNGE", Arguments: []any{e.set}}
}
