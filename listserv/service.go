package listserv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"praxis/archive"
	"praxis/archive/answers"
	"praxis/listserv/authorship"
	"praxis/listserv/bounce"
	"praxis/listserv/digest/schedule"
	"praxis/listserv/inbound"
	"praxis/listserv/moderation"
	"praxis/listserv/notice"
	"praxis/listserv/relay"
	"praxis/listserv/review"
	"praxis/listserv/robot"
	"praxis/listserv/store"
	"praxis/templates"
)

// Config is what the Service needs from the process configuration.
type Config struct {
	// BaseURL is written into links in mail (no trailing slash).
	BaseURL string
	// Hostname names this host in generated Message-IDs.
	Hostname string
	// Now is the clock; tests fake it.
	Now func() time.Time
	// DMARC checks authors' domains (serve passes a *dmarc.Checker built
	// on --dns); nil leaves them out.
	DMARC DMARC
	// Admin is the site administrator (serve's --admin): LIST-owner@ mail
	// of a list with no owner goes there; "" refuses it at RCPT.
	Admin string
}

// Service wires the rooms of a post's path (inbound, check, moderation,
// robot, bounce, notice, authorship) over one store, and is what the CLI,
// the web and the delivery workers are given: the lists and members
// themselves, and each room by its accessor.
type Service struct {
	store *store.Store
	cfg   Config
	log   *slog.Logger
	tpl   *templates.Set
	verp  *bounce.VERP
	// The keys the rooms are wired with, kept to wire them again (tests
	// give a Service a DMARC checker after New).
	unsubKey, verpKey []byte

	received chan struct{} // a message was spooled: check it
	queued   chan struct{} // deliveries were queued: send them

	in       *inbound.Spool
	screen   inbound.Screener // the spam checks of live posts; nil: none
	notices  *notice.Sender
	held     *moderation.Queue
	bounces  *bounce.Scorer
	authors  *authorship.Verifier
	robot    *robot.Robot
	subs     *robot.Subscriptions
	oneclick *robot.OneClick
	digests  *schedule.Digests
	copies   *relay.Copies
	archiver *archive.Archiver
	reviews  *review.Reviews
	pipe     *pipeline
}

// New builds a Service over an open store.
func New(ctx context.Context, st *store.Store, cfg Config, tpl *templates.Set, log *slog.Logger) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	key, err := st.Secret(ctx, "unsubscribe")
	if err != nil {
		return nil, fmt.Errorf("listserv: %w", err)
	}
	verpKey, err := st.Secret(ctx, "verp")
	if err != nil {
		return nil, fmt.Errorf("listserv: %w", err)
	}
	s := &Service{
		store: st, cfg: cfg, log: log, tpl: tpl,
		received: make(chan struct{}, 1),
		queued:   make(chan struct{}, 1),
	}
	s.wire(key, verpKey)
	return s, nil
}

// wire builds the rooms of a post's path and connects them: each is given
// the parts of the store it uses and the other rooms it hands work to.
func (s *Service) wire(unsubKey, verpKey []byte) {
	st, cfg, tpl, log := s.store, s.cfg, s.tpl, s.log
	s.unsubKey, s.verpKey = unsubKey, verpKey
	s.verp = bounce.NewVERP(verpKey)
	s.pipe = &pipeline{s}
	if s.archiver == nil { // wired again in tests: keep its OnArchived
		s.archiver = archive.NewArchiver(st, s.now)
	}
	s.in = inbound.New(st, func() { signal(s.received) }, cfg.Admin)
	if s.screen != nil {
		s.in.Screen(s.screen)
	}
	s.notices = notice.New(st, tpl, cfg.BaseURL, cfg.Hostname, s.now, func() { signal(s.queued) })
	s.reviews = review.New(st, s.notices, cfg.BaseURL, s.now, log)
	s.authors = authorship.New(cfg.DMARC, st, log, s.now)
	s.held = moderation.New(moderation.Deps{
		Store: st, Notices: s.notices, List: s.List, Accept: s.pipe.accept, Log: log, Now: s.now,
		AllowReply: func(ctx context.Context, addr string) (bool, error) {
			return s.subs.AllowAutoMail(ctx, "reply", addr, robot.MaxAutoRepliesPerDay)
		},
	})
	s.robot, s.subs = robot.New(robot.Deps{
		Store: st, Notices: s.notices, Authors: s.authors, Held: s.held, Templates: tpl,
		List: s.List, BaseURL: cfg.BaseURL, Log: log, Now: s.now,
		Answers: answers.Library{Store: st},
	})
	s.oneclick = robot.NewOneClick(unsubKey, cfg.BaseURL, log, func(ctx context.Context, list, addr string) error {
		// The member's own act, by the link in the List-Unsubscribe
		// header of their mail (RFC 8058).
		return s.RemoveMemberBy(ctx, Actor{Who: addr, Via: ViaMail}, list, addr)
	})
	s.copies = relay.New(st, s.authors, tpl, cfg.BaseURL, log)
	s.digests = schedule.NewDigests(schedule.Deps{
		Store: st, BaseURL: cfg.BaseURL, UnsubscribeURL: s.oneclick.UnsubscribeURL,
		Queued: func() { signal(s.queued) }, Log: log, Now: s.now,
	})
	s.bounces = bounce.NewScorer(bounce.Deps{
		Store: st, Notices: s.notices, VERP: s.verp, ConfirmURL: s.subs.ConfirmURL, Log: log, Now: s.now,
	})
}

// Screen has every live post (SMTP, LMTP, an IMAP mailbox) checked for
// spam by sc before its 250 (serve's --dnsbl, --rspamd, --spamd).
func (s *Service) Screen(sc inbound.Screener) {
	s.screen = sc
	s.in.Screen(sc)
}

// Notices returns the sender of the mail Praxis writes itself.
func (s *Service) Notices() *notice.Sender { return s.notices }

// Store returns the store the service works on.
func (s *Service) Store() *store.Store { return s.store }

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// Queued is signalled when deliveries were queued by this process.
func (s *Service) Queued() <-chan struct{} { return s.queued }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// CreateList validates and creates a list.
func (s *Service) CreateList(ctx context.Context, l *List) error {
	addr, err := ParseAddress(l.Address)
	if err == nil {
		l.Address = strings.ToLower(addr)
	}
	l.Defaults()
	if err := ValidateList(l); err != nil {
		return err
	}
	if err := s.store.CreateList(ctx, l); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("list %s already exists: %w", l.Address, ErrDuplicate)
		}
		return err
	}
	return nil
}

// List finds a list by address; a missing one is ErrNoList.
func (s *Service) List(ctx context.Context, address string) (*List, error) {
	l, err := s.store.ListByAddress(ctx, strings.ToLower(strings.TrimSpace(address)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no list %q: %w", address, ErrNoList)
	}
	return l, err
}

// Lists returns every list.
func (s *Service) Lists(ctx context.Context) ([]*List, error) { return s.store.Lists(ctx) }

// UpdateList validates and stores changed settings.
func (s *Service) UpdateList(ctx context.Context, l *List) error {
	if err := ValidateList(l); err != nil {
		return err
	}
	return s.store.UpdateList(ctx, l)
}

// DeleteList removes a list and its members.
func (s *Service) DeleteList(ctx context.Context, address string) error {
	l, err := s.List(ctx, address)
	if err != nil {
		return err
	}
	return s.store.DeleteList(ctx, l.Address)
}

// AddMember validates and adds a member with no confirmation (an owner's act).
func (s *Service) AddMember(ctx context.Context, list string, m *Member) error {
	l, err := s.List(ctx, list)
	if err != nil {
		return err
	}
	if err := CheckMember(l, m); err != nil {
		return err
	}
	m.ListID = l.ID
	if err := s.store.AddMember(ctx, m); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("%s is already a member of %s: %w", m.Address, l.Address, ErrDuplicate)
		}
		return err
	}
	return nil
}

// CheckMember fills m's defaults, cleans its address and tells whether
// it could join l: what AddMember checks before it writes, for a bulk
// import that checks every line before it adds any.
func CheckMember(l *List, m *Member) error {
	if m.Role == "" {
		m.Role = RoleMember
	}
	if m.Delivery == "" {
		m.Delivery = DeliverEach
	}
	if m.Status == "" {
		m.Status = StatusEnabled
	}
	if addr, err := ParseAddress(m.Address); err == nil {
		m.Address = addr
	}
	if err := ValidateMember(m); err != nil {
		return err
	}
	return deliveryFits(l, m)
}

// Member finds one member.
func (s *Service) Member(ctx context.Context, list, addr string) (*List, *Member, error) {
	l, err := s.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.store.Member(ctx, l.ID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return l, nil, fmt.Errorf("%s is not a member of %s: %w", addr, l.Address, ErrNotFound)
	}
	return l, m, err
}

// Members returns a list's members.
func (s *Service) Members(ctx context.Context, list string) (*List, []*Member, error) {
	l, err := s.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	ms, err := s.store.Members(ctx, l.ID)
	return l, ms, err
}

// UpdateMember validates and stores a member's changed settings.
func (s *Service) UpdateMember(ctx context.Context, m *Member) error {
	if err := ValidateMember(m); err != nil {
		return err
	}
	if l, err := s.store.ListByID(ctx, m.ListID); err == nil {
		if err := deliveryFits(l, m); err != nil {
			return err
		}
	}
	return s.store.UpdateMember(ctx, m)
}

// deliveryFits refuses digests and summaries on a list that keeps no
// archive: both are made from it, so the member would get nothing.
func deliveryFits(l *List, m *Member) error {
	if l.ArchivePolicy == ArchiveNone && (m.Delivery == DeliverDigest || m.Delivery == DeliverSummary) {
		return fmt.Errorf("%w: %s keeps no archive, and digests and summaries are made from it: use --delivery each or nomail", ErrInvalid, l.Address)
	}
	return nil
}

// RemoveMember takes a member off a list; copies not yet sent are dropped.
func (s *Service) RemoveMember(ctx context.Context, list, addr string) error {
	l, err := s.List(ctx, list)
	if err != nil {
		return err
	}
	if err := s.store.RemoveMember(ctx, l.ID, addr); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s is not a member of %s: %w", addr, l.Address, ErrNotFound)
		}
		return err
	}
	return nil
}

// Failures returns the recorded delivery failures of a member.
func (s *Service) Failures(ctx context.Context, l *List, addr string) ([]store.Failure, error) {
	return s.store.Failures(ctx, l.ID, addr)
}

// Templates returns the parsed templates the service renders with.
func (s *Service) Templates() *templates.Set { return s.tpl }

// BaseURL is where the web pages are, without a trailing slash.
func (s *Service) BaseURL() string { return s.cfg.BaseURL }

// now reads the clock of the moment (tests change cfg.Now after New; the
// rooms are given this, not the clock New saw).
func (s *Service) now() time.Time { return s.cfg.Now() }

// VERP is the envelope sender of the copy of a post sent to rcpt, signed
// so that its bounce proves which copy bounced (bounce.VERP).
func (s *Service) VERP(list, rcpt string) string { return s.verp.Address(list, rcpt) }

// Copies makes what members get of an accepted post (the relay room).
func (s *Service) Copies() *relay.Copies { return s.copies }

// Archiver keeps posts in their list's archive (the archive room).
func (s *Service) Archiver() *archive.Archiver { return s.archiver }
