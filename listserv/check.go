package listserv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"praxis/listserv/inbound"
	"runtime/debug"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/store"
)

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
			if err := s.Maintain(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("periodic maintenance", "err", err)
			}
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
			// While a burst is coming in, give way to it a little: a 250
			// waits on the spool, a post's checks can wait a millisecond.
			// Only a little, so that under steady traffic the checks keep
			// up (some hundreds a second) and no backlog builds.
			if s.store.IntakeBusy(5 * time.Millisecond) {
				time.Sleep(time.Millisecond)
			}
			m, err := s.store.Message(ctx, id)
			if err != nil {
				return err
			}
			err = s.processSafely(ctx, m)
			if errors.Is(err, errCompose) {
				// Logged once, set aside with the reason, not retried forever.
				s.log.Error("message set aside", "list", m.ListAddress, "spool_id", m.ID, "err", err)
				err = s.store.Transition(ctx, m.ID, store.StateReceived, store.StateDropped, err.Error(), "", nil)
			}
			if err != nil && !errors.Is(err, store.ErrState) {
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
	err    error  // the checks could not decide; the message stays received
	author string // who the checks took the author to be
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
	case store.KindRequest, store.KindJoin, store.KindLeave, store.KindConfirm:
		return s.processCommand(ctx, l, m)
	case store.KindBounce:
		return s.processBounce(ctx, l, m)
	}
	return s.store.Transition(ctx, m.ID, store.StateReceived, store.StatePending, "no processor for "+m.Kind, "", nil)
}

func (s *Service) processPost(ctx context.Context, l *List, m *store.Message) error {
	sum := inbound.Summarize(m.Raw)
	d := s.checkPost(ctx, l, m, sum)
	if d.err != nil {
		return d.err
	}
	log := s.log.With("list", l.Address, "spool_id", m.ID, "msg_id", sum.MessageID)
	switch d.state {
	case store.StateAccepted:
		return s.accept(ctx, l, m, store.StateReceived, d.reason)
	case store.StateHeld:
		log.Info("post held", "reason", d.reason)
		// The notice (and the request that makes the post expire) first:
		// a crash before the post is marked held checks it again and tells
		// the moderators twice, where the other order would tell nobody.
		if err := s.noticeHeld(ctx, l, m, sum, d); err != nil {
			return err
		}
		return s.store.Transition(ctx, m.ID, store.StateReceived, d.state, d.reason, "", nil)
	case store.StateRejected:
		log.Info("post rejected", "reason", d.reason)
		if err := s.store.Transition(ctx, m.ID, store.StateReceived, d.state, d.reason, "", nil); err != nil {
			return err
		}
		return s.rejectNotice(ctx, l, m, d.author, d.reason)
	default:
		log.Info("post not relayed", "state", d.state, "reason", d.reason)
	}
	return s.store.Transition(ctx, m.ID, store.StateReceived, d.state, d.reason, "", nil)
}

// checkPost is the posting rule chain of this stage: loops, bounces and
// auto-replies first (they never reach members), then the posting policy.
func (s *Service) checkPost(ctx context.Context, l *List, m *store.Message, sum inbound.Summary) decision {
	h := sum.Header
	listID := listIDValue(l.Address)
	for _, v := range h.Values("List-Id") {
		if strings.Contains(strings.ToLower(v), "<"+listID+">") {
			return decision{state: store.StateDropped, reason: "loop: our own List-Id"}
		}
	}
	if headerHasAddress(h, l.Address, "X-Loop") {
		return decision{state: store.StateDropped, reason: "loop: X-Loop"}
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
	// envelope, as Mailman does.
	author := sum.From
	if author == "" {
		author = inbound.LooseAddress(h.Get("Sender"))
	}
	if author == "" {
		author = m.MailFrom
	}
	held := func(reason string) decision { return decision{state: store.StateHeld, reason: reason, author: author} }
	if l.Emergency {
		return held("emergency hold: every post is moderated")
	}
	if banned, err := s.Banned(ctx, l, author); err != nil {
		return decision{err: err}
	} else if banned {
		return decision{state: store.StateDiscarded, reason: "banned address " + author, author: author}
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
	// A member's address in From proves nothing by itself: where the From
	// domain publishes DMARC and the post does not pass it, the post is
	// treated as a non-member's, so a forgery cannot skip moderation.
	unauthenticated := ""
	switch {
	case member == nil:
	case sum.FromFields > 1:
		// Refused on the way in; one spooled before that, or by a path
		// that keeps such mail, is never taken at its word.
		member, unauthenticated = nil, " (From not authenticated: more than one From field)"
	case !sum.FromField || sum.HeaderSplit:
		// No signature can vouch for this author: it came from Sender or
		// the envelope, or from a header that a verifier and a reader see
		// differently. Taken at its word only where the domain asks for
		// nothing more (as a From of a domain without DMARC is).
		if ok, why := s.authorUnsignable(ctx, domainOf(author)); !ok {
			member, unauthenticated = nil, " (author not authenticated: "+why+")"
		}
	default:
		if ok, why := s.authorTrusted(ctx, m.Raw, domainOf(author)); !ok {
			member, unauthenticated = nil, " (From not authenticated: "+why+")"
		}
	}
	if member != nil && member.Moderated {
		return held("the member's posts are moderated")
	}
	if member == nil && l.PostPolicy != PostOpen {
		switch l.NonmemberAction {
		case ActionReject:
			return decision{state: store.StateRejected, reason: "post from non-member " + orUnknown(author) + unauthenticated, author: author}
		case ActionDiscard:
			return decision{state: store.StateDiscarded, reason: "post from non-member " + orUnknown(author) + unauthenticated, author: author}
		case ActionHold:
			return held("post from non-member " + orUnknown(author) + unauthenticated)
		}
		// accept: on to the other rules, like a member.
	}
	if isAdministrivia(sum.Subject, firstTextLines(m.Raw, 5)) {
		return held("looks like a command for " + Address(l.Address, store.KindRequest) + ", sent to the list")
	}
	if l.RequireExplicitDestination && !namesList(h, l.Address) {
		return held("the list is not named in To or Cc (implicit destination)")
	}
	if l.MaxRecipients > 0 && countRecipients(h) >= l.MaxRecipients {
		return held(fmt.Sprintf("too many recipients (%d or more)", l.MaxRecipients))
	}
	if l.MaxMessageKB > 0 && len(m.Raw) > l.MaxMessageKB*1024 {
		return held(fmt.Sprintf("message larger than %d KB", l.MaxMessageKB))
	}
	switch l.PostPolicy {
	case PostModerated:
		return held("the list is moderated")
	case PostAnnounce:
		if member == nil || (member.Role != RoleOwner && member.Role != RoleModerator) {
			return held("announce-only list: post from " + orUnknown(author))
		}
	}
	return decision{state: store.StateAccepted, author: author}
}

// namesList tells whether To or Cc holds the list's address (Mailman's
// implicit-destination rule: mail that reached the list through a Bcc or an
// alias is often spam).
func namesList(h textproto.Header, list string) bool {
	return headerHasAddress(h, list, "To", "Cc", "Resent-To", "Resent-Cc")
}

// headerHasAddress tells whether any of the fields names addr exactly (not
// as part of a longer address: cop@ is not bigcop@).
func headerHasAddress(h textproto.Header, addr string, fields ...string) bool {
	for _, f := range fields {
		for _, v := range h.Values(f) {
			if as, err := mail.ParseAddressList(v); err == nil {
				for _, a := range as {
					if strings.EqualFold(a.Address, addr) {
						return true
					}
				}
				continue
			}
			// Unparsable: look for the address with a boundary on each side.
			lower := strings.ToLower(v)
			for i := strings.Index(lower, addr); i >= 0; {
				before := i == 0 || strings.ContainsRune(" <,:;\t\"", rune(lower[i-1]))
				end := i + len(addr)
				after := end == len(lower) || strings.ContainsRune(" >,;\t\"", rune(lower[end]))
				if before && after {
					return true
				}
				j := strings.Index(lower[i+1:], addr)
				if j < 0 {
					break
				}
				i += 1 + j
			}
		}
	}
	return false
}

// countRecipients counts the addresses in To and Cc.
func countRecipients(h textproto.Header) int {
	n := 0
	for _, f := range []string{"To", "Cc"} {
		for _, v := range h.Values(f) {
			n += strings.Count(v, "@")
		}
	}
	return n
}

// isAdministrivia recognises a command sent to the posting address
// (Mailman's administrivia rule): a short mail whose subject or first line
// is a command word.
func isAdministrivia(subject string, lines []string) bool {
	words := map[string]bool{"subscribe": true, "unsubscribe": true, "join": true, "leave": true, "remove": true, "signoff": true, "help": true}
	first := func(s string) string {
		f := strings.Fields(strings.ToLower(s))
		if len(f) == 0 || len(f) > 2 {
			return ""
		}
		return f[0]
	}
	if words[first(stripReplyMarkers(subject))] {
		return true
	}
	nonEmpty := 0
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			nonEmpty++
		}
	}
	return nonEmpty > 0 && nonEmpty <= 2 && len(lines) > 0 && words[first(lines[0])]
}

func domainOf(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
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
		// Derived from the spool row, not random: a replay after a crash
		// names the post the same, in the copies and in the archive.
		sum := sha256.Sum256(m.Raw)
		msgID = fmt.Sprintf("praxis.%d.%s@%s", m.ID, hex.EncodeToString(sum[:8]), s.cfg.Hostname)
	}
	// Archived before it is marked accepted: a crash in between archives it
	// again on the replay, which stores nothing twice.
	if l.ArchivePolicy != ArchiveNone {
		if err := s.Archive(ctx, l, m.Raw, msgID); err != nil {
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

// processOwner forwards mail for LIST-owner@ to the owners, unchanged.
func (s *Service) processOwner(ctx context.Context, l *List, m *store.Message) error {
	sum := inbound.Summarize(m.Raw)
	for _, v := range sum.Header.Values("X-Loop") {
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

// noticeHeld tells the moderators of a held post, with the post attached
// and a confirmation address: a reply decides (Mailman's moderator
// notice). Undecided posts expire after the list's HoldDays.
func (s *Service) noticeHeld(ctx context.Context, l *List, m *store.Message, sum inbound.Summary, d decision) error {
	mods, err := s.moderators(ctx, l)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	expires := now.Add(100 * 365 * 24 * time.Hour)
	if l.HoldDays > 0 {
		expires = now.Add(time.Duration(l.HoldDays) * 24 * time.Hour)
	}
	p := &store.Pending{Token: newToken(), ListID: l.ID, Kind: store.PendingHeld, Address: d.author, Data: fmt.Sprint(m.ID), CreatedAt: now, ExpiresAt: expires}
	// The request is written even with no one to notify: it is what makes
	// the post expire. With someone to notify, it is written with the
	// notice, in one transaction.
	if len(mods) == 0 {
		return s.store.AddPending(ctx, p)
	}
	confirm := ConfirmAddress(l.Address, p.Token)
	n := &notice{
		list: l, to: mods, from: confirm, replyTo: confirm,
		subject:  l.Name + ": post from " + orUnknown(d.author) + " needs approval (confirm " + p.Token + ")",
		template: "held_notice.txt", attach: m.Raw,
		data:    map[string]any{"From": orUnknown(d.author), "Subject": sum.Subject, "Reason": d.reason, "ID": m.ID, "ExpiresDays": l.HoldDays},
		request: p,
	}
	if len(m.Raw) > heldAttachMax {
		// A big post travels as its header and its first lines, as
		// Mailman does: the decision needs no more, and a whole copy in
		// every moderator's notice would cost its size again per copy.
		n.attach, n.excerpt = nil, excerptOf(m.Raw, heldExcerptBytes)
	}
	err = s.send(ctx, n)
	if errors.Is(err, errCompose) {
		// The post is held all the same, and still expires; moderators
		// find it in the held queue.
		s.log.Error("held notice could not be composed", "list", l.Address, "spool_id", m.ID, "err", err)
		return s.store.AddPending(ctx, p)
	}
	return err
}

// A held post up to heldAttachMax is attached to its notice whole; a
// bigger one as its header and its first heldExcerptBytes.
const (
	heldAttachMax    = 256 << 10
	heldExcerptBytes = 32 << 10
)
