package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"praxis/listserv"
	"praxis/listserv/delivery/transport"
	"praxis/listserv/dkim"
	"praxis/listserv/relay"
	"praxis/listserv/rewrite"
	"praxis/listserv/store"
)

// Config tunes the queue.
type Config struct {
	// Concurrency is the number of workers (and so of open connections to a
	// smarthost). Default 16.
	Concurrency int
	// Poll is how often the queue looks for due rows queued by another
	// process (the CLI approving a post) or due for retry. Default 1s.
	Poll time.Duration
	// MaxAge: a copy still failing temporarily after this long is given up.
	// Default 5 days.
	MaxAge time.Duration
	// SendTimeout bounds one transaction. Default 5 minutes.
	SendTimeout time.Duration
	// MaxUnrecorded bounds the copies sent or being sent whose outcome is
	// not committed yet: a worker waits for a commit before it sends
	// more. A process killed at any moment sends at most this many copies
	// again after its restart, however slow the store is under load.
	// Default UnrecordedBound(Concurrency).
	MaxUnrecorded int
	// Node names this process among the nodes sharing the store's queue:
	// the copies it claims are leased to it. Give a node the same name
	// after a restart and it takes back its own copies at once; others
	// wait for the lease to run out. Default: a random name.
	Node string
	// Lease is how long a claimed copy is held for Node without being
	// renewed (the queue renews its copies at a third of it while it
	// works through them): after a node dies, others deliver what it
	// had claimed this much later. Default 1 minute.
	Lease time.Duration
	// ClaimBatch is how many copies the dispatcher claims from the store
	// at once: what a node reads and holds of a fan-out at a time,
	// however big the list (the rest stays in the database), and what
	// it leaves to other nodes no sooner than it has sent them. Default
	// 1000.
	ClaimBatch int
	// StoreTimeout bounds a claim and a commit of outcomes: on a
	// connection the network lost without a word they would wait for
	// TCP to give up (a quarter of an hour), and the whole queue with
	// them; cut off, they are tried again on a new one. Default 1 minute.
	StoreTimeout time.Duration
	// Now is the clock; tests fake it.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 5 * 24 * time.Hour
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 5 * time.Minute
	}
	if c.MaxUnrecorded <= 0 {
		c.MaxUnrecorded = UnrecordedBound(c.Concurrency)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Node == "" {
		c.Node = "node-" + rand.Text()
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.ClaimBatch <= 0 {
		c.ClaimBatch = 1000
	}
	if c.StoreTimeout <= 0 {
		c.StoreTimeout = time.Minute
	}
}

// UnrecordedBound is the default MaxUnrecorded for a number of workers:
// eight copies each, so that a worker sends its next copies while the
// outcomes of its last ones are being committed, rather than wait for
// every commit. The workers send no more than this many copies per
// commit's time: a commit takes a few milliseconds on PostgreSQL, where
// two copies each held sixteen workers to some 4,000 copies a second and
// eight let them reach the sink's pace. A node killed mid-fan-out sends
// at most this many copies again (128 of a 10,000-member list's, with
// the default sixteen workers).
func UnrecordedBound(concurrency int) int { return 8 * concurrency }

// Copies makes the bytes a post's copies are built from, and what the
// rewriter needs of its list (relay.Copies).
type Copies interface {
	Relayable(ctx context.Context, l *store.List, m *store.Message) ([]byte, error)
	CopyList(l *store.List) rewrite.List
}

// Lists is what the queue asks of the list domain: when new copies are
// queued, the copies themselves, and each copy's VERP envelope sender and
// one-click unsubscribe link.
type Lists struct {
	Queued         <-chan struct{}
	Copies         Copies
	VERP           func(list, rcpt string) string
	UnsubscribeURL func(list, rcpt string) string
}

// Store is the part of the store the queue works on.
type Store interface {
	ClaimDeliveries(ctx context.Context, node string, lease time.Duration, after int64, limit int) ([]*store.Delivery, error)
	RenewLeases(ctx context.Context, node string, lease time.Duration, ids []int64) error
	ReleaseLeases(ctx context.Context, node string, ids []int64) error
	RecordOutcomes(ctx context.Context, outs []store.Outcome) error
	Message(ctx context.Context, id int64) (*store.Message, error)
	ListByID(ctx context.Context, id int64) (*store.List, error)
	DKIMKeyFor(ctx context.Context, domain string) (*store.DKIMKey, error)
	PutDKIMKey(ctx context.Context, k *store.DKIMKey) error
}

var (
	_ Copies = (*relay.Copies)(nil)
	_ Store  = (store.Backend)(nil)
)

// Queue sends queued deliveries until its context ends.
type Queue struct {
	cfg   Config
	svc   Lists
	store Store
	tr    transport.Transport
	log   *slog.Logger

	mu sync.Mutex
	// inflight holds the copies claimed and not yet recorded: waiting
	// in the dispatcher, in a worker's hands, or their outcome not
	// committed. Their leases are renewed while they are here.
	inflight map[int64]bool
	// settled holds rows whose outcome was committed since the current
	// scan began: a query of that scan may have read them while still
	// queued, and they must not be sent again.
	settled    map[int64]bool
	copies     map[int64]*prepared
	signers    map[string]*signerEntry
	copyLRU    []int64
	cacheBytes int
	// loading and rendering bound the memory of big posts in delivery:
	// each worker would otherwise load its own post (the stored bytes,
	// the relayable form, the prepared copy) and render a copy of its
	// own, so sixteen workers on sixteen 25 MB posts held over a
	// gigabyte. A load takes a slot of loading; a copy rendered and sent
	// takes its size from rendering. Small posts never wait for long.
	loading   chan struct{}
	rendering *byteGate

	jobs     chan *store.Delivery
	outcomes chan store.Outcome
	// unrecorded holds a token per copy taken for sending whose outcome
	// is not committed yet; its capacity is MaxUnrecorded.
	unrecorded chan struct{}
	stopped    chan struct{}
	// record writes a batch of outcomes (the store's RecordOutcomes;
	// tests slow it down).
	record func(context.Context, []store.Outcome) error
}

// New builds a queue over the service's store.
func New(cfg Config, svc *listserv.Service, tr transport.Transport, log *slog.Logger) *Queue {
	lists := Lists{Queued: svc.Queued(), Copies: svc.Copies(), VERP: svc.VERP, UnsubscribeURL: svc.OneClick().UnsubscribeURL}
	return NewQueue(cfg, lists, svc.Store(), tr, log)
}

// NewQueue builds a queue from its parts: the list domain and the store.
func NewQueue(cfg Config, svc Lists, st Store, tr transport.Transport, log *slog.Logger) *Queue {
	cfg.defaults()
	return &Queue{
		cfg: cfg, svc: svc, store: st, tr: tr, log: log,
		inflight:  map[int64]bool{},
		settled:   map[int64]bool{},
		signers:   map[string]*signerEntry{},
		copies:    map[int64]*prepared{},
		loading:   make(chan struct{}, maxLoading),
		rendering: newByteGate(maxRenderingBytes),
		jobs:      make(chan *store.Delivery, 4*cfg.Concurrency),
		// Never full: at most MaxUnrecorded outcomes are unrecorded.
		outcomes:   make(chan store.Outcome, cfg.MaxUnrecorded),
		unrecorded: make(chan struct{}, cfg.MaxUnrecorded),
		stopped:    make(chan struct{}),
		record:     st.RecordOutcomes,
	}
}

// Run dispatches until ctx ends, then lets the workers finish the copies
// they hold and writes their outcomes before returning.
func (q *Queue) Run(ctx context.Context) error {
	var workers sync.WaitGroup
	for i := 0; i < q.cfg.Concurrency; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			q.work()
		}()
	}
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		q.commit()
	}()
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		q.renew(committed)
	}()
	q.dispatch(ctx)
	close(q.jobs)
	workers.Wait()
	close(q.outcomes)
	<-committed
	<-renewed
	close(q.stopped)
	return nil
}

// renew keeps the leases of the copies in flight until stop is closed:
// a batch claimed at once may take longer to send than one lease.
func (q *Queue) renew(stop <-chan struct{}) {
	tick := time.NewTicker(q.cfg.Lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		q.mu.Lock()
		ids := make([]int64, 0, len(q.inflight))
		for id := range q.inflight {
			ids = append(ids, id)
		}
		q.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), q.cfg.Lease/3)
		err := q.store.RenewLeases(ctx, q.cfg.Node, q.cfg.Lease, ids)
		cancel()
		if err != nil {
			// The next tick tries again; a lease lost meanwhile costs at
			// most a copy sent twice, by this node and its taker.
			q.log.Error("renewing delivery leases", "err", err, "n", len(ids))
		}
	}
}

func (q *Queue) dispatch(ctx context.Context) {
	tick := time.NewTicker(q.cfg.Poll)
	defer tick.Stop()
	for {
		if err := q.dispatchDue(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("delivery queue scan", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-q.svc.Queued:
		case <-tick.C:
		}
	}
}

// dispatchDue claims the due copies no other node holds, a batch at a
// time, and hands those not already in flight to the workers. The next
// batch is claimed while the workers take this one: a claim of a thousand
// rows takes a database longer than the workers need for the few jobs
// already handed out, and they would wait for it at every batch. So a
// node holds two batches at most, however big the list.
func (q *Queue) dispatchDue(ctx context.Context) error {
	// Rows settled before this scan began are seen as settled by its
	// claims: forget them.
	q.mu.Lock()
	clear(q.settled)
	q.mu.Unlock()
	claimCtx, stopClaims := context.WithCancel(ctx)
	defer stopClaims()
	claimed := make(chan []*store.Delivery) // unbuffered: one batch ahead
	claimErr := make(chan error, 1)
	go func() {
		defer close(claimed)
		claimErr <- q.claimAll(claimCtx, claimed)
	}()
	for ds := range claimed {
		fresh := q.fresh(ds)
		for i, d := range fresh {
			select {
			case q.jobs <- d:
			case <-ctx.Done():
				q.release(fresh[i:])
				stopClaims()
				for ds := range claimed {
					q.release(q.fresh(ds))
				}
				return nil
			}
		}
	}
	return <-claimErr
}

// claimAll claims the due copies in id order and sends each batch to out
// until none is left. The first batches are small, so that the first
// copies of a post leave at once, and each is twice the one before up to
// ClaimBatch: a claim then always takes less time than sending the batch
// before it.
func (q *Queue) claimAll(ctx context.Context, out chan<- []*store.Delivery) error {
	var after, floor int64
	limit := min(q.cfg.ClaimBatch, 4*q.cfg.Concurrency)
	for ctx.Err() == nil {
		// No claim from here on returns a row at or below floor (the
		// cursor of the claim before), and the dispatcher is done with
		// the batches that held such rows (it took the last batch,
		// so it sifted the one before): what was settled there need
		// not be remembered. Without this a fan-out to a million kept a
		// million ids until its scan ended.
		q.forgetSettled(floor)
		claimCtx, cancel := context.WithTimeout(ctx, q.cfg.StoreTimeout)
		ds, err := q.store.ClaimDeliveries(claimCtx, q.cfg.Node, q.cfg.Lease, after, limit)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if len(ds) == 0 {
			return nil
		}
		// The dispatcher reads until this goroutine closes out, even
		// when it stops: the batch is released there.
		out <- ds
		if len(ds) < limit {
			return nil
		}
		floor, after = after, ds[len(ds)-1].ID
		limit = min(q.cfg.ClaimBatch, 2*limit)
	}
	return nil
}

// forgetSettled drops the settled rows at or below id.
func (q *Queue) forgetSettled(id int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k := range q.settled {
		if k <= id {
			delete(q.settled, k)
		}
	}
}

// fresh marks in flight and returns the claimed copies that are not: a
// claim may return copies this node holds already (it renews them) or
// whose outcome it committed while the claim ran.
func (q *Queue) fresh(ds []*store.Delivery) []*store.Delivery {
	out := make([]*store.Delivery, 0, len(ds))
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, d := range ds {
		if !q.inflight[d.ID] && !q.settled[d.ID] {
			q.inflight[d.ID] = true
			out = append(out, d)
		}
	}
	return out
}

// release gives back the claims on copies this node will not send (it is
// stopping), so another node takes them without waiting for the leases to
// run out.
func (q *Queue) release(ds []*store.Delivery) {
	ids := make([]int64, len(ds))
	q.mu.Lock()
	for i, d := range ds {
		ids[i] = d.ID
		delete(q.inflight, d.ID)
	}
	q.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), q.cfg.Lease/3)
	defer cancel()
	if err := q.store.ReleaseLeases(ctx, q.cfg.Node, ids); err != nil {
		q.log.Warn("releasing delivery leases", "err", err, "n", len(ids))
	}
}

// worker state: open sessions by route, a reusable buffer.
type worker struct {
	q        *Queue
	sessions map[string]transport.Session
	lastUse  map[string]time.Time
	buf      bytes.Buffer
}

const maxSessionsPerWorker = 8

func (q *Queue) work() {
	w := &worker{q: q, sessions: map[string]transport.Session{}, lastUse: map[string]time.Time{}}
	defer w.closeAll()
	idle := time.NewTimer(30 * time.Second)
	defer idle.Stop()
	for {
		select {
		case d, ok := <-q.jobs:
			if !ok {
				return
			}
			// A copy sent is delivered twice if the process dies
			// before its outcome is committed; when the commits fall
			// behind (a busy disk, a busy machine), wait for them
			// rather than widen that window.
			q.unrecorded <- struct{}{}
			q.outcomes <- w.deliver(d)
			if !idle.Stop() {
				select {
				case <-idle.C:
				default:
				}
			}
			idle.Reset(30 * time.Second)
		case <-idle.C:
			// Nothing to send for a while: do not hold remote servers' slots.
			w.closeAll()
			idle.Reset(30 * time.Second)
		}
	}
}

func (w *worker) closeAll() {
	for k, s := range w.sessions {
		if err := s.Close(); err != nil {
			w.q.log.Debug("closing session", "route", k, "err", err)
		}
		delete(w.sessions, k)
		delete(w.lastUse, k)
	}
}

func domainOf(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}

// session returns an open session for route; fresh reports whether it was
// opened just now (a reused one may have died while idle).
func (w *worker) session(ctx context.Context, route string) (s transport.Session, fresh bool, err error) {
	if s, ok := w.sessions[route]; ok {
		w.lastUse[route] = time.Now()
		return s, false, nil
	}
	if len(w.sessions) >= maxSessionsPerWorker {
		oldest, when := "", time.Time{}
		for k, t := range w.lastUse {
			if oldest == "" || t.Before(when) {
				oldest, when = k, t
			}
		}
		w.drop(oldest)
	}
	s, err = w.q.tr.Open(ctx, route)
	if err != nil {
		return nil, false, err
	}
	w.sessions[route], w.lastUse[route] = s, time.Now()
	return s, true, nil
}

func (w *worker) drop(route string) {
	if s, ok := w.sessions[route]; ok {
		if err := s.Close(); err != nil {
			w.q.log.Debug("closing session", "route", route, "err", err)
		}
		delete(w.sessions, route)
		delete(w.lastUse, route)
	}
}

// deliver makes one attempt at one copy. Sends are not tied to the queue's
// context: on shutdown a copy already taken is finished, not abandoned.
func (w *worker) deliver(d *store.Delivery) (out store.Outcome) {
	ctx, cancel := context.WithTimeout(context.Background(), w.q.cfg.SendTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			// One bad copy must not stop the queue; it is retried later
			// (and given up after MaxAge) like any temporary failure.
			w.q.log.Error("panic delivering", "list", d.ListAddress, "rcpt", d.Rcpt, "spool_id", d.MessageID, "err", fmt.Sprint(r), "stack", string(debug.Stack()))
			w.closeAll()
			out = w.q.failure(d, fmt.Errorf("internal error: %v", r))
		}
		// A huge post grew the buffer: give the memory back.
		if w.buf.Cap() > 4<<20 {
			w.buf = bytes.Buffer{}
		}
	}()
	// The copy's size is known once its message is prepared (cached for
	// the next recipients): hold that many bytes of the rendering budget
	// from rendering until the copy is sent.
	p, err := w.q.prepared(ctx, d)
	if err != nil {
		return w.q.notRendered(d, err)
	}
	held := w.q.rendering.acquire(int64(p.size))
	defer w.q.rendering.release(held)
	msg, err := w.q.render(ctx, d, &w.buf)
	if err != nil {
		return w.q.notRendered(d, err)
	}
	envFrom := d.EnvFrom
	if envFrom == "" {
		envFrom = w.q.svc.VERP(d.ListAddress, d.Rcpt)
	}
	route := w.q.tr.Route(domainOf(d.Rcpt))
	// A reused connection that fails at the connection level (the server
	// closed it while idle, or after the previous copy) costs this copy
	// nothing: one more try on a fresh connection.
	for try := 0; try < 2; try++ {
		var s transport.Session
		var fresh bool
		s, fresh, err = w.session(ctx, route)
		if err != nil {
			break
		}
		err = s.Send(ctx, envFrom, d.Rcpt, msg)
		if err == nil || !isConnectionLevel(err) {
			break
		}
		w.drop(route)
		if fresh || mayHaveDelivered(err) {
			// After the final dot the server may have the copy: leave it
			// to the backoff rather than risk a second one now.
			break
		}
	}
	if err != nil {
		return w.q.failure(d, err)
	}
	return store.Outcome{Delivery: d, Done: true}
}

func mayHaveDelivered(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.MayHaveDelivered()
}

// isConnectionLevel: the session cannot be trusted for another transaction.
func isConnectionLevel(err error) bool {
	var te *transport.Error
	return !errors.As(err, &te) || te.Code == 0 || te.Code == 421
}

// notRendered is the outcome of a copy that could not be made. When the
// store was away (restarting, the connection lost), the copy is no worse
// than before: it is left untried, for the next scan to claim again, not
// put off by a backoff meant for remote servers nor counted as an attempt.
func (q *Queue) notRendered(d *store.Delivery, err error) store.Outcome {
	if store.Unavailable(err) {
		q.log.Warn("copy not made, the store is away: trying again", "list", d.ListAddress, "rcpt", d.Rcpt, "spool_id", d.MessageID, "err", err)
		return store.Outcome{Delivery: d, Untried: true}
	}
	return q.failure(d, fmt.Errorf("rendering the copy: %w", err))
}

// failure classifies an error into a retry or a final failure.
func (q *Queue) failure(d *store.Delivery, err error) store.Outcome {
	o := store.Outcome{Delivery: d, Text: err.Error()}
	var te *transport.Error
	temporary := true
	if errors.As(err, &te) {
		temporary = te.Temporary
		o.Code, o.Enhanced = te.Code, te.Enhanced
		if te.Message != "" {
			o.Text = te.Message
		}
	}
	now := q.cfg.Now()
	if temporary && now.Sub(d.CreatedAt) < q.cfg.MaxAge {
		o.RetryAt = now.Add(Backoff(d.Attempts + 1))
		q.log.Warn("delivery deferred", "list", d.ListAddress, "rcpt", d.Rcpt, "spool_id", d.MessageID, "attempt", d.Attempts+1, "retry_at", o.RetryAt, "err", o.Text)
		return o
	}
	o.Permanent = !temporary
	q.log.Warn("delivery failed", "list", d.ListAddress, "rcpt", d.Rcpt, "spool_id", d.MessageID, "permanent", o.Permanent, "err", o.Text)
	return o
}

// recordEach records outcomes one at a time, after their batch was
// refused for what is in it. It returns those to try again (the database
// went away meanwhile); one refused on its own is logged and dropped: its
// copy's lease runs out and the copy is tried again (a member may get it
// twice, which beats a queue that stops).
func (q *Queue) recordEach(outs []store.Outcome) (again []store.Outcome) {
	for _, o := range outs {
		ctx, cancel := context.WithTimeout(context.Background(), q.cfg.StoreTimeout)
		err := q.record(ctx, []store.Outcome{o})
		cancel()
		switch {
		case err == nil:
		case store.Unavailable(err):
			again = append(again, o)
		default:
			q.log.Error("delivery outcome refused by the database; dropped, the copy will be tried again", "spool_id", o.Delivery.MessageID, "rcpt", o.Delivery.Rcpt, "err", err)
		}
	}
	return again
}

// Backoff is the wait before attempt n+1 after n failed attempts: minutes at
// first, growing to hours (RFC 5321 §4.5.4.1 asks for at least 30 minutes
// between tries after the first few; the first ones are quick because most
// temporary failures are greylisting).
func Backoff(attempts int) time.Duration {
	steps := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}
	if attempts <= 0 {
		return steps[0]
	}
	if attempts <= len(steps) {
		return steps[attempts-1]
	}
	return 4 * time.Hour
}

// commit writes outcomes in batches, then frees their rows for dispatch.
func (q *Queue) commit() {
	var batch []store.Outcome
	flush := func() {
		pending := batch
		for len(pending) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), q.cfg.StoreTimeout)
			err := q.record(ctx, pending)
			cancel()
			if err == nil {
				break
			}
			// The database is busy or failing: keep the outcomes and try again
			// rather than resend copies that were delivered.
			q.log.Error("recording delivery outcomes", "err", err, "n", len(pending))
			if !store.Unavailable(err) {
				// Refused for what is in it, not for want of a
				// database: one outcome the database will never take
				// must not hold back the others, and every copy after
				// them, for good.
				pending = q.recordEach(pending)
			}
			if len(pending) > 0 {
				time.Sleep(500 * time.Millisecond)
			}
		}
		q.mu.Lock()
		for _, o := range batch {
			delete(q.inflight, o.Delivery.ID)
			q.settled[o.Delivery.ID] = true
		}
		q.mu.Unlock()
		for range batch {
			<-q.unrecorded
		}
		batch = batch[:0]
	}
	// Write as soon as there is something to write, taking everything that
	// arrived meanwhile: under load the batches grow by themselves (up to
	// MaxUnrecorded, when the workers wait for this commit), and when idle
	// a 250 is recorded at once, keeping the window in which a kill causes
	// a duplicate as small as one commit.
	for o := range q.outcomes {
		batch = append(batch, o)
	drain:
		for {
			select {
			case o, ok := <-q.outcomes:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		flush()
	}
	flush()
}

// prepared is a message ready to be written for any recipient.
type prepared struct {
	once    sync.Once
	err     error
	list    string
	copy    *rewrite.Copy // ModeCopy
	raw     []byte        // ModeRaw
	size    int
	counted bool // size is in Queue.cacheBytes
}

// The cache of prepared messages is bounded by count and by bytes: a few
// big posts must not pin hundreds of megabytes.
const (
	maxCachedCopies = 32
	maxCachedBytes  = 64 << 20
)

// The memory of big posts in delivery (see Queue.loading): at most
// maxLoading messages are loaded and prepared at once, and copies of at
// most maxRenderingBytes in all are rendered and being sent at once
// (one bigger copy goes alone).
const (
	maxLoading        = 2
	maxRenderingBytes = 64 << 20
)

// byteGate admits holders of bytes while their sum stays within max; a
// holder of more than max is admitted alone.
type byteGate struct {
	mu        sync.Mutex
	cond      *sync.Cond
	used, max int64
}

func newByteGate(max int64) *byteGate {
	g := &byteGate{max: max}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// acquire waits until n bytes (at most max) fit and returns what it
// took, to be given to release. Holders release after a send, which
// SendTimeout bounds, so the wait is bounded too.
func (g *byteGate) acquire(n int64) int64 {
	n = min(n, g.max)
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.used > 0 && g.used+n > g.max {
		g.cond.Wait()
	}
	g.used += n
	return n
}

func (g *byteGate) release(n int64) {
	g.mu.Lock()
	g.used -= n
	g.mu.Unlock()
	g.cond.Broadcast()
}

// evict drops the oldest cached messages while the cache is over its
// bounds; q.mu is held.
func (q *Queue) evict() {
	for len(q.copyLRU) > 1 && (len(q.copyLRU) > maxCachedCopies || q.cacheBytes > maxCachedBytes) {
		key := q.copyLRU[0]
		q.copyLRU = q.copyLRU[1:]
		if p := q.copies[key]; p != nil && p.counted {
			q.cacheBytes -= p.size
		}
		delete(q.copies, key)
	}
}

func (q *Queue) prepared(ctx context.Context, d *store.Delivery) (*prepared, error) {
	key := d.MessageID
	if d.Mode != store.ModeCopy {
		key = -key
	}
	q.mu.Lock()
	p, ok := q.copies[key]
	if !ok {
		p = &prepared{}
		q.copies[key] = p
		q.copyLRU = append(q.copyLRU, key)
		q.evict()
	}
	q.mu.Unlock()
	p.once.Do(func() {
		p.err = q.load(ctx, d, p)
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.copies[key] != p {
			return // evicted meanwhile
		}
		if p.err != nil {
			// Do not keep a failure: the next attempt loads again.
			delete(q.copies, key)
			for i, k := range q.copyLRU {
				if k == key {
					q.copyLRU = append(q.copyLRU[:i], q.copyLRU[i+1:]...)
					break
				}
			}
			return
		}
		p.counted = true
		q.cacheBytes += p.size
		q.evict()
	})
	return p, p.err
}

func (q *Queue) load(ctx context.Context, d *store.Delivery, p *prepared) error {
	select {
	case q.loading <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-q.loading }()
	m, err := q.store.Message(ctx, d.MessageID)
	if err != nil {
		return err
	}
	if d.Mode != store.ModeCopy {
		p.raw, p.size = m.Raw, len(m.Raw)
		return nil
	}
	l, err := q.store.ListByID(ctx, m.ListID)
	if err != nil {
		return err
	}
	raw, err := q.svc.Copies.Relayable(ctx, l, m)
	if err != nil {
		return fmt.Errorf("prepare copy of #%d: %w", m.ID, err)
	}
	c, err := rewrite.Prepare(raw, q.svc.Copies.CopyList(l), m.MessageID)
	if err != nil {
		return fmt.Errorf("prepare copy of #%d: %w", m.ID, err)
	}
	p.list, p.copy, p.size = l.Address, c, c.Size()
	return nil
}

func (q *Queue) render(ctx context.Context, d *store.Delivery, buf *bytes.Buffer) ([]byte, error) {
	p, err := q.prepared(ctx, d)
	if err != nil {
		return nil, err
	}
	msg := p.raw
	if d.Mode == store.ModeDigest {
		buf.Reset()
		buf.Grow(len(p.raw) + 512)
		u := q.svc.UnsubscribeURL(d.ListAddress, d.Rcpt)
		fmt.Fprintf(buf, "List-Unsubscribe: <%s>,\r\n <mailto:%s?subject=unsubscribe>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
			u, listserv.Address(d.ListAddress, store.KindRequest))
		buf.Write(p.raw)
		msg = buf.Bytes()
	} else if msg == nil {
		buf.Reset()
		buf.Grow(p.size + 256)
		if err := p.copy.Write(buf, q.svc.UnsubscribeURL(p.list, d.Rcpt)); err != nil {
			return nil, err
		}
		msg = buf.Bytes()
	}
	signer, err := q.signer(ctx, domainOf(d.ListAddress))
	if err != nil || signer == nil {
		return msg, err
	}
	// The copy's bytes are final: make every line end in CRLF now, as the
	// SMTP transports would, so that what is signed is what is sent (a
	// lone CR turned into CRLF after signing would break the body hash).
	msg = transport.CRLF(msg)
	// Every copy is signed on its own: its List-Unsubscribe is personal and
	// must be covered (RFC 8058 §4).
	sig, err := signer.Sign(msg)
	if err != nil {
		// A message the signer cannot take (one without From) still goes
		// out: unsigned mail may be filtered, a copy never sent is lost.
		q.log.Warn("copy sent unsigned", "list", d.ListAddress, "spool_id", d.MessageID, "err", err)
		return msg, nil
	}
	return append(sig, msg...), nil
}

// signerTTL is how long a domain's DKIM key (or its absence) is trusted
// before the store is asked again, so a key made with
// `praxis domain dkim-keygen` while serve runs takes effect soon.
const signerTTL = 5 * time.Minute

type signerEntry struct {
	signer  *dkim.Signer // nil: the domain has no key
	expires time.Time
}

// signer returns the DKIM signer of a domain, or nil when it has no key.
func (q *Queue) signer(ctx context.Context, domain string) (*dkim.Signer, error) {
	q.mu.Lock()
	e, ok := q.signers[domain]
	q.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.signer, nil
	}
	e = &signerEntry{expires: time.Now().Add(signerTTL)}
	k, err := q.store.DKIMKeyFor(ctx, domain)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if e.signer, err = dkim.NewSigner(k.Domain, k.Selector, k.PrivatePEM); err != nil {
			return nil, fmt.Errorf("DKIM key of %s: %w", domain, err)
		}
	}
	q.mu.Lock()
	q.signers[domain] = e
	q.mu.Unlock()
	return e.signer, nil
}
