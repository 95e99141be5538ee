package check

import (
	"fmt"
	"strings"

	"praxis/listserv/inbound"
	"praxis/listserv/spam"
	"praxis/listserv/store"
)

// Decision is the outcome of the rules for one post.
type Decision struct {
	State  string // store.StateAccepted, StateHeld, StateRejected, StateDiscarded, StateDropped
	Reason string // for the moderator's notice, the log, the sender's rejection
	Author string // who the rules took the author to be
	// Spam is set when the spam checks decided: the sender, likely
	// forged, is not told that the post waits.
	Spam bool
}

// Decide applies the posting rule chain to the facts: loops, bounces and
// auto-replies first (they never reach members), then the emergency
// hold, bans, membership and the posting policy, then the rules that hold
// a post for a look (administrivia, implicit destination, too many
// recipients, too big, a moderated or announce-only list).
func Decide(f Facts) Decision {
	l := f.List
	switch {
	case f.Loop != "":
		return Decision{State: store.StateDropped, Reason: "loop: " + f.Loop}
	case f.NullSender:
		return Decision{State: store.StateDropped, Reason: "bounce: null envelope sender"}
	case f.DeliveryReport:
		return Decision{State: store.StateDropped, Reason: "bounce: delivery report"}
	case f.AutoSubmitted != "":
		return Decision{State: store.StateDropped, Reason: "auto-reply: Auto-Submitted " + f.AutoSubmitted}
	case f.Vacation:
		return Decision{State: store.StateDropped, Reason: "auto-reply: vacation header"}
	}
	author := f.Author
	held := func(reason string) Decision { return Decision{State: store.StateHeld, Reason: reason, Author: author} }
	if l.Emergency {
		return held("emergency hold: every post is moderated")
	}
	if f.Banned {
		return Decision{State: store.StateDiscarded, Reason: "banned address " + author, Author: author}
	}
	member := f.Member
	// After the bans, before the rules that let a post in: what the spam
	// checks found, with the list's settings (a member's post at most
	// held). A refusal was the 250's to make; one that reaches here (the
	// list changed since, or an IMAP mailbox's post) is held, since a
	// rejection notice to a spammer's forged sender is backscatter. A
	// From that names a member counts as a member's here even when it
	// is not authenticated, as it did at the 250: held, never discarded.
	if v := spam.Judge(l, f.Spam, member != nil || f.Unauthenticated != ""); v.Action != "" {
		if v.Action == store.SpamDiscard {
			return Decision{State: store.StateDiscarded, Reason: "spam: " + v.Reason, Author: author, Spam: true}
		}
		return Decision{State: store.StateHeld, Reason: "spam: " + v.Reason, Author: author, Spam: true}
	}
	if member != nil && member.Moderated {
		return held("the member's posts are moderated")
	}
	if member == nil && l.PostPolicy != store.PostOpen {
		why := "post from non-member " + OrUnknown(author)
		if f.Unauthenticated != "" {
			why += " (" + f.Unauthenticated + ")"
		}
		switch l.NonmemberAction {
		case store.ActionReject:
			return Decision{State: store.StateRejected, Reason: why, Author: author}
		case store.ActionDiscard:
			return Decision{State: store.StateDiscarded, Reason: why, Author: author}
		case store.ActionHold:
			return held(why)
		}
		// accept: on to the other rules, like a member.
	}
	if isAdministrivia(f.Subject, f.FirstLines) {
		return held("looks like a command for " + inbound.Address(l.Address, store.KindRequest) + ", sent to the list")
	}
	if l.RequireExplicitDestination && !f.NamesList {
		return held("the list is not named in To or Cc (implicit destination)")
	}
	if l.MaxRecipients > 0 && f.Recipients >= l.MaxRecipients {
		return held(fmt.Sprintf("too many recipients (%d or more)", l.MaxRecipients))
	}
	if l.MaxMessageKB > 0 && f.Size > l.MaxMessageKB*1024 {
		return held(fmt.Sprintf("message larger than %d KB", l.MaxMessageKB))
	}
	switch l.PostPolicy {
	case store.PostModerated:
		return held("the list is moderated")
	case store.PostAnnounce:
		if member == nil || (member.Role != store.RoleOwner && member.Role != store.RoleModerator) {
			return held("announce-only list: post from " + OrUnknown(author))
		}
	}
	return Decision{State: store.StateAccepted, Author: author}
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
	if words[first(inbound.StripReplyMarkers(subject))] {
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

// OrUnknown names an author, or says there is none.
func OrUnknown(s string) string {
	if s == "" {
		return "an unknown sender"
	}
	return s
}
