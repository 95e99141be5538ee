package robot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"praxis/listserv/inbound"
	"praxis/listserv/notice"
	"praxis/listserv/request"
	"regexp"
	"strings"
	"time"

	"praxis/listserv/store"
)

// PendingTTL is how long a subscription, unsubscription or invitation
// waits for its confirmation (Mailman's pending_request_life is 3 days).
const PendingTTL = 3 * 24 * time.Hour

// MaxConfirmationsPerDay bounds the confirmation requests sent to one
// address in a day, on all lists: without it, anyone could make Praxis mail
// a stranger over and over with forged subscribe requests.
const MaxConfirmationsPerDay = 3

// ConfirmURL is the web page that confirms a request.
func (s *Subscriptions) ConfirmURL(list, token string) string {
	return s.d.BaseURL + "/l/" + url.PathEscape(list) + "/confirm/" + token
}

// Banned tells whether addr matches one of the list's bans: an exact
// address (any case) or, starting with ^, a regular expression.
func (s *Subscriptions) Banned(ctx context.Context, l *store.List, addr string) (bool, error) {
	bans, err := s.d.Store.Bans(ctx, l.ID)
	if err != nil {
		return false, err
	}
	key := store.AddressKey(addr)
	for _, b := range bans {
		if strings.HasPrefix(b, "^") {
			re, err := regexp.Compile("(?i)" + b)
			if err != nil {
				s.d.Log.Warn("bad ban pattern", "list", l.Address, "pattern", b, "err", err)
				continue
			}
			if re.MatchString(key) {
				return true, nil
			}
		} else if store.AddressKey(b) == key {
			return true, nil
		}
	}
	return false, nil
}

// AllowAutoMail counts one automatic mail to addr under kind and reports
// whether it is within the day's limit.
func (s *Subscriptions) AllowAutoMail(ctx context.Context, kind, addr string, max int) (bool, error) {
	n, err := s.d.Store.CountUp(ctx, kind+":"+store.AddressKey(addr))
	if err != nil {
		return false, err
	}
	return n <= max, nil
}

// Subscribe asks for addr to join l, as the list's policy says: open lists
// take it at once, confirm lists send a confirmation request, moderated ones
// ask a moderator.
func (s *Subscriptions) Subscribe(ctx context.Context, l *store.List, addr, name string) (Outcome, error) {
	return s.subscribe(ctx, l, addr, name, true)
}

// subscribe is Subscribe; proven says whether the request is known to come
// from addr. An open list takes a proven request at once, and asks an
// unproven one (mail whose From may be forged) to confirm, so nobody can
// be signed up to a list's traffic by someone else.
func (s *Subscriptions) subscribe(ctx context.Context, l *store.List, given, name string, proven bool) (Outcome, error) {
	name = store.CleanName(name)
	addr, err := store.ParseAddress(given)
	if err != nil {
		return Outcome{Message: fmt.Sprintf("%q is not an email address.", given)}, nil
	}
	if banned, err := s.Banned(ctx, l, addr); err != nil {
		return Outcome{}, err
	} else if banned {
		return Outcome{Message: addr + " may not subscribe to this list."}, nil
	}
	if _, err := s.d.Store.Member(ctx, l.ID, addr); err == nil {
		return Outcome{Message: addr + " is already a member of " + l.Address + "."}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Outcome{}, err
	}
	switch {
	case l.SubscribePolicy == store.SubscribeOpen && proven:
		return s.join(ctx, l, addr, name, byMail(addr))
	case l.SubscribePolicy == store.SubscribeOpen:
		return s.askConfirmation(ctx, l, store.PendingSubscribe, addr, name, "confirm_subscribe.txt", "Confirm your subscription to "+l.Name)
	case l.SubscribePolicy == store.SubscribeModerate:
		return s.askModerators(ctx, l, addr, name)
	default: // confirm, confirm_then_moderate
		return s.askConfirmation(ctx, l, store.PendingSubscribe, addr, name, "confirm_subscribe.txt", "Confirm your subscription to "+l.Name)
	}
}

// Unsubscribe asks addr to confirm leaving l.
func (s *Subscriptions) Unsubscribe(ctx context.Context, l *store.List, addr string) (Outcome, error) {
	m, err := s.d.Store.Member(ctx, l.ID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return Outcome{Message: addr + " is not a member of " + l.Address + "."}, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	return s.askConfirmation(ctx, l, store.PendingUnsubscribe, m.Address, m.Name, "confirm_unsubscribe.txt", "Confirm leaving "+l.Name)
}

// Invite sends addr an invitation to join l that they accept by reply.
func (s *Subscriptions) Invite(ctx context.Context, list, addr, name string) (Outcome, error) {
	l, err := s.d.List(ctx, list)
	if err != nil {
		return Outcome{}, err
	}
	a, err := store.ParseAddress(addr)
	if err != nil {
		return Outcome{}, err
	}
	if _, err := s.d.Store.Member(ctx, l.ID, a); err == nil {
		return Outcome{}, fmt.Errorf("%s is already a member of %s: %w", a, l.Address, store.ErrDuplicate)
	}
	return s.askConfirmation(ctx, l, store.PendingInvite, a, name, "invite.txt", "Invitation to join "+l.Name)
}

func (s *Subscriptions) askConfirmation(ctx context.Context, l *store.List, kind, addr, name, tmpl, subject string) (Outcome, error) {
	return s.askConfirmationOf(ctx, l, &store.Pending{Kind: kind, Address: addr, Name: name}, tmpl, subject, nil)
}

// askConfirmationOf stores the request p (its token, list and times are
// set here) and mails its address the confirmation request tmpl, with
// extra data for the template.
func (s *Subscriptions) askConfirmationOf(ctx context.Context, l *store.List, p *store.Pending, tmpl, subject string, extra map[string]any) (Outcome, error) {
	kind, addr := p.Kind, p.Address
	// One request of a kind (and, for commands, of a command) at a time: a
	// second subscribe resends nothing while the first is pending.
	if ps, err := s.d.Store.PendingFor(ctx, l.ID, kind, addr); err != nil {
		return Outcome{}, err
	} else {
		for _, q := range ps {
			if q.Data == p.Data {
				return Outcome{Message: "A confirmation request was already sent to " + addr + "; reply to it to confirm."}, nil
			}
		}
	}
	// Confirmations of mailed commands count apart: forged commands in a
	// member's name must not use up the confirmations of their own
	// subscriptions.
	quota := "confirm"
	if kind == store.PendingCommand {
		quota = "confirm-command"
	}
	if ok, err := s.AllowAutoMail(ctx, quota, addr, MaxConfirmationsPerDay); err != nil {
		return Outcome{}, err
	} else if !ok {
		s.d.Log.Warn("confirmation rate limit", "list", l.Address, "rcpt", addr)
		return Outcome{Message: "Too many confirmation requests for " + addr + " today; try again tomorrow."}, nil
	}
	now := s.d.Now()
	p.Token, p.ListID, p.CreatedAt, p.ExpiresAt = notice.NewToken(), l.ID, now, now.Add(PendingTTL)
	confirm := inbound.ConfirmAddress(l.Address, p.Token)
	data := map[string]any{"Address": addr, "ConfirmAddress": confirm, "ConfirmURL": s.ConfirmURL(l.Address, p.Token), "ExpiresDays": int(PendingTTL.Hours() / 24)}
	for k, v := range extra {
		data[k] = v
	}
	err := s.d.Notices.Send(ctx, &notice.Notice{
		List: l, To: []string{addr}, From: confirm, ReplyTo: confirm,
		Subject: subject + " (confirm " + p.Token + ")", Template: tmpl, Data: data,
		Request: p,
	})
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Done: true, Message: "A confirmation request was sent to " + addr + "."}, nil
}

func (s *Subscriptions) askModerators(ctx context.Context, l *store.List, addr, name string) (Outcome, error) {
	if ps, err := s.d.Store.PendingFor(ctx, l.ID, store.PendingApproval, addr); err != nil {
		return Outcome{}, err
	} else if len(ps) > 0 {
		return Outcome{Message: "The request of " + addr + " already waits for a moderator."}, nil
	}
	mods, err := s.d.Notices.Moderators(ctx, l)
	if err != nil {
		return Outcome{}, err
	}
	now := s.d.Now()
	p := &store.Pending{Token: notice.NewToken(), ListID: l.ID, Kind: store.PendingApproval, Address: addr, Name: name, CreatedAt: now, ExpiresAt: now.Add(PendingTTL)}
	if len(mods) == 0 {
		// Nobody to tell yet: the request waits for the web's held page.
		if err := s.d.Store.AddPending(ctx, p); err != nil {
			return Outcome{}, err
		}
	} else {
		confirm := inbound.ConfirmAddress(l.Address, p.Token)
		if err := s.d.Notices.Send(ctx, &notice.Notice{
			List: l, To: mods, From: confirm, ReplyTo: confirm,
			Subject: l.Name + ": subscription request from " + addr + " (confirm " + p.Token + ")", Template: "approval_notice.txt",
			Data:    map[string]any{"Address": addr, "Name": name, "ExpiresDays": int(PendingTTL.Hours() / 24)},
			Request: p,
		}); err != nil {
			return Outcome{}, err
		}
	}
	return Outcome{Done: true, Message: "The request to join " + l.Address + " waits for a moderator."}, nil
}

// join adds addr as a member and welcomes them; by is who let them in
// (they themselves, or the moderator who approved them).
func (s *Subscriptions) join(ctx context.Context, l *store.List, addr, name string, by store.Actor) (Outcome, error) {
	m := &store.Member{ListID: l.ID, Address: addr, Name: store.CleanName(name), Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled}
	// Every way in is validated the same: the CLI's, a form's, a reply's.
	if err := m.Validate(); err != nil {
		return Outcome{}, err
	}
	if err := s.d.Store.AddMember(ctx, m); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return Outcome{Message: addr + " is already a member of " + l.Address + "."}, nil
		}
		return Outcome{}, err
	}
	s.d.Log.Info("member joined", "list", l.Address, "rcpt", addr)
	s.audit(ctx, l, by, "member add", addr, "joined")
	if err := s.d.Notices.Send(ctx, &notice.Notice{List: l, To: []string{addr}, Subject: "Welcome to " + l.Name, Template: "welcome.txt",
		Data: map[string]any{"Address": addr, "DeliveryText": deliveryText(m.Delivery)}}); err != nil {
		return Outcome{}, err
	}
	return Outcome{Done: true, Message: addr + " is now a member of " + l.Address + "."}, nil
}

// leave removes addr and says goodbye.
func (s *Subscriptions) leave(ctx context.Context, l *store.List, addr string) (Outcome, error) {
	if err := s.d.Store.RemoveMember(ctx, l.ID, addr); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Outcome{Message: addr + " is not a member of " + l.Address + "."}, nil
		}
		return Outcome{}, err
	}
	s.d.Log.Info("member left", "list", l.Address, "rcpt", addr)
	s.audit(ctx, l, byMail(addr), "member rm", addr, "left")
	if err := s.d.Notices.Send(ctx, &notice.Notice{List: l, To: []string{addr}, Subject: "You have left " + l.Name, Template: "goodbye.txt",
		Data: map[string]any{"Address": addr}}); err != nil {
		return Outcome{}, err
	}
	return Outcome{Done: true, Message: addr + " has left " + l.Address + "."}, nil
}

func deliveryText(mode string) string {
	switch mode {
	case store.DeliverDigest:
		return "a daily digest of the posts"
	case store.DeliverSummary:
		return "a weekly learning summary"
	case store.DeliverNomail:
		return "no mail for now"
	}
	return "every post as it arrives"
}

// ownSettingText says what turning listing or suggestions on or off did.
func ownSettingText(setting string, on bool) string {
	switch {
	case setting == "listing" && on:
		return "You are now listed, with your expertise, on the list's page of who knows what."
	case setting == "listing":
		return "You are no longer listed on the list's page of who knows what."
	case on:
		return "A question you ask may now bring you one private mail of related answered threads."
	}
	return "Your questions no longer bring you mail of related answered threads."
}

// Confirm acts on the request a token names. replier is who confirmed (the
// From of a reply, "" from the web) and text the first lines of the reply,
// where a moderator writes approve, reject REASON or discard.
func (s *Subscriptions) Confirm(ctx context.Context, token, replier, text string) (Outcome, error) {
	p, err := s.d.Store.PendingByToken(ctx, strings.ToLower(strings.TrimSpace(token)))
	if errors.Is(err, store.ErrNotFound) {
		return Outcome{Message: "No request waits for this confirmation; it may have expired or been confirmed already."}, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	l, err := s.d.Store.ListByID(ctx, p.ListID)
	if err != nil {
		return Outcome{}, err
	}
	verb, reason := readDecision(text)
	switch p.Kind {
	case store.PendingApproval, store.PendingHeld:
		if verb == "" {
			return Outcome{Message: "Nothing was decided: reply with approve, reject REASON or discard as the first line."}, nil
		}
	default:
		if declines(text) {
			return Outcome{Message: "Your reply reads as a refusal, so nothing was done; the request expires by itself."}, nil
		}
	}
	if p.Kind == store.PendingHeld {
		// A held post's state machine already lets one decision through;
		// the request is removed only once the decision is made, so a
		// failure on the way leaves it to be decided (or to expire).
		out, err := s.decideHeld(ctx, l, p, verb, reason, replier)
		if err == nil {
			_, err = s.d.Store.TakePending(ctx, p.ID)
		}
		return out, err
	}
	// Take the request first: of two replies, one acts.
	if ok, err := s.d.Store.TakePending(ctx, p.ID); err != nil || !ok {
		if err != nil {
			return Outcome{}, err
		}
		return Outcome{Message: "This request was already confirmed."}, nil
	}
	switch p.Kind {
	case store.PendingSubscribe:
		if l.SubscribePolicy == store.SubscribeConfirmThenModerate {
			return s.askModerators(ctx, l, p.Address, p.Name)
		}
		return s.join(ctx, l, p.Address, p.Name, byMail(p.Address))
	case store.PendingInvite:
		return s.join(ctx, l, p.Address, p.Name, byMail(p.Address))
	case store.PendingUnsubscribe:
		return s.leave(ctx, l, p.Address)
	case store.PendingApproval:
		return s.decideApproval(ctx, l, p, verb, reason, byMail(replier))
	case store.PendingReenable:
		return s.reenable(ctx, l, p.Address)
	case store.PendingCommand:
		// The round trip proved the address: the command runs as the
		// member's own.
		s.d.Log.Info("mailed command confirmed", "list", l.Address, "rcpt", p.Address)
		result, _, err := s.robot.command(ctx, l, p.Address, p.Name, strings.Fields(p.Data), commandProof{proven: true})
		if err != nil {
			return Outcome{}, err
		}
		return Outcome{Done: true, Message: result}, nil
	}
	return Outcome{Message: "This request cannot be confirmed by reply."}, nil
}

// readDecision reads a moderator's reply: the first non-empty line that is not
// quoted, "approve", "reject REASON" or "discard" (and a few synonyms).
func readDecision(text string) (verb, reason string) {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, ">") {
			continue
		}
		// A reply subject ("Re: ... (confirm TOKEN)") is not a decision.
		lower := strings.ToLower(line)
		for _, v := range []struct{ word, verb string }{
			{"approve", "approve"}, {"approved", "approve"}, {"accept", "approve"},
			{"reject", "reject"}, {"rejected", "reject"}, {"deny", "reject"},
			{"discard", "discard"}, {"discarded", "discard"}, {"drop", "discard"},
		} {
			if lower == v.word || strings.HasPrefix(lower, v.word+" ") || strings.HasPrefix(lower, v.word+":") {
				return v.verb, strings.TrimSpace(strings.TrimLeft(line[len(v.word):], ": "))
			}
		}
		return "", ""
	}
	return "", ""
}

func parseID(s string) (int64, error) {
	var id int64
	_, err := fmt.Sscan(s, &id)
	return id, err
}

// reenable starts delivery again for a member whose mail bounced.
func (s *Subscriptions) reenable(ctx context.Context, l *store.List, addr string) (Outcome, error) {
	m, err := s.d.Store.Member(ctx, l.ID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return Outcome{Message: addr + " is no longer a member of " + l.Address + "."}, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	m.Status, m.BounceScore, m.WarningsSent, m.DisabledAt, m.LastWarningAt = store.StatusEnabled, 0, 0, time.Time{}, time.Time{}
	if err := s.d.Store.UpdateMember(ctx, m); err != nil {
		return Outcome{}, err
	}
	s.d.Log.Info("delivery re-enabled", "list", l.Address, "rcpt", addr)
	return Outcome{Done: true, Message: "Delivery to " + addr + " is enabled again."}, nil
}

// PendingRequest finds the unexpired request of a token on a list, for the
// confirmation page.
func (s *Subscriptions) PendingRequest(ctx context.Context, list, token string) (*store.Pending, *store.List, error) {
	l, err := s.d.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.d.Store.PendingByToken(ctx, strings.ToLower(token))
	if err != nil {
		return nil, nil, err
	}
	if p.ListID != l.ID {
		return nil, nil, fmt.Errorf("request: %w", store.ErrNotFound)
	}
	return p, l, nil
}

// Bans lists a list's ban patterns.
func (s *Subscriptions) Bans(ctx context.Context, list string) ([]string, error) {
	l, err := s.d.List(ctx, list)
	if err != nil {
		return nil, err
	}
	return s.d.Store.Bans(ctx, l.ID)
}

// AddBan bans an address or, starting with ^, a regular expression.
func (s *Subscriptions) AddBan(ctx context.Context, list, pattern string) error {
	l, err := s.d.List(ctx, list)
	if err != nil {
		return err
	}
	if len(pattern) > maxBanPattern {
		return fmt.Errorf("%w: a ban is at most %d characters", store.ErrInvalid, maxBanPattern)
	}
	if strings.HasPrefix(pattern, "^") {
		if _, err := regexp.Compile(pattern); err != nil {
			return fmt.Errorf("%w: ban %q is not a valid regular expression: %v", store.ErrInvalid, pattern, err)
		}
	} else if _, err := store.ParseAddress(pattern); err != nil {
		return fmt.Errorf("%w: ban %q is neither an address nor a ^regex", store.ErrInvalid, pattern)
	}
	return s.d.Store.AddBan(ctx, l.ID, pattern)
}

// maxBanPattern bounds a ban's pattern, which every post and request to
// the list is matched against.
const maxBanPattern = 500

// RemoveBan lifts a ban.
func (s *Subscriptions) RemoveBan(ctx context.Context, list, pattern string) error {
	l, err := s.d.List(ctx, list)
	if err != nil {
		return err
	}
	return s.d.Store.RemoveBan(ctx, l.ID, pattern)
}

// declines tells whether a reply to a confirmation request refuses it ("I
// did not ask for this", "no thanks"): replying is how one confirms, so a
// person who writes back to object must not be subscribed (or removed) by
// their objection. Only the first unquoted line counts.
func declines(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		line = strings.ToLower(strings.TrimSpace(line))
		if line == "" || strings.HasPrefix(line, ">") {
			continue
		}
		for _, w := range []string{"no", "no,", "no.", "no!", "not", "don't", "dont", "didn't", "didnt", "did not", "do not", "never", "stop", "cancel", "wrong", "spam", "nein", "non"} {
			if line == w || strings.HasPrefix(line, w+" ") || strings.HasPrefix(line, w+",") || strings.HasPrefix(line, w+".") || strings.HasPrefix(line, w+"!") {
				return true
			}
		}
		return strings.Contains(line, "did not ask") || strings.Contains(line, "didn't ask") || strings.Contains(line, "not me")
	}
	return false
}

// decideHeld carries out a moderator's reply to a held post's notice.
func (s *Subscriptions) decideHeld(ctx context.Context, l *store.List, p *store.Pending, verb, reason, replier string) (Outcome, error) {
	id, _ := parseID(p.Data)
	s.d.Log.Info("held post decided by reply", "list", l.Address, "spool_id", id, "decision", verb, "by", replier)
	var err error
	switch verb {
	case "approve":
		err = s.d.Held.Approve(ctx, l.Address, id)
	case "reject":
		err = s.d.Held.Reject(ctx, l.Address, id, reason)
	default:
		err = s.d.Held.Discard(ctx, l.Address, id)
	}
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		return Outcome{Message: fmt.Sprintf("Post %d was already decided.", id)}, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	past := map[string]string{"approve": "approved", "reject": "rejected", "discard": "discarded"}[verb]
	return Outcome{Done: true, Message: fmt.Sprintf("Post %d on %s was %s.", id, l.Address, past)}, nil
}

// RequestSubscription asks addr to confirm joining l, whatever the list's
// policy allows a proven request: a form on a web page proves nothing
// about who typed the address.
func (s *Subscriptions) RequestSubscription(ctx context.Context, l *store.List, addr, name string) (Outcome, error) {
	return s.subscribe(ctx, l, addr, name, false)
}

// MaxSignInsPerDay bounds the sign-in links mailed to one address a day.
const MaxSignInsPerDay = request.MaxSignInsPerDay

// SendSignIn mails addr a link that signs them in to the web archive,
// valid until expires. The caller checked that addr is a member of l; the
// mail comes from l, as that is the list they asked on. Beyond
// MaxSignInsPerDay a day nothing is sent, and sent reports false.
func (s *Subscriptions) SendSignIn(ctx context.Context, l *store.List, addr, link string, expires time.Time) (sent bool, err error) {
	if ok, err := s.AllowAutoMail(ctx, "signin", addr, MaxSignInsPerDay); err != nil || !ok {
		return false, err
	}
	err = s.d.Notices.Send(ctx, &notice.Notice{List: l, To: []string{addr}, Subject: "Sign in to the " + l.Name + " archive", Template: "signin.txt",
		Data: map[string]any{"Link": link, "Expires": expires.UTC().Format("2006-01-02 15:04 MST"), "Address": addr}})
	return err == nil, err
}

// audit writes a change the robot made to a list's roster to its audit
// log. The change is made by then, and the member told of it: a log that
// cannot be written is logged, not made the request's failure, which
// would have the mail retried against a change already made.
func (s *Subscriptions) audit(ctx context.Context, l *store.List, by store.Actor, action, target, detail string) {
	e := &store.AuditEntry{ListID: l.ID, Actor: by.Who, Via: by.Via, Action: action, Target: target, Detail: detail}
	if err := s.d.Store.AddAudit(ctx, e); err != nil {
		s.d.Log.Error("audit log not written", "list", l.Address, "rcpt", target, "action", action, "err", err)
	}
}

// byMail names who acted by mail (a reply, a confirmation link).
func byMail(addr string) store.Actor { return store.Actor{Who: addr, Via: store.AuditMail} }

// decideApproval carries out a moderator's decision on a request to join
// (approve, reject with a reason for the person, or discard), the request
// taken already.
func (s *Subscriptions) decideApproval(ctx context.Context, l *store.List, p *store.Pending, verb, reason string, by store.Actor) (Outcome, error) {
	s.d.Log.Info("subscription decided", "list", l.Address, "rcpt", p.Address, "decision", verb, "by", by.Who)
	if verb == "approve" {
		return s.join(ctx, l, p.Address, p.Name, by)
	}
	if verb == "reject" {
		if err := s.d.Notices.Send(ctx, &notice.Notice{List: l, To: []string{p.Address}, Subject: "Your request to join " + l.Name, Template: "subscription_refused.txt",
			Data: map[string]any{"Reason": reason}}); err != nil {
			return Outcome{}, err
		}
	}
	s.audit(ctx, l, by, "subscription "+verb, p.Address, reason)
	return Outcome{Done: true, Message: "The request of " + p.Address + " was " + verb + "ed."}, nil
}

// Requests are the requests of a list that wait for a moderator (to
// join) or for the person asked (to confirm joining, to accept an
// invitation), oldest first, for the moderators' page.
func (s *Subscriptions) Requests(ctx context.Context, list string) (*store.List, []*store.Pending, error) {
	l, err := s.d.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	ps, err := s.d.Store.PendingOfList(ctx, l.ID, store.PendingApproval, store.PendingSubscribe, store.PendingInvite)
	return l, ps, err
}

// DecideRequest carries out a decision on one of a list's Requests, by
// its id: approve, reject (reason for the person) or discard a request
// waiting for a moderator, or cancel one waiting for the person. A
// request decided, cancelled or expired meanwhile is ErrNotFound.
func (s *Subscriptions) DecideRequest(ctx context.Context, list string, id int64, by store.Actor, verb, reason string) (Outcome, error) {
	l, err := s.d.List(ctx, list)
	if err != nil {
		return Outcome{}, err
	}
	// By its id, not among the Requests listed: a list may have more
	// waiting than a page shows.
	p, err := s.d.Store.ListPending(ctx, l.ID, id)
	if err != nil {
		return Outcome{}, err
	}
	approval := p.Kind == store.PendingApproval
	switch {
	case !approval && p.Kind != store.PendingSubscribe && p.Kind != store.PendingInvite:
		// Held posts and the like are decided elsewhere.
		return Outcome{}, fmt.Errorf("request %d: %w", id, store.ErrNotFound)
	case approval && (verb == "approve" || verb == "reject" || verb == "discard"), !approval && verb == "cancel":
	default:
		return Outcome{}, fmt.Errorf("%w: a request to %s cannot be %sed", store.ErrInvalid, p.Kind, verb)
	}
	// Of two moderators deciding at once, one acts.
	if ok, err := s.d.Store.TakePending(ctx, p.ID); err != nil {
		return Outcome{}, err
	} else if !ok {
		return Outcome{}, fmt.Errorf("request %d: %w", id, store.ErrNotFound)
	}
	if approval {
		return s.decideApproval(ctx, l, p, verb, reason, by)
	}
	s.audit(ctx, l, by, p.Kind+" cancel", p.Address, "")
	return Outcome{Done: true, Message: "The request of " + p.Address + " was cancelled."}, nil
}
