package inbound

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"praxis/listserv/dmarc"
	"praxis/listserv/mailmsg"
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
)

// Envelope is the SMTP transaction around a message.
type Envelope struct {
	MailFrom string // "" for the null sender of bounces
	Remote   string // the client's address, for logs
	// Ingest, for a message taken from an IMAP mailbox, is its key: it is
	// recorded in the spool's transaction, and a key already recorded
	// spools nothing (store.ErrDuplicate), so the message is posted once.
	Ingest *store.IngestKey
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
}

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
	for _, r := range routes {
		l, err := s.store.ListByAddress(ctx, r.List)
		if err != nil {
			return fmt.Errorf("receive for %s: %w", r.List, err)
		}
		msgs = append(msgs, &store.Message{
			ListID: l.ID, ListAddress: l.Address, Kind: r.Kind, Extra: r.Extra,
			MailFrom: env.MailFrom, Rcpt: Address(r.List, r.Kind), Remote: env.Remote,
			Raw: raw, MessageID: sum.MessageID, FromAddr: sum.From, Subject: sum.Subject,
		})
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
	h, _ := mailmsg.ReadHeader(raw)
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
