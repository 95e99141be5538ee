package imapin

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-imap/commands"

	"praxis/listserv/config"
	"praxis/listserv/store"
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
	if err := in.interrupt("before act"); err != nil {
		return err
	}
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	var err error
	switch in.cfg.URL.After {
	case config.AfterSeen:
		err = c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.SeenFlag}, nil)
	case config.AfterMove:
		err = in.move(ctx, c, uidValidity, uids)
	case config.AfterDelete:
		err = in.remove(c, set)
	}
	if err != nil {
		return fmt.Errorf("after=%s on %d messages (retried on the next pass): %w", in.cfg.URL.After, len(uids), err)
	}
	return in.st.MarkIngestActed(ctx, in.source, uidValidity, uids)
}

// move moves uids to the after=move folder: MOVE (RFC 6851) when
// offered, else COPY then delete.
func (in *Ingester) move(ctx context.Context, c *client.Client, uidValidity uint32, uids []uint32) error {
	ok, err := c.Support("MOVE")
	if err != nil {
		return err
	}
	if ok {
		set := new(imap.SeqSet)
		set.AddNum(uids...)
		return c.UidMove(set, in.cfg.URL.Folder)
	}
	return in.copyThenDelete(ctx, c, uidValidity, uids)
}

// copyThenDelete is after=move without MOVE. A crash or a lost connection
// can fall between the COPY and the delete, leaving a message in both
// places, and its retry must not copy it a second time. So before the
// COPY the folder's UIDVALIDITY and UIDNEXT are written on the messages'
// rows: a copy that COPY makes gets a UID from that UIDNEXT on (RFC 3501
// §2.3.1.1), and a retry looks for each message there (notCopied) and
// copies only those it does not find. A crash before that write has sent
// no COPY; after it, the COPY made all its copies or none (RFC 3501
// §6.4.7), and the retry finds them or copies them.
func (in *Ingester) copyThenDelete(ctx context.Context, c *client.Client, uidValidity uint32, uids []uint32) error {
	begun, err := in.st.IngestCopying(ctx, in.source, uidValidity, uids)
	if err != nil {
		return err
	}
	toCopy := uids
	if len(begun) > 0 {
		if toCopy, err = in.notCopied(c, uidValidity, uids, begun); err != nil {
			return err
		}
	}
	folder := in.cfg.URL.Folder
	if len(toCopy) > 0 {
		status, err := c.Status(folder, []imap.StatusItem{imap.StatusUidNext, imap.StatusUidValidity})
		if err != nil {
			return fmt.Errorf("status of %q: %w", folder, err)
		}
		// Without a UIDNEXT a retry looks through the whole folder.
		to := store.IngestCopy{UIDValidity: status.UidValidity, UIDNext: max(status.UidNext, 1)}
		if err := in.st.MarkIngestCopying(ctx, in.source, uidValidity, toCopy, to); err != nil {
			return err
		}
		if err := in.interrupt("before copy"); err != nil {
			return err
		}
		set := new(imap.SeqSet)
		set.AddNum(toCopy...)
		if err := c.UidCopy(set, folder); err != nil {
			return err
		}
		if err := in.interrupt("after copy"); err != nil {
			return err
		}
	}
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	return in.remove(c, set)
}

// notCopied returns those of uids that are still in the mailbox and have
// no copy in the folder from the COPY begun for them (begun; those not in
// it were never copied). A copy is the folder's message with the same
// size and header block and a UID from the folder's UIDNEXT recorded
// before that COPY; each copy stands for one message. It examines the
// folder and selects the mailbox again; when that fails, or the mailbox
// has another UIDVALIDITY now, the connection is closed, so that nothing
// runs on the wrong mailbox.
func (in *Ingester) notCopied(c *client.Client, uidValidity uint32, uids []uint32, begun map[uint32]store.IngestCopy) (out []uint32, err error) {
	set := new(imap.SeqSet)
	for u := range begun {
		set.AddNum(u)
	}
	have, err := identities(c, set, 1)
	if err != nil {
		return nil, err
	}
	folder := in.cfg.URL.Folder
	status, err := c.Select(folder, true)
	if err != nil {
		// A failed SELECT leaves no mailbox selected (RFC 3501 §6.3.1);
		// reselect closes the connection if it cannot set that right.
		in.reselect(c, uidValidity)
		return nil, fmt.Errorf("examine %q: %w", folder, err)
	}
	defer func() {
		if serr := in.reselect(c, uidValidity); serr != nil && err == nil {
			out, err = nil, serr
		}
	}()
	// The folder is looked through from the lowest UIDNEXT recorded; a
	// folder made again since (another UIDVALIDITY), whole.
	from := uint32(0)
	for _, b := range begun {
		start := b.UIDNext
		if b.UIDValidity != status.UidValidity {
			start = 1
		}
		if from == 0 || start < from {
			from = start
		}
	}
	var copies map[uint32]string
	if status.Messages > 0 && (status.UidNext == 0 || from < status.UidNext) {
		set := new(imap.SeqSet)
		set.AddRange(from, 0) // from:*
		if copies, err = identities(c, set, from); err != nil {
			return nil, err
		}
	}
	// The folder's UIDs of each identity, ascending.
	byID := map[string][]uint32{}
	for u, id := range copies {
		byID[id] = append(byID[id], u)
	}
	for _, us := range byID {
		sort.Slice(us, func(i, j int) bool { return us[i] < us[j] })
	}
	found := 0
	for _, u := range uids {
		b, wasBegun := begun[u]
		if !wasBegun {
			out = append(out, u)
			continue
		}
		id, there := have[u]
		if !there {
			// Gone from the mailbox: deleted after its copy.
			continue
		}
		at := -1
		for i, cu := range byID[id] {
			if b.UIDValidity != status.UidValidity || cu >= b.UIDNext {
				at = i
				break
			}
		}
		if at < 0 {
			out = append(out, u)
			continue
		}
		byID[id] = append(byID[id][:at], byID[id][at+1:]...)
		found++
	}
	if found > 0 {
		in.log.Info("imap ingest: copies of an interrupted COPY found in the after=move folder; not copied again", "folder", folder, "messages", found)
	}
	return out, nil
}

// reselect selects the ingested mailbox again after notCopied examined
// the folder; on failure, or on another UIDVALIDITY, it closes the
// connection (the session ends and the next one starts afresh).
func (in *Ingester) reselect(c *client.Client, uidValidity uint32) error {
	status, err := c.Select(in.cfg.URL.Mailbox, false)
	if err == nil && status.UidValidity != uidValidity {
		err = fmt.Errorf("UIDVALIDITY changed from %d to %d", uidValidity, status.UidValidity)
	}
	if err != nil {
		c.Terminate()
		return fmt.Errorf("selecting %q again: %w", in.cfg.URL.Mailbox, err)
	}
	return nil
}

// identities returns what names each message of set (UIDs of the
// selected mailbox) from UID from on, to find its copy by: its size and
// header block, which COPY keeps. ("n:*" names the highest UID even
// below n, RFC 3501 §6.4.8: hence from.)
func identities(c *client.Client, set *imap.SeqSet, from uint32) (map[uint32]string, error) {
	section := &imap.BodySectionName{BodyPartName: imap.BodyPartName{Specifier: imap.HeaderSpecifier}, Peek: true}
	ch := make(chan *imap.Message, 16)
	done := make(chan error, 1)
	go func() {
		done <- c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size, section.FetchItem()}, ch)
	}()
	out := map[uint32]string{}
	for m := range ch {
		if m.Uid < from {
			continue
		}
		var head []byte
		if l := m.GetBody(section); l != nil {
			head, _ = io.ReadAll(l)
		}
		out[m.Uid] = fmt.Sprintf("%d\x00%s", m.Size, head)
	}
	if err := <-done; err != nil {
		return nil, fmt.Errorf("fetch headers: %w", err)
	}
	return out, nil
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
