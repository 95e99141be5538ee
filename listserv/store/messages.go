package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Message kinds: which address of a list a message was received for.
const (
	KindPost    = "post"    // LIST@
	KindRequest = "request" // LIST-request@
	KindJoin    = "join"    // LIST-join@
	KindLeave   = "leave"   // LIST-leave@
	KindOwner   = "owner"   // LIST-owner@
	KindConfirm = "confirm" // LIST-confirm+TOKEN@
	KindBounce  = "bounce"  // LIST-bounces(+VERP)@
	KindNotice  = "notice"  // mail Praxis itself composed (rejections, notices)
)

// Message states: the journey of one received message.
const (
	StateReceived  = "received"  // spooled, not yet checked
	StateHeld      = "held"      // waits for a moderator
	StateAccepted  = "accepted"  // deliveries queued
	StateDropped   = "dropped"   // loop, bounce or auto-reply: kept, not relayed
	StateRejected  = "rejected"  // a moderator refused it
	StateDiscarded = "discarded" // a moderator threw it away
	StatePending   = "pending"   // waits for a processor of a later stage
	StateProcessed = "processed" // a command, confirmation or bounce, acted on
)

// Message is one spooled message.
type Message struct {
	ID          int64
	ListID      int64
	ListAddress string
	Kind        string
	Extra       string // the +TOKEN or VERP part of the address
	MailFrom    string
	Rcpt        string
	Remote      string
	Raw         []byte
	State       string
	Reason      string
	MessageID   string
	FromAddr    string
	Subject     string
	ReceivedAt  time.Time
	// Transform is how the post is changed before relaying: "" (not yet
	// decided), "none", "munge" or "wrap" (DMARC).
	Transform string
	// Spam is what the spam checks found before the 250; nil for mail
	// they did not look at.
	Spam *Spam
}

type spoolReq struct {
	ctx  context.Context
	msgs []*Message
	// ingest, when set, is recorded in the same transaction as msgs
	// (imapingest.go); a key already recorded spools nothing and answers
	// ErrDuplicate to this request alone.
	ingest *IngestKey
	err    chan error
}

// Spool stores msgs durably (fsync'd commit) and sets their IDs. Calls from
// many SMTP sessions are grouped into one transaction, so that one fsync
// covers all of them: the 250 waits for the commit either way.
func (s *spoolTable) Spool(ctx context.Context, msgs ...*Message) error {
	return s.enqueueSpool(ctx, spoolReq{ctx: ctx, msgs: msgs, err: make(chan error, 1)})
}

// enqueueSpool hands req to the group-commit loop and waits for its commit.
func (s *core) enqueueSpool(ctx context.Context, req spoolReq) error {
	s.closeM.RLock()
	if s.closed {
		s.closeM.RUnlock()
		return ErrClosed
	}
	select {
	case s.spoolq <- req:
	case <-ctx.Done():
		s.closeM.RUnlock()
		return ctx.Err()
	}
	s.closeM.RUnlock()
	select {
	case err := <-req.err:
		return err
	case <-ctx.Done():
		// The commit may still happen; the sender gets no 250 and retries,
		// which at worst duplicates, never loses.
		return ctx.Err()
	}
}

const maxGroup = 128

// spoolTimeout bounds one group commit: far above what one takes, and
// well within the ten minutes a client waits for its reply to DATA
// (RFC 5321 §4.5.3.2.6). A variable for the tests.
var spoolTimeout = time.Minute

func (s *core) spoolLoop() {
	defer close(s.done)
	for req := range s.spoolq {
		batch := []spoolReq{req}
	drain:
		for len(batch) < maxGroup {
			select {
			case r, ok := <-s.spoolq:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		errs, err := s.spoolBatch(batch)
		for i, r := range batch {
			if err != nil {
				r.err <- err
			} else {
				r.err <- errs[i]
			}
		}
	}
}

// spoolBatch commits batch in one transaction. err fails every request;
// errs[i] is request i's own answer when the commit succeeded (an ingest
// key already recorded).
func (s *core) spoolBatch(batch []spoolReq) (errs []error, err error) {
	// Bounded: on a connection the network lost without a word (a
	// partition, a server that went away uncleanly) a statement waits
	// for TCP to give up, a quarter of an hour, and with it the one loop
	// every post is spooled through. Cut off, the connection is dropped
	// and the next batch takes a new one.
	ctx, cancel := context.WithTimeout(context.Background(), spoolTimeout)
	defer cancel()
	// The insert is prepared once on the spool's one connection (only
	// this loop uses it) and bound to each batch's transaction; before the
	// transaction, which holds that one connection.
	if s.spoolInsert == nil {
		var err error
		if s.spoolInsert, err = s.spool.PrepareContext(ctx, `INSERT INTO messages (list_id, list_address, kind, extra, mail_from, rcpt, remote, raw, state, reason, message_id, from_addr, subject, received_at, updated_at, spam) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`); err != nil {
			return nil, fmt.Errorf("store: spool: %w", err)
		}
	}
	tx, release, err := s.begin(ctx, s.spool)
	if err != nil {
		return nil, fmt.Errorf("store: spool: %w", err)
	}
	defer release()
	if err := s.lockIngestKeys(ctx, tx, batch); err != nil {
		return nil, err
	}
	stmt := tx.StmtContext(ctx, s.spoolInsert)
	defer stmt.Close()
	now := s.unix()
	errs = make([]error, len(batch))
	for i, r := range batch {
		if r.ingest != nil {
			// Checked inside the transaction, and the key written before
			// the next request of the batch is looked at: two requests
			// for one key in one batch spool once.
			taken, err := s.ingestTaken(ctx, tx, r.ingest)
			if err != nil {
				return nil, err
			}
			if taken {
				errs[i] = fmt.Errorf("store: %s uid %d: %w", r.ingest.Source, r.ingest.UID, ErrDuplicate)
				continue
			}
		}
		for _, m := range r.msgs {
			if m.State == "" {
				m.State = StateReceived
			}
			spam, err := spamColumn(m.Spam)
			if err != nil {
				return nil, err
			}
			err = stmt.QueryRowContext(ctx, nullID(m.ListID), m.ListAddress, m.Kind, m.Extra, m.MailFrom, m.Rcpt, m.Remote, m.Raw, m.State, m.Reason, m.MessageID, m.FromAddr, m.Subject, now, now, spam).Scan(&m.ID)
			if err != nil {
				return nil, fmt.Errorf("store: spool: %w", err)
			}
			m.ReceivedAt = time.Unix(now, 0).UTC()
		}
		if r.ingest != nil {
			var spoolID int64
			if len(r.msgs) > 0 {
				spoolID = r.msgs[0].ID
			}
			if err := recordIngest(ctx, tx, r.ingest, spoolID, ingestPosted, "", now); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: spool commit: %w", err)
	}
	s.lastSpool.Store(time.Now().UnixNano())
	return errs, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const messageCols = `id, COALESCE(list_id, 0), list_address, kind, extra, mail_from, rcpt, remote, raw, state, reason, message_id, from_addr, subject, received_at, transform, spam`

func scanMessage(row interface{ Scan(...any) error }, withRaw bool) (*Message, error) {
	var m Message
	var received int64
	var raw []byte
	var spam string
	if err := row.Scan(&m.ID, &m.ListID, &m.ListAddress, &m.Kind, &m.Extra, &m.MailFrom, &m.Rcpt, &m.Remote, &raw, &m.State, &m.Reason, &m.MessageID, &m.FromAddr, &m.Subject, &received, &m.Transform, &spam); err != nil {
		return nil, err
	}
	m.Spam = parseSpam(spam)
	if withRaw {
		m.Raw = raw
	}
	m.ReceivedAt = time.Unix(received, 0).UTC()
	return &m, nil
}

// CameAsPost tells whether a post with this Message-ID came to the list
// as mail (SMTP, LMTP, IMAP ingest: spooled), rather than only by an
// import into its archive.
func (s *spoolTable) CameAsPost(ctx context.Context, listID int64, messageID string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE list_id = ? AND message_id = ? AND kind = ?`, listID, messageID, KindPost).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: came as post: %w", err)
	}
	return n > 0, nil
}

// Message returns one spooled message with its raw bytes.
func (s *spoolTable) Message(ctx context.Context, id int64) (*Message, error) {
	m, err := scanMessage(s.queryRow(ctx, `SELECT `+messageCols+` FROM messages WHERE id = ?`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: message #%d: %w", id, err)
	}
	return m, nil
}

// MessagesInState returns up to limit messages in state with ID > after, raw
// bytes included, oldest first.
func (s *spoolTable) MessagesInState(ctx context.Context, state string, after int64, limit int) ([]*Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageCols+` FROM messages WHERE state = ? AND id > ? ORDER BY id LIMIT ?`, state, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: messages in %s: %w", state, err)
	}
	defer rows.Close()
	var out []*Message
	for rows.Next() {
		m, err := scanMessage(rows, true)
		if err != nil {
			return nil, fmt.Errorf("store: messages in %s: %w", state, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MessageIDsInState returns up to limit IDs of messages in state with ID >
// after, oldest first: callers then load one message's bytes at a time, so
// a backlog of large posts does not sit in memory at once.
func (s *spoolTable) MessageIDsInState(ctx context.Context, state string, after int64, limit int) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM messages WHERE state = ? AND id > ? ORDER BY id LIMIT ?`, state, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: messages in %s: %w", state, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: messages in %s: %w", state, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ListMessages returns a list's messages in state (no raw bytes), oldest first.
func (s *spoolTable) ListMessages(ctx context.Context, listID int64, state string) ([]*Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageCols+` FROM messages WHERE list_id = ? AND state = ? ORDER BY id`, listID, state)
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	defer rows.Close()
	var out []*Message
	for rows.Next() {
		m, err := scanMessage(rows, false)
		if err != nil {
			return nil, fmt.Errorf("store: list messages: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Delivery is one copy to send: a row of the outbound queue.
type Delivery struct {
	ID        int64
	MessageID int64
	ListID    int64
	// ListAddress is filled by DueDeliveries from the lists table.
	ListAddress string
	Rcpt        string
	Mode        string // ModeCopy, ModeRaw or ModeDigest
	// EnvFrom is the envelope sender; empty for list copies, whose VERP
	// address the queue derives from the list and the recipient.
	EnvFrom   string
	Attempts  int
	CreatedAt time.Time
	// Lease is the node that claimed the copy (ClaimDeliveries), "" for
	// a copy read without a claim (DueDeliveries); RecordOutcomes writes
	// the outcome only while the row names this node.
	Lease string
}

// Delivery modes.
const (
	ModeCopy = "copy" // the list's rewritten copy, personalised for Rcpt
	ModeRaw  = "raw"  // the stored bytes as they are (notices, mail to owners)
	// ModeDigest is the stored bytes with the recipient's own one-click
	// List-Unsubscribe in front: one digest stored, sent to every
	// digest member with a link that is theirs (RFC 8058).
	ModeDigest = "digest"
)

// Fanout selects the members of a list who get a personalised copy of a
// post: those with the given delivery mode and status.
type Fanout struct {
	ListID   int64
	Delivery string
	Status   string
}

// Transition moves a message from state from to state to, recording why,
// and queues deliveries in the same transaction; it fails with ErrState if
// the message is no longer in from (another process decided first), so that
// replaying a step after a crash never doubles its deliveries.
func (s *spoolTable) Transition(ctx context.Context, id int64, from, to, reason, messageID string, ds []*Delivery) error {
	_, err := s.TransitionFanout(ctx, id, from, to, reason, messageID, ds, nil)
	return err
}

// The statements every accepted post runs (TransitionFanout), put in the
// statement cache at Open.
const (
	sqlTransition      = `UPDATE messages SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state = ?`
	sqlTransitionNamed = `UPDATE messages SET state = ?, reason = ?, updated_at = ?, message_id = ? WHERE id = ? AND state = ?`
	sqlFanout          = `INSERT INTO deliveries (message_id, list_id, rcpt, mode, env_from, state, attempts, next_at, created_at)
		SELECT ?, list_id, address, 'copy', '', 'queued', 0, ?, ? FROM members WHERE list_id = ? AND delivery = ? AND status = ?
		ON CONFLICT (message_id, rcpt) DO NOTHING`
)

// TransitionFanout is Transition that also queues one ModeCopy delivery for
// every member fan selects, with one INSERT … SELECT: a post to 10,000
// members costs one statement, not 10,000. Their envelope sender is left
// empty for the queue to derive (VERP). It returns the number of copies
// queued by fan.
func (s *spoolTable) TransitionFanout(ctx context.Context, id int64, from, to, reason, messageID string, ds []*Delivery, fan *Fanout) (int64, error) {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("store: transition #%d: %w", id, err)
	}
	defer release()
	if fan != nil {
		// A member's removal (RemoveMember) comes wholly before or after
		// the copies queued here, as on SQLite: fan-outs of the list run
		// together, a removal waits for them and they for it (PostgreSQL;
		// see lockKey). First, before any row: RemoveMember too takes it
		// before touching one, so none waits in a cycle.
		if err := s.lockKeyShared(ctx, tx, "roster", fan.ListID); err != nil {
			return 0, fmt.Errorf("store: fan out #%d: %w", id, err)
		}
	}
	now := s.unix()
	q, args := sqlTransition, []any{to, reason, now, id, from}
	if messageID != "" {
		q, args = sqlTransitionNamed, []any{to, reason, now, messageID, id, from}
	}
	res, err := s.txExec(ctx, tx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("store: transition #%d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, fmt.Errorf("message #%d is not %s: %w", id, from, ErrState)
	}
	if err := insertDeliveries(ctx, tx, id, ds, now); err != nil {
		return 0, err
	}
	var fanned int64
	if fan != nil {
		res, err := s.txExec(ctx, tx, sqlFanout, id, now, now, fan.ListID, fan.Delivery, fan.Status)
		if err != nil {
			return 0, fmt.Errorf("store: fan out #%d: %w", id, err)
		}
		fanned, _ = res.RowsAffected()
	}
	return fanned, tx.Commit()
}

func insertDeliveries(ctx context.Context, tx *txn, msgID int64, ds []*Delivery, now int64) error {
	if len(ds) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (message_id, list_id, rcpt, mode, env_from, state, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?) ON CONFLICT (message_id, rcpt) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("store: queue deliveries: %w", err)
	}
	defer stmt.Close()
	for _, d := range ds {
		if _, err := stmt.ExecContext(ctx, msgID, nullID(d.ListID), d.Rcpt, d.Mode, d.EnvFrom, now, now); err != nil {
			return fmt.Errorf("store: queue delivery to %s: %w", d.Rcpt, err)
		}
	}
	return nil
}

// SpoolNotice stores a message Praxis composed itself and queues it for its
// recipients, in one transaction, with the requests (if any) the message
// asks its recipients to confirm: a request is never stored without its
// mail, so a crash in between cannot leave one that "was already sent".
func (s *spoolTable) SpoolNotice(ctx context.Context, m *Message, ds []*Delivery, requests ...*Pending) error {
	_, err := s.spoolNotice(ctx, nil, m, ds, requests)
	return err
}

// spoolNotice is SpoolNotice, and SpoolNoticeOnce with a claim: the claim
// is made first in the transaction, so that nodes claiming the same one
// at once take turns, and the one that finds it made stores nothing.
func (s *spoolTable) spoolNotice(ctx context.Context, c *JobClaim, m *Message, ds []*Delivery, requests []*Pending) (bool, error) {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return false, fmt.Errorf("store: notice: %w", err)
	}
	defer release()
	now := s.unix()
	if c != nil {
		won, err := claimJob(ctx, tx, *c, s.node, now)
		if err != nil || !won {
			return false, err
		}
	}
	for _, p := range requests {
		if err := insertPending(ctx, tx, p); err != nil {
			return false, err
		}
	}
	if err := insertNotice(ctx, tx, m, now); err != nil {
		return false, err
	}
	if err := insertDeliveries(ctx, tx, m.ID, ds, now); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: notice: %w", err)
	}
	return true, nil
}

// insertNotice stores a message Praxis wrote itself, accepted, and sets
// its ID.
func insertNotice(ctx context.Context, tx *txn, m *Message, now int64) error {
	m.Kind, m.State = KindNotice, StateAccepted
	err := tx.QueryRowContext(ctx, `INSERT INTO messages (list_id, list_address, kind, extra, mail_from, rcpt, remote, raw, state, reason, message_id, from_addr, subject, received_at, updated_at) VALUES (?, ?, ?, '', ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullID(m.ListID), m.ListAddress, m.Kind, m.MailFrom, m.Rcpt, m.Raw, m.State, m.Reason, m.MessageID, m.FromAddr, m.Subject, now, now).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("store: notice: %w", err)
	}
	return nil
}

// SetTransform records how a post is changed before relaying.
func (s *spoolTable) SetTransform(ctx context.Context, id int64, transform string) error {
	if _, err := s.exec(ctx, `UPDATE messages SET transform = ? WHERE id = ?`, transform, id); err != nil {
		return fmt.Errorf("store: transform #%d: %w", id, err)
	}
	return nil
}
