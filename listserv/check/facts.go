package check

import (
	"context"
	"errors"
	"strings"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/inbound"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Facts is everything the rules look at for one post.
type Facts struct {
	List *store.List
	// Loop names the loop mark found ("our own List-Id", "X-Loop"), if any.
	Loop string
	// NullSender: the envelope sender is empty (a bounce).
	NullSender bool
	// DeliveryReport: a multipart/report of delivery or disposition.
	DeliveryReport bool
	// AutoSubmitted is the Auto-Submitted value other than "no"
	// (RFC 3834 §5); Vacation is set for the older vacation headers.
	AutoSubmitted string
	Vacation      bool

	// Author is who the post is from: the From address, else Sender,
	// else the envelope sender, as Mailman reads it.
	Author string
	Banned bool
	// Member is the author's membership; nil for a non-member, and nil
	// when the From could not be taken at its word (Unauthenticated
	// then says why, for the moderator).
	Member          *store.Member
	Unauthenticated string

	Subject    string
	FirstLines []string // the first lines of the text, for the administrivia rule
	NamesList  bool     // the list's address is in To or Cc
	Recipients int      // the addresses in To and Cc
	Size       int      // bytes
	// Spam is what the spam checks found before the 250; nil for a post
	// they did not look at.
	Spam *store.Spam
}

// automatic tells whether the post is a loop, a bounce or an auto-reply:
// such mail never reaches members, and nothing more is looked up for it.
func (f *Facts) automatic() bool {
	return f.Loop != "" || f.NullSender || f.DeliveryReport || f.AutoSubmitted != "" || f.Vacation
}

// Source is what Gather reads beyond the message itself.
type Source interface {
	// Banned tells whether addr matches one of the list's bans.
	Banned(ctx context.Context, l *store.List, addr string) (bool, error)
	// Member finds addr's membership; store.ErrNotFound for none.
	Member(ctx context.Context, listID int64, addr string) (*store.Member, error)
	// AuthorTrusted tells whether the From of raw may be taken as the
	// author: DMARC passes or the domain asks for nothing; why says
	// what failed.
	AuthorTrusted(ctx context.Context, raw []byte, domain string) (ok bool, why string)
	// AuthorUnsignable tells whether an author no signature can vouch
	// for (from Sender, the envelope, or a split header) may be trusted:
	// only where the domain has no strict DMARC policy.
	AuthorUnsignable(ctx context.Context, domain string) (ok bool, why string)
}

// Gather reads the facts about m, a post to l. An error means the facts
// could not be known (the store failed): the post stays where it is and
// is checked again later, since not knowing is not "not a member".
func Gather(ctx context.Context, src Source, l *store.List, m *store.Message, sum inbound.Summary) (Facts, error) {
	h := sum.Header
	f := Facts{List: l, Subject: sum.Subject, Size: len(m.Raw), NullSender: m.MailFrom == "", Spam: m.Spam}
	listID := ListIDValue(l.Address)
	for _, v := range h.Values("List-Id") {
		if strings.Contains(strings.ToLower(v), "<"+listID+">") {
			f.Loop = "our own List-Id"
		}
	}
	if f.Loop == "" && HeaderHasAddress(h, l.Address, "X-Loop") {
		f.Loop = "X-Loop"
	}
	ct := strings.ToLower(h.Get("Content-Type"))
	f.DeliveryReport = strings.HasPrefix(ct, "multipart/report") && (strings.Contains(ct, "delivery-status") || strings.Contains(ct, "disposition-notification"))
	if as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); as != "" && as != "no" {
		f.AutoSubmitted = as
	}
	f.Vacation = h.Has("X-Autoreply") || h.Has("X-Autorespond") || strings.EqualFold(strings.TrimSpace(h.Get("Precedence")), "auto_reply")

	f.Author = sum.Author(m.MailFrom)
	if f.automatic() || l.Emergency {
		return f, nil
	}
	var err error
	if f.Banned, err = src.Banned(ctx, l, f.Author); err != nil || f.Banned {
		return f, err
	}
	if f.Author != "" {
		mm, err := src.Member(ctx, l.ID, f.Author)
		switch {
		case err == nil:
			f.Member = mm
		case !errors.Is(err, store.ErrNotFound):
			return f, err
		}
	}
	// A member's address in From proves nothing by itself: where the From
	// domain publishes DMARC and the post does not pass it, the post is
	// treated as a non-member's, so a forgery cannot skip moderation.
	switch {
	case f.Member == nil:
	case sum.FromFields > 1:
		// Refused on the way in; one spooled before that, or by a path
		// that keeps such mail, is never taken at its word.
		f.Member, f.Unauthenticated = nil, "From not authenticated: more than one From field"
	case !sum.FromField || sum.HeaderSplit:
		// No signature can vouch for this author: it came from Sender or
		// the envelope, or from a header that a verifier and a reader see
		// differently. Taken at its word only where the domain asks for
		// nothing more (as a From of a domain without DMARC is).
		if ok, why := src.AuthorUnsignable(ctx, DomainOf(f.Author)); !ok {
			f.Member, f.Unauthenticated = nil, "author not authenticated: "+why
		}
	default:
		if ok, why := src.AuthorTrusted(ctx, m.Raw, DomainOf(f.Author)); !ok {
			f.Member, f.Unauthenticated = nil, "From not authenticated: "+why
		}
	}
	f.FirstLines = inbound.FirstTextLines(m.Raw, 5)
	f.NamesList = HeaderHasAddress(h, l.Address, "To", "Cc", "Resent-To", "Resent-Cc")
	f.Recipients = countRecipients(h)
	return f, nil
}

// ListIDValue is the RFC 2919 list identifier: local@domain → local.domain.
func ListIDValue(address string) string {
	return strings.Replace(strings.ToLower(address), "@", ".", 1)
}

// DomainOf is the domain of an address, lower case.
func DomainOf(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}

// HeaderHasAddress tells whether any of the fields names addr exactly
// (not as part of a longer address: cop@ is not bigcop@).
func HeaderHasAddress(h textproto.Header, addr string, fields ...string) bool {
	for _, f := range fields {
		for _, v := range h.Values(f) {
			if as, ok := mailmsg.ParseAddresses(v); ok {
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
