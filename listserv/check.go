package listserv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"praxis/listserv/store"
)

// Run checks spooled messages until ctx ends: the step after the 250. It
// resumes whatever a previous process left in state received.
func (s *Service) Run(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		if err := s.ProcessReceived(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("processing received mail", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.received:
		case <-tick.C:
		}
	}
}

// ProcessReceived checks every message in state received, oldest first.
func (s *Service) ProcessReceived(ctx context.Context) error {
	var after int64
	for {
		ids, err := s.store.MessageIDsInState(ctx, store.StateReceived, after, 256)
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
			m, err := s.store.Message(ctx, id)
			if err != nil {
				return err
			}
			if err := s.processSafely(ctx, m); err != nil && !errors.Is(err, store.ErrState) {
				// Left in state received: the next pass tries again.
				s.log.Error("checking message", "list", m.ListAddress, "spool_id", m.ID, "err", err)
			}
		}
	}
}

// processSafely contains a panic in the checks of one message: the message
// is held for a moderator with the reason, instead of crashing the process
// again at every restart.
func (s *Service) processSafely(ctx context.Context, m *store.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic checking message", "list", m.ListAddress, "spool_id", m.ID, "err", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = s.store.Transition(ctx, m.ID, store.StateReceived, store.StateHeld, "internal error while checking; see the log", "", nil)
		}
	}()
	return s.process(ctx, m)
}

// decision is the outcome of the checks on one message.
type decision struct {
	state  string // store.StateAccepted, StateHeld, StateDropped, StatePending
	reason string
	err    error // the checks could not decide; the message stays received
}

func (s *Service) process(ctx context.Context, m *store.Message) error {
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
	default:
		// Commands, confirmations and bounces wait, kept, for their processors.
		return s.store.Transition(ctx, m.ID, store.StateReceived, store.StatePending, "", "", nil)
	}
}

func (s *Service) processPost(ctx context.Context, l *List, m *store.Message) error {
	sum := summarize(m.Raw)
	d := s.checkPost(ctx, l, m, sum)
	if d.err != nil {
		return d.err
	}
	log := s.log.With("list", l.Address, "id", m.ID, "msg_id", sum.messageID)
	switch d.state {
	case store.StateAccepted:
		return s.accept(ctx, l, m, store.StateReceived, d.reason)
	case store.StateHeld:
		log.Info("post held", "reason", d.reason)
	default:
		log.Info("post not relayed", "state", d.state, "reason", d.reason)
	}
	return s.store.Transition(ctx, m.ID, store.StateReceived, d.state, d.reason, "", nil)
}

// checkPost is the posting rule chain of this stage: loops, bounces and
// auto-replies first (they never reach members), then the posting policy.
func (s *Service) checkPost(ctx context.Context, l *List, m *store.Message, sum headerSummary) decision {
	h := sum.header
	listID := listIDValue(l.Address)
	for _, v := range h.Values("List-Id") {
		if strings.Contains(strings.ToLower(v), "<"+listID+">") {
			return decision{state: store.StateDropped, reason: "loop: our own List-Id"}
		}
	}
	for _, v := range h.Values("X-Loop") {
		if strings.Contains(strings.ToLower(v), l.Address) {
			return decision{state: store.StateDropped, reason: "loop: X-Loop"}
		}
	}
	if m.MailFrom == "" {
		return decision{state: store.StateDropped, reason: "bounce: null envelope sender"}
	}
	ct := strings.ToLower(h.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/report") && (strings.Contains(ct, "delivery-status") || strings.Contains(ct, "disposition-notification")) {
		return decision{state: store.StateDropped, reason: "bounce: delivery report"}
	}
	// RFC 3834 §5: anything but "no" is an automatic message.
	if as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); as != "" && as != "no" {
		return decision{state: store.StateDropped, reason: "auto-reply: Auto-Submitted " + as}
	}
	if h.Has("X-Autoreply") || h.Has("X-Autorespond") || strings.EqualFold(strings.TrimSpace(h.Get("Precedence")), "auto_reply") {
		return decision{state: store.StateDropped, reason: "auto-reply: vacation header"}
	}
	// The author is the From address; a message without a usable one
	// (malformed mail is common) falls back to Sender, then to the
	// envelope, as Mailman does. The policy then decides as for any post.
	author := sum.from
	if author == "" {
		author = looseAddress(h.Get("Sender"))
	}
	if author == "" {
		author = m.MailFrom
	}
	var member *store.Member
	if author != "" {
		mm, err := s.store.Member(ctx, l.ID, author)
		switch {
		case err == nil:
			member = mm
		case !errors.Is(err, store.ErrNotFound):
			// Not knowing is not "not a member": try again later.
			return decision{err: err}
		}
	}
	switch l.PostPolicy {
	case PostOpen:
		return decision{state: store.StateAccepted}
	case PostModerated:
		return decision{state: store.StateHeld, reason: "the list is moderated"}
	case PostAnnounce:
		if member != nil && (member.Role == RoleOwner || member.Role == RoleModerator) {
			return decision{state: store.StateAccepted}
		}
		return decision{state: store.StateHeld, reason: "announce-only list: post from " + orUnknown(author)}
	default: // PostMembers
		if member != nil {
			return decision{state: store.StateAccepted}
		}
		return decision{state: store.StateHeld, reason: "post from non-member " + orUnknown(author)}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown sender"
	}
	return s
}

// accept queues one copy for every member who gets each post, in the same
// transaction that moves the message out of state from. digest, summary and
// nomail members, and disabled ones, are served by their own stages.
func (s *Service) accept(ctx context.Context, l *List, m *store.Message, from, reason string) error {
	msgID := m.MessageID
	if msgID == "" {
		msgID = s.newMessageID()
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

// processOwner forwards mail for LIST-owner@ to the owners, unchanged.
func (s *Service) processOwner(ctx context.Context, l *List, m *store.Message) error {
	sum := summarize(m.Raw)
	for _, v := range sum.header.Values("X-Loop") {
		if strings.Contains(strings.ToLower(v), Address(l.Address, store.KindOwner)) {
			return s.store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, "loop: X-Loop", "", nil)
		}
	}
	members, err := s.store.Members(ctx, l.ID)
	if err != nil {
		return err
	}
	var ds []*store.Delivery
	for _, mem := range members {
		if mem.Role == RoleOwner {
			ds = append(ds, &store.Delivery{ListID: l.ID, Rcpt: mem.Address, Mode: store.ModeRaw, EnvFrom: Address(l.Address, store.KindBounce)})
		}
	}
	if len(ds) == 0 {
		return s.store.Transition(ctx, m.ID, store.StateReceived, store.StatePending, "no owners yet", "", nil)
	}
	if err := s.store.Transition(ctx, m.ID, store.StateReceived, store.StateAccepted, "", "", ds); err != nil {
		return err
	}
	signal(s.queued)
	return nil
}

func (s *Service) newMessageID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return fmt.Sprintf("praxis.%d.%s@%s", s.cfg.Now().Unix(), hex.EncodeToString(b), s.cfg.Hostname)
}

// listIDValue is the RFC 2919 list identifier: local@domain → local.domain.
func listIDValue(address string) string {
	return strings.Replace(strings.ToLower(address), "@", ".", 1)
}
