package inbound

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"praxis/listserv/dmarc"
	"praxis/listserv/mailmsg"
	"praxis/listserv/spam"
	"praxis/listserv/store"
)

// Errors the receiver turns into SMTP replies (smtpin is the one boundary).
var (
	// ErrNoSuchAddress: a served domain, but no list address of that name.
	ErrNoSuchAddress = errors.New("no such list address")
	// ErrRelayDenied: not a domain Praxis serves; Praxis is never a relay.
	ErrRelayDenied = errors.New("relay denied")
	// ErrAmbiguousAuthor: more than one From field. RFC 5322 §3.6 allows
	// one; a reader shows the top-most while a DKIM signature covers the
	// bottom-most, which is how a signed mail is made to name someone else
	// (RFC 7489 §6.6.1 lets receivers reject it).
	ErrAmbiguousAuthor = errors.New("more than one From field")
	// ErrNoOwner: LIST-owner@ of a list with no owner, and no site
	// administrator to take its mail instead: accepting it would lose
	// it without a word.
	ErrNoOwner = errors.New("the list has no owner and the site no administrator")
	// ErrSpam: a live post the spam checks flagged, on a list that
	// refuses such posts (store.SpamReject); refused before the 250, so
	// the sender hears of it and nothing is kept. The error says why;
	// errors.Is tells which check by the three below.
	ErrSpam = errors.New("refused as spam")
	// ErrSPFFail: the envelope sender's domain says, by SPF, that the
	// connecting address may not send its mail (RFC 7208 §8.4).
	ErrSPFFail = fmt.Errorf("SPF fail: %w", ErrSpam)
	// ErrBlocklisted: the connecting address is on a --dnsbl zone.
	ErrBlocklisted = fmt.Errorf("blocklisted: %w", ErrSpam)
	// ErrSpamContent: the content filter scored the post over the list's
	// threshold.
	ErrSpamContent = fmt.Errorf("content: %w", ErrSpam)
)

// Envelope is the SMTP transaction around a message.
type Envelope struct {
	MailFrom string // "" for the null sender of bounces
	Remote   string // the client's address, for logs
	// Ingest, for a message taken from an IMAP mailbox, is its key: it is
	// recorded in the spool's transaction, and a key already recorded
	// spools nothing (store.ErrDuplicate), so the message is posted once.
	Ingest *store.IngestKey
	// Client is the connecting address the spam checks ask SPF and the
	// blocklists about, and HELO the name it gave; Client is invalid
	// where none speaks for the sender (a front MTA, an IMAP mailbox).
	Client netip.Addr
	HELO   string
}

// Receiver is what a transport adapter (SMTP and LMTP in smtpin, an IMAP
// mailbox next) needs: to know which recipients are served, and to hand
// over a message durably before it says it has it.
type Receiver interface {
	Resolve(ctx context.Context, rcpt string) (Route, error)
	Receive(ctx context.Context, env Envelope, routes []Route, raw []byte) error
}

// Store is the part of the store the spool writes to.
type Store interface {
	ServesDomain(ctx context.Context, domain string) (bool, error)
	ListByAddress(ctx context.Context, address string) (*store.List, error)
	MembersWithRole(ctx context.Context, listID int64, role string) ([]*store.Member, error)
	// Member finds addr's membership; store.ErrNotFound for none.
	Member(ctx context.Context, listID int64, addr string) (*store.Member, error)
	Spool(ctx context.Context, msgs ...*store.Message) error
	SpoolIngest(ctx context.Context, key store.IngestKey, msgs ...*store.Message) error
}

// Spool is the first room of a post's path: it resolves recipients and
// writes each message once per route, committed before the 250.
type Spool struct {
	store Store
	// spooled is called after each commit; the checks wait on it.
	spooled func()
	// admin is the site administrator, who gets the owner mail of lists
	// without owners; "" refuses that mail at RCPT.
	admin string
	// screen runs the spam checks on live posts; nil runs none.
	screen Screener
}

// Screener runs the spam checks on a live post (spam.Checker).
type Screener interface {
	Check(ctx context.Context, in spam.Input) *store.Spam
}

// Screen has every live post checked for spam by sc before its 250.
func (s *Spool) Screen(sc Screener) { s.screen = sc }

var _ Receiver = (*Spool)(nil)

// New builds a spool over st; spooled (may be nil) is called after every
// message is committed. admin is the site administrator's address ("":
// none), who gets LIST-owner@ mail of a list with no owner.
func New(st Store, spooled func(), admin string) *Spool {
	if spooled == nil {
		spooled = func() {}
	}
	return &Spool{store: st, spooled: spooled, admin: admin}
}

// Resolve tells whether rcpt is an address Praxis serves and what it means.
func (s *Spool) Resolve(ctx context.Context, rcpt string) (Route, error) {
	r, ok := ParseRoute(rcpt)
	domain := strings.ToLower(strings.Trim(rcpt[strings.LastIndexByte(rcpt, '@')+1:], "<> "))
	served, err := s.store.ServesDomain(ctx, domain)
	if err != nil {
		return Route{}, err
	}
	if !served {
		return Route{}, fmt.Errorf("%s: %w", rcpt, ErrRelayDenied)
	}
	if !ok {
		return Route{}, fmt.Errorf("%s: %w", rcpt, ErrNoSuchAddress)
	}
	l, err := s.store.ListByAddress(ctx, r.List)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Route{}, fmt.Errorf("%s: %w", rcpt, ErrNoSuchAddress)
		}
		return Route{}, err
	}
	if r.Kind == store.KindOwner && s.admin == "" {
		// Refused now, while the sender can still be told, rather than
		// taken with a 250 for nobody to read.
		owners, err := s.store.MembersWithRole(ctx, l.ID, store.RoleOwner)
		if err != nil {
			return Route{}, err
		}
		if len(owners) == 0 {
			return Route{}, fmt.Errorf("%s: %w", rcpt, ErrNoOwner)
		}
	}
	return r, nil
}

// Receive spools raw once for each route, durably, and returns when the
// commit is on disk: only then may the receiver answer 250.
//
// Live mail (SMTP, LMTP, an IMAP mailbox) with more than one From field is
// refused with ErrAmbiguousAuthor; an imported archive keeps such posts.
func (s *Spool) Receive(ctx context.Context, env Envelope, routes []Route, raw []byte) error {
	msgs := make([]*store.Message, 0, len(routes))
	sum := Summarize(raw)
	if sum.FromFields > 1 {
		return fmt.Errorf("receive: %d From fields: %w", sum.FromFields, ErrAmbiguousAuthor)
	}
	found := s.checkSpam(ctx, env, routes, raw)
	for _, r := range routes {
		l, err := s.store.ListByAddress(ctx, r.List)
		if err != nil {
			return fmt.Errorf("receive for %s: %w", r.List, err)
		}
		m := &store.Message{
			ListID: l.ID, ListAddress: l.Address, Kind: r.Kind, Extra: r.Extra,
			MailFrom: env.MailFrom, Rcpt: Address(r.List, r.Kind), Remote: env.Remote,
			Raw: raw, MessageID: sum.MessageID, FromAddr: sum.From, Subject: sum.Subject,
		}
		if r.Kind == store.KindPost && found != nil {
			// One list that refuses it refuses the message: an SMTP
			// transaction has one reply for all its recipients.
			if err := s.refuseSpam(ctx, l, found, sum.Author(env.MailFrom)); err != nil {
				return err
			}
			m.Spam = found
		}
		msgs = append(msgs, m)
	}
	var err error
	if env.Ingest != nil {
		err = s.store.SpoolIngest(ctx, *env.Ingest, msgs...)
	} else {
		err = s.store.Spool(ctx, msgs...)
	}
	if err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	s.spooled()
	return nil
}

// checkSpam runs the spam checks once for a message with a post among its
// routes: mail to a list's other addresses (the robot, owners, bounces)
// is no post to keep off the list.
func (s *Spool) checkSpam(ctx context.Context, env Envelope, routes []Route, raw []byte) *store.Spam {
	if s.screen == nil {
		return nil
	}
	for _, r := range routes {
		if r.Kind == store.KindPost {
			return s.screen.Check(ctx, spam.Input{IP: env.Client, HELO: env.HELO, MailFrom: env.MailFrom, Raw: raw})
		}
	}
	return nil
}

// refuseSpam returns the error that refuses a post to l with the findings
// found from author, when l refuses it; nil lets it in, to the checks
// that hold or discard it. Membership is the From's, taken at its word:
// a forged member's address gets a post held at worst, never refused.
func (s *Spool) refuseSpam(ctx context.Context, l *store.List, found *store.Spam, author string) error {
	// Membership only ever softens a verdict (a member's post is at
	// most held), so it is looked up only for a post refused without it:
	// not a query on every DATA.
	v := spam.Judge(l, found, false)
	if v.Action != store.SpamReject {
		return nil
	}
	if author != "" {
		_, err := s.store.Member(ctx, l.ID, author)
		switch {
		case err == nil:
			return nil // held at worst, by the checks
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("receive for %s: %w", l.Address, err)
		}
	}
	cause := ErrSpamContent
	switch v.Cause {
	case spam.CauseSPF:
		cause = ErrSPFFail
	case spam.CauseBlocklist:
		cause = ErrBlocklisted
	}
	return fmt.Errorf("%s: %s: %w", l.Address, v.Reason, cause)
}

// Author is who the checks take for the message's author: From, else
// Sender, else the envelope sender.
func (s Summary) Author(mailFrom string) string {
	if s.From != "" {
		return s.From
	}
	if a := mailmsg.LooseAddress(s.Header.Get("Sender")); a != "" {
		return a
	}
	return mailFrom
}

// Summary is what the spool, listings and the checks read of a message's
// header.
type Summary struct {
	Header    textproto.Header
	MessageID string
	From      string
	FromName  string
	Subject   string
	// FromFields counts the From fields as a DKIM verifier reads them;
	// more than one makes the author ambiguous.
	FromFields int
	// HeaderSplit is set when the MIME reader and a DKIM verifier read
	// different header blocks (a line that is no field, a bare CR line):
	// what one shows is not what the other checked, so the author is never
	// taken as authenticated.
	HeaderSplit bool
	// FromField is set when the author came from a From field, not from
	// Sender or the envelope (which no signature vouches for).
	FromField bool
}

// Summarize reads the header block; a malformed one yields what could be
// read (the message is kept either way).
func Summarize(raw []byte) Summary {
	h := mailmsg.HeaderOf(raw)
	sum := Summary{Header: h}
	mh := mail.Header{Header: message.Header{Header: h}}
	if id, err := mh.MessageID(); err == nil {
		sum.MessageID = id
	} else {
		sum.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	// The author is read from the header as a DKIM verifier reads it, so
	// that it is the From a signature covered: a MIME reader stops at a
	// line that is no field, a verifier reads on, and a From hidden from
	// one but not the other would let a signature vouch for someone else.
	// Of several From fields, the bottom-most is the one a signature
	// covers (RFC 6376 §5.4.2); such mail is refused live anyway.
	//
	// Where the two read different blocks (HeaderSplit), the reader's is
	// taken: the verifier may have read the body as header (a blank line
	// written CR CR LF, as nullmailer does, is no blank line to it, and a
	// quoted "From:" in the body would count), and such mail is never
	// authenticated anyway.
	fields := dmarc.Fields(raw)
	sum.HeaderSplit = len(fields) != h.Len()
	fromValue := ""
	if sum.HeaderSplit {
		vs := h.Values("From")
		sum.FromFields = len(vs)
		if len(vs) > 0 {
			fromValue = vs[len(vs)-1]
		}
	} else {
		sum.FromFields = dmarc.CountFields(fields, "From")
		for _, f := range fields {
			if strings.EqualFold(f.Name, "From") {
				fromValue = f.Value()
			}
		}
	}
	sum.From, sum.FromName = mailmsg.ParseAuthor(fromValue)
	sum.FromField = sum.From != ""
	sum.Subject = mailmsg.Subject(h)
	return sum
}
