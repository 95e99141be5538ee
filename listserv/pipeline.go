package listserv

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"praxis/listserv/check"
	"praxis/listserv/inbound"
	"praxis/listserv/mailmsg"
	"praxis/listserv/notice"
	"praxis/listserv/store"
)

// pipeline is the glue of a post's path after the spool: it takes each
// received message to the room its address names (the checks, the robot,
// bounce scoring, the owners) and an accepted post on to the archive and
// delivery. It works with the Service's rooms, so it is the Service seen
// from inside; the Service's own methods are what callers use.
type pipeline struct{ *Service }

// Run checks spooled messages until ctx ends: the step after the 250. It
// resumes whatever a previous process left in state received.
func (s *Service) Run(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	var lastMaintain time.Time
	for {
		if err := s.ProcessReceived(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("processing received mail", "err", err)
		}
		if now := s.cfg.Now(); now.Sub(lastMaintain) >= maintainEvery {
			lastMaintain = now
			// Bounded as a message's work is (processTimeout): this loop
			// checks every received post, and a statement on a
			// connection the network lost without a word would hold
			// them all until TCP gave up.
			mctx, cancel := context.WithTimeout(ctx, processTimeout)
			if err := s.Maintain(mctx); err != nil && ctx.Err() == nil {
				s.log.Error("periodic maintenance", "err", err)
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.received:
		case <-tick.C:
		}
	}
}

// processTimeout bounds the work on one received message (and each read
// of the next ones): far above what it takes, even for a big post's
// archiving; what it cuts off is a statement on a connection the network
// lost without a word, which would hold every post after it until TCP
// gives up (a quarter of an hour). The message stays received and the
// next pass takes it again, on a new connection. A variable for the
// tests.
var processTimeout = 5 * time.Minute

// ProcessReceived checks every message in state received, oldest first.
func (s *Service) ProcessReceived(ctx context.Context) error {
	var after int64
	for {
		listCtx, cancel := context.WithTimeout(ctx, processTimeout)
		ids, err := s.store.MessageIDsInState(listCtx, store.StateReceived, after, 256)
		cancel()
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		for _, id := range ids {
			after = id
			if ctx.Err() != nil {
				return nil
			}
			// While a burst is coming in, give way to it a little: a 250
			// waits on the spool, a post's checks can wait a millisecond.
			// Only a little, so that under steady traffic the checks keep
			// up (some hundreds a second) and no backlog builds.
			if s.store.IntakeBusy(5 * time.Millisecond) {
				time.Sleep(time.Millisecond)
			}
			if err := s.processOne(ctx, id); err != nil {
				return err
			}
		}
	}
}

// processOne checks the received message id, within processTimeout. An
// error reading it is returned (the pass ends); one in its checks is
// logged, and the message is left for the next pass.
func (s *Service) processOne(ctx context.Context, id int64) error {
	ctx, cancel := context.WithTimeout(ctx, processTimeout)
	defer cancel()
	m, err := s.store.Message(ctx, id)
	if err != nil {
		return err
	}
	err = s.pipe.processSafely(ctx, m)
	if errors.Is(err, notice.ErrCompose) {
		// Logged once, set aside with the reason, not retried forever.
		s.log.Error("message set aside", "list", m.ListAddress, "spool_id", m.ID, "err", err)
		err = s.store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, err.Error(), "", nil)
	}
	if err != nil && !errors.Is(err, store.ErrState) {
		// Left in state received: the next pass tries again.
		s.log.Error("checking message", "list", m.ListAddress, "spool_id", m.ID, "err", err)
	}
	return nil
}

// processSafely contains a panic in the checks of one message: the message
// is held for a moderator with the reason, instead of crashing the process
// again at every restart.
func (s *pipeline) processSafely(ctx context.Context, m *store.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic checking message", "list", m.ListAddress, "spool_id", m.ID, "err", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = s.store.Transition(ctx, m.ID, store.StateReceived, store.StateHeld, "internal error while checking; see the log", "", nil)
		}
	}()
	return s.process(ctx, m)
}

func (s *pipeline) process(ctx context.Context, m *store.Message) error {
	l, err := s.store.ListByID(ctx, m.ListID)
	if errors.Is(err, store.ErrNotFound) {
		// The list was removed after the 250: keep the mail, relay nothing.
		return s.store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, "list removed", "", nil)
	}
	if err != nil {
		return err
	}
	switch m.Kind {
	case store.KindPost:
		return s.processPost(ctx, l, m)
	case store.KindOwner:
		return s.processOwner(ctx, l, m)
	case store.KindRequest, store.KindJoin, store.KindLeave, store.KindConfirm:
		return s.robot.Process(ctx, l, m)
	case store.KindBounce:
		return s.bounces.Process(ctx, l, m)
	}
	return s.store.Transition(ctx, m.ID, store.StateReceived, store.StatePending, "no processor for "+m.Kind, "", nil)
}

func (s *pipeline) processPost(ctx context.Context, l *List, m *store.Message) error {
	sum := inbound.Summarize(m.Raw)
	facts, err := check.Gather(ctx, checkSource{s.Service}, l, m, sum)
	if err != nil {
		return err
	}
	d := check.Decide(facts)
	log := s.log.With("list", l.Address, "spool_id", m.ID, "msg_id", sum.MessageID)
	switch d.State {
	case store.StateAccepted:
		return s.accept(ctx, l, m, store.StateReceived, d.Reason)
	case store.StateHeld:
		log.Info("post held", "reason", d.Reason)
		// The notice (and the request that makes the post expire) first:
		// a crash before the post is marked held checks it again and tells
		// the moderators twice, where the other order would tell nobody.
		if err := s.held.Notify(ctx, l, m, sum.Subject, d); err != nil {
			return err
		}
		// A non-member hears that the post waits; once a day at most, so
		// a crash here, after which the post is checked again, does not
		// tell them twice.
		if facts.Member == nil && !d.Spam {
			if err := s.held.TellWaiting(ctx, l, m, sum.Header); err != nil {
				return err
			}
		}
		return s.store.Transition(ctx, m.ID, store.StateReceived, d.State, d.Reason, "", nil)
	case store.StateRejected:
		log.Info("post rejected", "reason", d.Reason)
		if err := s.store.Transition(ctx, m.ID, store.StateReceived, d.State, d.Reason, "", nil); err != nil {
			return err
		}
		return s.held.RejectNotice(ctx, l, m, d.Author, d.Reason)
	default:
		log.Info("post not relayed", "state", d.State, "reason", d.Reason)
	}
	return s.store.Transition(ctx, m.ID, store.StateReceived, d.State, d.Reason, "", nil)
}

// checkSource is what the check room reads through the Service.
type checkSource struct{ s *Service }

func (c checkSource) Banned(ctx context.Context, l *List, addr string) (bool, error) {
	return c.s.subs.Banned(ctx, l, addr)
}

func (c checkSource) Member(ctx context.Context, listID int64, addr string) (*Member, error) {
	return c.s.store.Member(ctx, listID, addr)
}

func (c checkSource) AuthorTrusted(ctx context.Context, raw []byte, domain string) (bool, string) {
	return c.s.authors.AuthorTrusted(ctx, raw, domain)
}

func (c checkSource) AuthorUnsignable(ctx context.Context, domain string) (bool, string) {
	return c.s.authors.AuthorUnsignable(ctx, domain)
}

var _ check.Source = checkSource{}

// accept queues one copy for every member who gets each post, in the same
// transaction that moves the message out of state from. digest, summary and
// nomail members, and disabled ones, are served by their own stages.
func (s *pipeline) accept(ctx context.Context, l *List, m *store.Message, from, reason string) error {
	msgID := m.MessageID
	if msgID == "" {
		// Derived from the spool row, not random: a replay after a crash
		// names the post the same, in the copies and in the archive.
		msgID = mailmsg.SpoolID(m.ID, m.Raw, s.cfg.Hostname)
	}
	// Archived before it is marked accepted: a crash in between archives it
	// again on the replay, which stores nothing twice.
	if l.ArchivePolicy != ArchiveNone {
		if err := s.archiver.Archive(ctx, l, m.Raw, msgID); err != nil {
			return err
		}
	}
	n, err := s.store.TransitionFanout(ctx, m.ID, from, store.StateAccepted, reason, msgID, nil,
		&store.Fanout{ListID: l.ID, Delivery: DeliverEach, Status: StatusEnabled})
	if err != nil {
		return err
	}
	s.log.Info("post accepted", "list", l.Address, "id", m.ID, "msg_id", msgID, "rcpts", n)
	signal(s.queued)
	return nil
}

// processOwner forwards mail for LIST-owner@ to the owners, unchanged;
// on a list with none, to the site administrator (--admin). With neither,
// RCPT refused it (inbound.ErrNoOwner); mail that still gets here (the
// last owner left after its 250) waits in the spool, said in the log.
func (s *pipeline) processOwner(ctx context.Context, l *List, m *store.Message) error {
	sum := inbound.Summarize(m.Raw)
	for _, v := range sum.Header.Values("X-Loop") {
		if strings.Contains(strings.ToLower(v), Address(l.Address, store.KindOwner)) {
			return s.store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, "loop: X-Loop", "", nil)
		}
	}
	owners, err := s.store.MembersWithRole(ctx, l.ID, RoleOwner)
	if err != nil {
		return err
	}
	rcpts := make([]string, 0, len(owners))
	for _, mem := range owners {
		rcpts = append(rcpts, mem.Address)
	}
	if len(rcpts) == 0 && s.cfg.Admin != "" {
		s.log.Info("owner mail to the site administrator: the list has no owner", "list", l.Address, "spool_id", m.ID, "msg_id", sum.MessageID, "rcpt", s.cfg.Admin)
		rcpts = append(rcpts, s.cfg.Admin)
	}
	if len(rcpts) == 0 {
		s.log.Warn("owner mail kept in the spool: the list has no owner and the site no administrator (serve --admin)", "list", l.Address, "spool_id", m.ID, "msg_id", sum.MessageID)
		return s.store.Transition(ctx, m.ID, store.StateReceived, store.StatePending, "no owners yet", "", nil)
	}
	ds := make([]*store.Delivery, 0, len(rcpts))
	for _, rcpt := range rcpts {
		ds = append(ds, &store.Delivery{ListID: l.ID, Rcpt: rcpt, Mode: store.ModeRaw, EnvFrom: Address(l.Address, store.KindBounce)})
	}
	if err := s.store.Transition(ctx, m.ID, store.StateReceived, store.StateAccepted, "", "", ds); err != nil {
		return err
	}
	signal(s.queued)
	return nil
}
