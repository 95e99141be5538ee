package imapin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"praxis/listserv/config"
	"praxis/listserv/inbound"
	"praxis/listserv/store"
)

// Store is what the ingester keeps between passes and across restarts.
// The key of a posted message is written by the spool itself (through
// the Receiver), never here.
type Store interface {
	RefuseIngest(ctx context.Context, key store.IngestKey, reason string) error
	IngestedUIDs(ctx context.Context, source string, uidValidity uint32, uids []uint32) (map[uint32]bool, error)
	IngestUnacted(ctx context.Context, source string, uidValidity uint32, limit int) ([]uint32, error)
	MarkIngestActed(ctx context.Context, source string, uidValidity uint32, uids []uint32) error
	IngestSource(ctx context.Context, source string) (*store.IngestSource, error)
	PutIngestSource(ctx context.Context, src *store.IngestSource) error
	SetIngestError(ctx context.Context, source, listAddress, msg string) error
	MarkIngestCopying(ctx context.Context, source string, uidValidity uint32, uids []uint32, to store.IngestCopy) error
	IngestCopying(ctx context.Context, source string, uidValidity uint32, uids []uint32) (map[uint32]store.IngestCopy, error)
	TakeLease(ctx context.Context, name, holder string, d time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

var _ Store = (*store.Store)(nil)

// Config is one source.
type Config struct {
	URL *config.IngestURL
	// MaxMessageBytes is the largest message taken (SMTP's limit).
	MaxMessageBytes int64
	// PollInterval is how often the mailbox is looked at without IDLE
	// (and, with IDLE, how often a pass runs anyway). Default a minute.
	PollInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait before reconnecting after
	// a failure: it doubles from the one to the other. Default 1 s, 5 min.
	MinBackoff, MaxBackoff time.Duration
	// TLS is the base TLS configuration (tests give their own roots);
	// ServerName is set from the URL's host.
	TLS *tls.Config
	// CommandTimeout bounds each IMAP command and the dial. Default 2 min.
	CommandTimeout time.Duration
	// Batch is how many messages one FETCH of sizes covers. Default 50.
	Batch int
	// Dial, when set, replaces the TCP dial (tests reach a local server
	// under another name).
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Node names this node to the others sharing the store: the holder
	// of the source's lease (lease.go). Default: host and pid.
	Node string
	// Lease is how long the source's lease lasts unrenewed; the holder
	// renews it every third of that. Default a minute.
	Lease time.Duration
	// Passed, when set, is called after every pass that got through
	// (tests wait on it instead of on time).
	Passed func()
	// interrupt, when set, is called at the points a crash may fall
	// between two steps (tests: export_test.go); an error stops there.
	interrupt func(point string) error
}

// Ingester takes the messages of one mailbox into a list.
type Ingester struct {
	cfg    Config
	source string
	recv   inbound.Receiver
	st     Store
	log    *slog.Logger
	// row is the source's row as this process last read or wrote it (nil
	// until read): the row is written only when it changes, not on every
	// idle poll. Only Run's goroutine uses it.
	row *store.IngestSource
}

// New makes the ingester of one source; Run runs it.
func New(cfg Config, recv inbound.Receiver, st Store, log *slog.Logger) *Ingester {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Minute
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = 2 * time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.Node == "" {
		cfg.Node = store.DefaultNode()
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 25 << 20
	}
	src := cfg.URL.Source()
	return &Ingester{cfg: cfg, source: src, recv: recv, st: st,
		log: log.With("source", src, "list", cfg.URL.List)}
}

// interrupt stops a step at point when a test asks for it.
func (in *Ingester) interrupt(point string) error {
	if in.cfg.interrupt == nil {
		return nil
	}
	return in.cfg.interrupt(point)
}

// Source is the source's name in the store and the logs (no password).
func (in *Ingester) Source() string { return in.source }

// Run takes messages until ctx ends, reconnecting after failures, while
// it holds the source's lease (lease.go); it returns nil when ctx ends.
// Failures are logged and kept as the source's last error, never fatal: a
// provider's outage must not stop the lists.
func (in *Ingester) Run(ctx context.Context) error {
	backoff := in.cfg.MinBackoff
	for ctx.Err() == nil {
		asked, ok := in.awaitLease(ctx)
		if !ok {
			return nil
		}
		healthy, err := in.underLease(ctx, asked, in.session)
		// Released after every session, failed or not: while this node
		// backs off, another that can reach the mailbox may take it.
		in.releaseLease(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errLeaseLost) {
			continue
		}
		if healthy {
			backoff = in.cfg.MinBackoff
		}
		msg := "connection lost"
		if err != nil {
			msg = err.Error()
		}
		in.log.Error("imap ingest failed", "err", msg, "retry_in", backoff.String())
		if err := in.setError(context.WithoutCancel(ctx), msg); err != nil {
			in.log.Warn("imap ingest: keeping the last error", "err", err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, in.cfg.MaxBackoff)
	}
	return nil
}

// errCleartext: imap:// to a server elsewhere that offers no STARTTLS.
var errCleartext = errors.New("the server offers no STARTTLS, and a password is sent in the clear only to a loopback address: use imaps:// or a server with STARTTLS")

// dial connects and logs in; the returned conn is closed to abort.
func (in *Ingester) dial(ctx context.Context) (*client.Client, net.Conn, error) {
	u := in.cfg.URL
	host, _, _ := net.SplitHostPort(u.Addr)
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if in.cfg.TLS != nil {
		tlsCfg = in.cfg.TLS.Clone()
	}
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = host
	}
	dial := in.cfg.Dial
	if dial == nil {
		d := net.Dialer{Timeout: in.cfg.CommandTimeout, KeepAlive: 30 * time.Second}
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	conn, err := dial(ctx, u.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("connect %s: %w", u.Addr, err)
	}
	if u.TLS {
		tc := tls.Client(conn, tlsCfg)
		hctx, cancel := context.WithTimeout(ctx, in.cfg.CommandTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("TLS with %s: %w", u.Addr, err)
		}
		conn = tc
	} else {
		// imap://: STARTTLS when offered; without it, a password goes
		// out in the clear only to this machine.
		hctx, cancel := context.WithTimeout(ctx, in.cfg.CommandTimeout)
		plain, offered, err := startTLS(hctx, conn, tlsCfg, in.cfg.CommandTimeout)
		cancel()
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("%s: %w", u.Addr, err)
		}
		if !offered && !u.Loopback() {
			conn.Close()
			return nil, nil, fmt.Errorf("%s: %w", u.Addr, errCleartext)
		}
		conn = plain
	}
	// Literals are bounded (literal.go): a body may be up to twice the
	// message limit (a larger one than announced is refused by body),
	// anything beyond ends the session.
	conn = &literalGuard{Conn: conn, max: 2*in.cfg.MaxMessageBytes + 1<<20}
	// The greeting is read by client.New: bound it too.
	conn.SetDeadline(time.Now().Add(in.cfg.CommandTimeout))
	c, err := client.New(conn)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("greeting from %s: %w", u.Addr, err)
	}
	c.ErrorLog = discardLog{}
	c.Timeout = in.cfg.CommandTimeout
	fail := func(err error) (*client.Client, net.Conn, error) {
		conn.Close()
		return nil, nil, err
	}
	if err := c.Login(u.User, u.Password); err != nil {
		// The server's own words (e.g. "[AUTHENTICATIONFAILED]
		// Authentication failed."), never the password.
		return fail(fmt.Errorf("login as %s at %s failed: %w", u.User, u.Addr, err))
	}
	return c, conn, nil
}

// session runs one connection: passes over the mailbox until a failure
// or ctx ends. healthy tells whether a pass got through (the backoff then
// starts again from its minimum).
func (in *Ingester) session(ctx context.Context) (healthy bool, err error) {
	c, conn, err := in.dial(ctx)
	if err != nil {
		return false, err
	}
	// A session the literal guard ended fails with the client's words
	// for a closed connection; the guard's say what happened.
	defer func() {
		if g, ok := conn.(*literalGuard); ok && err != nil {
			if gerr := g.failure(); gerr != nil {
				err = gerr
			}
		}
	}()
	// Closing the connection is what aborts a command in flight.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()

	// Updates from the server (EXISTS while idling) wake the wait; the
	// channel is drained all the time, as a full one blocks the client.
	updates := make(chan client.Update, 16)
	wake := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case u := <-updates:
				if _, ok := u.(*client.MailboxUpdate); ok {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			case <-c.LoggedOut():
				return
			}
		}
	}()
	c.Updates = updates

	u := in.cfg.URL
	if u.After == config.AfterMove {
		if err := in.ensureFolder(c); err != nil {
			return false, err
		}
	}
	mbox, err := c.Select(u.Mailbox, false)
	if err != nil {
		return false, fmt.Errorf("mailbox %q: %w", u.Mailbox, err)
	}
	idle, err := c.Support("IDLE")
	if err != nil {
		return false, fmt.Errorf("capabilities: %w", err)
	}
	in.log.Info("imap ingest: connected", "idle", idle, "uidvalidity", mbox.UidValidity, "messages", mbox.Messages)
	for {
		if err := in.pass(ctx, c); err != nil {
			return healthy, err
		}
		// Healthy once a pass got through: a source that logs in but
		// fails every pass (its list gone) backs off as a failed login does.
		healthy = true
		if in.cfg.Passed != nil {
			in.cfg.Passed()
		}
		if err := in.wait(ctx, c, conn, idle, wake); err != nil {
			return healthy, err
		}
		if ctx.Err() != nil {
			return healthy, nil
		}
	}
}

// ensureFolder makes the after=move folder when it is missing, so that
// MOVE does not fail with [TRYCREATE] after every post.
func (in *Ingester) ensureFolder(c *client.Client) error {
	ch := make(chan *imap.MailboxInfo, 10)
	done := make(chan error, 1)
	go func() { done <- c.List("", in.cfg.URL.Folder, ch) }()
	found := false
	for range ch {
		found = true
	}
	if err := <-done; err != nil {
		return fmt.Errorf("list folder %q: %w", in.cfg.URL.Folder, err)
	}
	if found {
		return nil
	}
	if err := c.Create(in.cfg.URL.Folder); err != nil {
		return fmt.Errorf("create folder %q for after=move: %w", in.cfg.URL.Folder, err)
	}
	in.log.Info("imap ingest: created the after=move folder", "folder", in.cfg.URL.Folder)
	return nil
}

// wait returns when the mailbox may have changed: an EXISTS while idling,
// or PollInterval gone by.
func (in *Ingester) wait(ctx context.Context, c *client.Client, conn net.Conn, idle bool, wake chan struct{}) error {
	timer := time.NewTimer(in.cfg.PollInterval)
	defer timer.Stop()
	if !idle {
		// go-imap leaves the last command's deadline on the connection,
		// and its reader goroutine reads on while we wait: a poll
		// interval longer than CommandTimeout would end the session.
		// The next command sets its own deadline again.
		conn.SetReadDeadline(time.Time{})
		select {
		case <-ctx.Done():
		case <-timer.C:
		case <-c.LoggedOut():
			return errors.New("the server closed the connection")
		}
		return nil
	}
	// A wake-up left from the pass is kept: an EXISTS answered to its
	// last command may be a message its search did not see.
	stop := make(chan struct{})
	done := make(chan error, 1)
	c.Timeout = 0 // IDLE lasts; the library restarts it every LogoutTimeout
	go func() {
		done <- c.Idle(stop, &client.IdleOptions{LogoutTimeout: 10 * time.Minute})
	}()
	var err error
	select {
	case <-ctx.Done():
		close(stop)
		<-done
		return nil
	case <-wake:
	case <-timer.C:
	case err = <-done:
		c.Timeout = in.cfg.CommandTimeout
		if err == nil {
			err = errors.New("IDLE ended")
		}
		return fmt.Errorf("idle: %w", err)
	}
	close(stop)
	err = <-done
	c.Timeout = in.cfg.CommandTimeout
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return nil
}

// pass takes every message not yet taken, then runs the after-actions
// still owed.
func (in *Ingester) pass(ctx context.Context, c *client.Client) error {
	mbox := c.Mailbox()
	if mbox == nil {
		return errors.New("no mailbox selected")
	}
	src, err := in.sourceState(ctx, c, mbox)
	if err != nil {
		return err
	}
	route, err := in.recv.Resolve(ctx, in.cfg.URL.List)
	if err != nil {
		return fmt.Errorf("list %s: %w", in.cfg.URL.List, err)
	}
	// A failing after-action (a read-only mailbox, a folder that cannot
	// be made) must not stop intake: it is logged, shown as the last
	// error, and retried on every pass; the messages are posted already.
	actErr := in.actOwed(ctx, c, src.UIDValidity)
	uids, err := in.candidates(ctx, c, src)
	if err != nil {
		return err
	}
	for len(uids) > 0 {
		n := min(len(uids), in.cfg.Batch)
		chunk := uids[:n]
		uids = uids[n:]
		posted, last, err := in.take(ctx, c, src.UIDValidity, route, chunk)
		if last > src.LastUID {
			src.LastUID = last
			if perr := in.put(ctx, src); perr != nil && err == nil {
				err = perr
			}
		}
		if aerr := in.act(ctx, c, src.UIDValidity, posted); aerr != nil && actErr == nil {
			actErr = aerr
		}
		if err != nil {
			return err
		}
	}
	if actErr != nil {
		if c.State() == imap.LogoutState {
			return actErr
		}
		in.log.Warn("imap ingest: after-action failed; retried on the next pass", "err", actErr)
		return in.setError(ctx, actErr.Error())
	}
	// A pass that got through clears the error shown by list show.
	if in.row.LastError != "" || in.row.ListAddress != src.ListAddress {
		return in.put(ctx, src)
	}
	return nil
}

// loadRow reads the source's row once per process; a source without one
// yet is a row of zeros.
func (in *Ingester) loadRow(ctx context.Context) error {
	if in.row != nil {
		return nil
	}
	row, err := in.st.IngestSource(ctx, in.source)
	switch {
	case errors.Is(err, store.ErrNotFound):
		row = &store.IngestSource{Source: in.source}
	case err != nil:
		return err
	}
	in.row = row
	return nil
}

// put writes where the source got to and clears its last error.
func (in *Ingester) put(ctx context.Context, src *store.IngestSource) error {
	if err := in.st.PutIngestSource(ctx, src); err != nil {
		return err
	}
	row := *src
	row.LastError = ""
	in.row = &row
	return nil
}

// setError keeps msg as the source's last error, unless it is kept
// already: a source failing the same way on every retry writes it once.
func (in *Ingester) setError(ctx context.Context, msg string) error {
	if err := in.loadRow(ctx); err != nil {
		return err
	}
	if in.row.LastError == msg && in.row.ListAddress == in.cfg.URL.List {
		return nil
	}
	if err := in.st.SetIngestError(ctx, in.source, in.cfg.URL.List, msg); err != nil {
		return err
	}
	in.row.LastError, in.row.ListAddress = msg, in.cfg.URL.List
	return nil
}

// sourceState reads where this source got to, starting afresh on the
// first contact and on a UIDVALIDITY change.
//
// On a new UIDVALIDITY (the mailbox was made again, or the server
// renumbered it) the old keys name nothing any more, and taking every
// message would repost old mail. Starting at the current UIDNEXT would
// lose what arrived since the last pass. Praxis takes the messages below
// UIDNEXT only when they are not \Seen, and every one from UIDNEXT on:
// with after=seen the posted ones are \Seen, and with after=move or
// delete they are gone, so what remains unseen is what was not posted yet
// (unless a crash fell between a commit and its after-action just before
// the renumbering). The first contact with a mailbox is handled the same
// way: unread mail waiting there is taken, mail already read is not.
func (in *Ingester) sourceState(ctx context.Context, c *client.Client, mbox *imap.MailboxStatus) (*store.IngestSource, error) {
	if err := in.loadRow(ctx); err != nil {
		return nil, err
	}
	if in.row.UIDValidity == mbox.UidValidity && in.row.UIDValidity != 0 {
		src := *in.row
		src.ListAddress = in.cfg.URL.List
		return &src, nil
	}
	next := mbox.UidNext
	if next == 0 {
		// A server that sent no UIDNEXT: one past the highest UID.
		all, err := c.UidSearch(&imap.SearchCriteria{})
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		for _, u := range all {
			next = max(next, u+1)
		}
		next = max(next, 1)
	}
	if in.row.UIDValidity != 0 {
		in.log.Warn("imap ingest: UIDVALIDITY changed; taking only unseen messages below UIDNEXT",
			"old", in.row.UIDValidity, "new", mbox.UidValidity, "uidnext", next)
	}
	src := &store.IngestSource{Source: in.source, ListAddress: in.cfg.URL.List, UIDValidity: mbox.UidValidity, StartUID: next}
	if err := in.put(ctx, src); err != nil {
		return nil, err
	}
	return src, nil
}

// candidates returns the UIDs to look at, ascending, without those
// already recorded.
func (in *Ingester) candidates(ctx context.Context, c *client.Client, src *store.IngestSource) ([]uint32, error) {
	var uids []uint32
	from := src.LastUID + 1
	if from < src.StartUID {
		set := new(imap.SeqSet)
		set.AddRange(from, src.StartUID-1)
		got, err := c.UidSearch(&imap.SearchCriteria{Uid: set, WithoutFlags: []string{imap.SeenFlag}})
		if err != nil {
			return nil, fmt.Errorf("search unseen: %w", err)
		}
		uids = append(uids, got...)
		from = src.StartUID
	}
	set := new(imap.SeqSet)
	set.AddRange(from, 0) // from:*
	got, err := c.UidSearch(&imap.SearchCriteria{Uid: set})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	// "n:*" always matches the highest UID, even below n (RFC 3501
	// §6.4.8): keep only those at or above from.
	for _, u := range got {
		if u >= from {
			uids = append(uids, u)
		}
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	if len(uids) == 0 {
		return nil, nil
	}
	done, err := in.st.IngestedUIDs(ctx, in.source, src.UIDValidity, uids)
	if err != nil {
		return nil, err
	}
	out := uids[:0]
	for _, u := range uids {
		if !done[u] {
			out = append(out, u)
		}
	}
	return out, nil
}

// take posts the messages of chunk (ascending UIDs). It returns the UIDs
// posted now (their after-action is owed) and the highest UID whose fate
// is settled with none before it left open; it stops at the first
// failure that a later pass may not meet (the store, the connection).
func (in *Ingester) take(ctx context.Context, c *client.Client, uidValidity uint32, route inbound.Route, chunk []uint32) (posted []uint32, last uint32, err error) {
	sizes, err := in.sizes(c, chunk)
	if err != nil {
		return nil, 0, err
	}
	for _, uid := range chunk {
		key := store.IngestKey{Source: in.source, UIDValidity: uidValidity, UID: uid}
		size, ok := sizes[uid]
		if !ok {
			// Expunged since the search: nothing to take.
			last = uid
			continue
		}
		if int64(size) > in.cfg.MaxMessageBytes {
			// SMTP would answer 552 5.3.4 (RFC 3463) to the SIZE.
			reason := fmt.Sprintf("message of %d bytes exceeds max-message-bytes %d (as SMTP 552 5.3.4)", size, in.cfg.MaxMessageBytes)
			if err := in.refuse(ctx, key, reason); err != nil {
				return posted, last, err
			}
			last = uid
			continue
		}
		raw, refusal, gone, err := in.body(c, uid)
		if err != nil {
			return posted, last, err
		}
		if gone {
			last = uid
			continue
		}
		if refusal != "" {
			if err := in.refuse(ctx, key, refusal); err != nil {
				return posted, last, err
			}
			last = uid
			continue
		}
		err = in.post(ctx, key, route, raw)
		switch {
		case err == nil:
			posted = append(posted, uid)
			in.log.Info("imap ingest: posted", "uid", uid, "bytes", len(raw))
		case errors.Is(err, store.ErrDuplicate):
			// Taken by an earlier process; its after-action, if owed,
			// is retried by actOwed.
		case errors.Is(err, inbound.ErrAmbiguousAuthor), errors.Is(err, inbound.ErrSpam):
			// Left in the mailbox, recorded as refused with the reason:
			// what SMTP's 550 would have told the sender.
			if err := in.refuse(ctx, key, "refused as SMTP would (550 5.7.1): "+err.Error()); err != nil {
				return posted, last, err
			}
		default:
			return posted, last, fmt.Errorf("posting uid %d: %w", uid, err)
		}
		last = uid
	}
	return posted, last, nil
}

func (in *Ingester) refuse(ctx context.Context, key store.IngestKey, reason string) error {
	in.log.Warn("imap ingest: message refused", "uid", key.UID, "reason", reason)
	if err := in.st.RefuseIngest(ctx, key, reason); err != nil && !errors.Is(err, store.ErrDuplicate) {
		return err
	}
	return nil
}

// post hands raw to the inbound room with its key, as smtpin would hand a
// message received for the list.
func (in *Ingester) post(ctx context.Context, key store.IngestKey, route inbound.Route, raw []byte) error {
	env := inbound.Envelope{MailFrom: envelopeSender(inbound.Summarize(raw)), Remote: "imap " + in.source, Ingest: &key}
	return in.recv.Receive(ctx, env, []inbound.Route{route}, raw)
}

// envelopeSender is the MAIL FROM an SMTP delivery would have given:
// the Return-Path the last MTA recorded (RFC 5321 §4.4; the top-most is
// the one added on delivery), "" for the null sender <> of bounces, and
// the author when there is none or it is no address.
func envelopeSender(sum inbound.Summary) string {
	rp := strings.TrimSpace(sum.Header.Get("Return-Path"))
	if rp == "" {
		return sum.From
	}
	addr := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(rp, "<"), ">"))
	if addr == "" {
		return ""
	}
	if a, err := mail.ParseAddress("<" + addr + ">"); err == nil && a.Name == "" {
		return a.Address
	}
	return sum.From
}

// sizes fetches the RFC822.SIZE of uids, so that a message too big is
// refused without its body crossing the network.
func (in *Ingester) sizes(c *client.Client, uids []uint32) (map[uint32]uint32, error) {
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	ch := make(chan *imap.Message, len(uids)+1)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size}, ch) }()
	out := make(map[uint32]uint32, len(uids))
	for m := range ch {
		if m.Uid != 0 {
			out[m.Uid] = m.Size
		}
	}
	if err := <-done; err != nil {
		return nil, fmt.Errorf("fetch sizes: %w", err)
	}
	return out, nil
}

// body fetches one message's bytes without setting \Seen (BODY.PEEK,
// RFC 3501 §6.4.5). gone: the message is no longer there. refusal: why
// it cannot be taken (the server refused it on a live connection, or
// sent more than max-message-bytes whatever size it announced).
func (in *Ingester) body(c *client.Client, uid uint32) (raw []byte, refusal string, gone bool, err error) {
	section := &imap.BodySectionName{Peek: true}
	set := new(imap.SeqSet)
	set.AddNum(uid)
	ch := make(chan *imap.Message, 2)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(set, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
	var lit imap.Literal
	seen := false
	for m := range ch {
		if m.Uid == uid {
			seen = true
			if l := m.GetBody(section); l != nil {
				lit = l
			}
		}
	}
	if ferr := <-done; ferr != nil {
		// A NO on a live connection is the server refusing this message;
		// anything else is the connection's failure.
		if nerr := c.Noop(); nerr != nil {
			return nil, "", false, fmt.Errorf("fetch uid %d: %w", uid, ferr)
		}
		return nil, "unreadable: the server refused its body: " + ferr.Error(), false, nil
	}
	if !seen {
		return nil, "", true, nil
	}
	if lit == nil {
		return nil, "unreadable: the server sent no body", false, nil
	}
	// go-imap holds the literal in memory already; the limit guards what
	// is posted against a literal larger than the size announced.
	raw, err = io.ReadAll(io.LimitReader(lit, in.cfg.MaxMessageBytes+1))
	if err != nil {
		return nil, "", false, fmt.Errorf("read uid %d: %w", uid, err)
	}
	if int64(len(raw)) > in.cfg.MaxMessageBytes {
		return nil, fmt.Sprintf("message body over max-message-bytes %d (as SMTP 552 5.3.4), more than its announced size", in.cfg.MaxMessageBytes), false, nil
	}
	return raw, "", false, nil
}

// discardLog silences go-imap's own logging of unexpected responses; the
// errors that matter reach us as returned errors.
type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}
