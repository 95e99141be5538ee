package imapview

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap"
	sortthread "github.com/emersion/go-imap-sortthread"
	"github.com/emersion/go-imap/backend"
	"github.com/emersion/go-imap/server"

	"praxis/listserv/store"
)

// Anonymous is the user name of LOGIN anonymous (RFC 4505's spirit: any
// password, public lists only).
const Anonymous = "anonymous"

// The answers every client sees the same way.
var (
	// errReadOnly answers everything that would change the archive.
	errReadOnly = &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespNo, Code: "NOPERM", Info: "The archive is read-only."}}
	// errAuthFailed answers a wrong password, an unknown address and a
	// rate-limited login alike (RFC 5530 AUTHENTICATIONFAILED).
	errAuthFailed = &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespNo, Code: "AUTHENTICATIONFAILED", Info: "Authentication failed."}}
	// errPrivacy answers a password sent in the clear to a remote server
	// (RFC 5530 PRIVACYREQUIRED).
	errPrivacy = &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespNo, Code: "PRIVACYREQUIRED", Info: "Passwords only over TLS: STARTTLS first, or use imaps."}}
	// errNoMailbox answers for a list that does not exist and for a
	// private list the session may not read, alike (RFC 5530 NONEXISTENT).
	errNoMailbox = &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespNo, Code: "NONEXISTENT", Info: "No such mailbox."}}
	// errTooComplex answers a search the Searcher will not run (RFC 5530
	// LIMIT).
	errTooComplex = &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespNo, Code: "LIMIT", Info: "The search has too many or too deeply nested keys."}}
	// errFlagLimit answers a STORE that would leave a post more keywords,
	// or longer ones, than are kept (store.MaxFlags, maxKeywordLen).
	errFlagLimit = &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespNo, Code: "LIMIT", Info: "A post keeps at most 64 flags, of at most 50 characters each."}}
	// errServer answers a failure of the store (logged with its cause).
	errServer = &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespNo, Code: "SERVERBUG", Info: "Internal error; try again later."}}
)

// opTimeout bounds one command's store work.
const opTimeout = 2 * time.Minute

// core is the backend shared by the view's go-imap servers: the store, and
// the sessions with a mailbox selected, which the poller and the
// member's other sessions tell of changes (poll.go).
type core struct {
	deps Deps
	log  *slog.Logger

	// storeMu are the locks storing takes; a member's STOREs on one list
	// all take the same one.
	storeMu [16]sync.Mutex

	// The poller's view: the newest post and the count of each list, as
	// last seen; and the sessions to tell.
	pollMu sync.Mutex
	newest map[int64]int64
	counts map[int64]int
	sel    selections
	// removedAt is where the poller's last look at the removals stopped
	// in the index log; removalsRead: it looked since it last had no
	// session.
	removedAt    store.IndexPos
	removalsRead bool

	ctx    context.Context
	cancel context.CancelFunc
}

func newCore(deps Deps, log *slog.Logger) *core {
	ctx, cancel := context.WithCancel(context.Background())
	return &core{deps: deps, log: log, ctx: ctx, cancel: cancel}
}

func (c *core) close() { c.cancel() }

// serverBackend is the backend one go-imap server holds: the core and the
// kind of peer its server serves. It is no BackendUpdater: the sessions
// are told of new posts and of flags by the core itself (poll.go).
type serverBackend struct {
	*core
	kind kind
}

func (c *core) serverBackend(k kind) *serverBackend {
	return &serverBackend{core: c, kind: k}
}

// SupportedThreadAlgorithms is sortthread.ThreadBackend's.
func (b *serverBackend) SupportedThreadAlgorithms() []sortthread.ThreadAlgorithm {
	return []sortthread.ThreadAlgorithm{sortthread.References}
}

// Login is backend.Backend's, for LOGIN and AUTHENTICATE PLAIN: anonymous
// (any password) or a member's address and app password, the latter only
// over TLS or from loopback.
func (b *serverBackend) Login(info *imap.ConnInfo, username, password string) (backend.User, error) {
	if strings.EqualFold(username, Anonymous) {
		return b.newUser(""), nil
	}
	var ip net.IP
	if info != nil && info.RemoteAddr != nil {
		ip = remoteIP(info.RemoteAddr)
	}
	// The handlers checked already; the backend holds to it too.
	if b.kind == remote && (info == nil || info.TLS == nil) {
		return nil, errPrivacy
	}
	if b.deps.Auth == nil || !strings.Contains(username, "@") {
		return nil, errAuthFailed
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := b.deps.Auth.Login(ctx, ip, username, password); err != nil {
		b.log.Info("imap: login failed", "remote", ip.String(), "err", err)
		return nil, errAuthFailed
	}
	return b.newUser(username), nil
}

// loginAnonymous makes c's session an anonymous one (AUTHENTICATE
// ANONYMOUS, RFC 4505: the trace string is not kept).
func (c *core) loginAnonymous(conn server.Conn) error {
	be, ok := conn.Server().Backend.(*serverBackend)
	if !ok {
		return errors.New("imap: not our backend")
	}
	ctx := conn.Context()
	ctx.State = imap.AuthenticatedState
	ctx.User = be.newUser("")
	return nil
}

func (b *serverBackend) newUser(addr string) *user {
	u := &user{b: b, addr: addr}
	if addr == "" {
		u.key, u.session = Anonymous, newSessionFlags()
	} else {
		u.key = store.AddressKey(addr)
	}
	return u
}

// user is one logged-in session: anonymous (addr "") or a member.
type user struct {
	b    *serverBackend
	addr string
	// key is the member's address as the store keys it (one member's
	// sessions share it), or Anonymous.
	key string
	// session keeps an anonymous session's flags.
	session *sessionFlags
}

// Username is backend.User's.
func (u *user) Username() string { return u.key }

// visible returns the list named name if this session may read it, else
// errNoMailbox: the same answer for a private list of
// someone else's as for no list at all.
func (u *user) visible(ctx context.Context, name string) (*store.List, error) {
	l, err := u.b.deps.Store.ListByAddress(ctx, strings.ToLower(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoMailbox
	}
	if err != nil {
		u.b.log.Error("imap: list", "list", name, "err", err)
		return nil, errServer
	}
	ok, err := u.mayRead(ctx, l)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoMailbox
	}
	return l, nil
}

// mayRead tells whether this session may read l's archive now: public, or
// private and the session's address is a member (any role, any status)
// at this moment. IMAP serves posts as they came, addresses and all, so a
// public list whose owner keeps raw posts for members (store.RawMembers)
// is read as a private one.
func (u *user) mayRead(ctx context.Context, l *store.List) (bool, error) {
	switch {
	case l.ArchivePolicy == store.ArchivePublic && l.RawAccess != store.RawMembers:
		return true, nil
	case l.ArchivePolicy == store.ArchivePrivate || l.ArchivePolicy == store.ArchivePublic:
		if u.addr == "" {
			return false, nil
		}
		_, err := u.b.deps.Store.Member(ctx, l.ID, u.addr)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			u.b.log.Error("imap: membership", "list", l.Address, "err", err)
			return false, errServer
		}
		return true, nil
	}
	return false, nil
}

// ListMailboxes is backend.User's: every list this session may read
// (subscriptions are not kept: LSUB answers the same).
func (u *user) ListMailboxes(subscribed bool) ([]backend.Mailbox, error) {
	ctx, cancel := context.WithTimeout(u.b.ctx, opTimeout)
	defer cancel()
	lists, err := u.b.deps.Store.Lists(ctx)
	if err != nil {
		u.b.log.Error("imap: lists", "err", err)
		return nil, errServer
	}
	var member map[int64]*store.Member
	if u.addr != "" {
		if member, err = u.b.deps.Store.Memberships(ctx, u.addr); err != nil {
			u.b.log.Error("imap: memberships", "err", err)
			return nil, errServer
		}
	}
	var out []backend.Mailbox
	for _, l := range lists {
		open := l.ArchivePolicy == store.ArchivePublic && l.RawAccess != store.RawMembers
		if open || (l.ArchivePolicy != store.ArchiveNone && member[l.ID] != nil) {
			out = append(out, &mailbox{u: u, list: l})
		}
	}
	return out, nil
}

// GetMailbox is backend.User's.
func (u *user) GetMailbox(name string) (backend.Mailbox, error) {
	ctx, cancel := context.WithTimeout(u.b.ctx, opTimeout)
	defer cancel()
	l, err := u.visible(ctx, name)
	if err != nil {
		return nil, err
	}
	return &mailbox{u: u, list: l}, nil
}

// CreateMailbox, DeleteMailbox and RenameMailbox change nothing: the
// archive is read-only.
func (u *user) CreateMailbox(string) error         { return errReadOnly }
func (u *user) DeleteMailbox(string) error         { return errReadOnly }
func (u *user) RenameMailbox(string, string) error { return errReadOnly }

// Logout is backend.User's: the session is gone.
func (u *user) Logout() error {
	u.b.core.unselected(u, false)
	return nil
}

// sessionFlags are an anonymous session's flags, by list and post. They
// are bounded: a session that would keep more than maxSessionFlags flags
// in all (keywords count, not only posts: 64 of them on each of 200000
// posts would be hundreds of megabytes) is told no.
type sessionFlags struct {
	mu    sync.Mutex
	n     int                          // flags kept, over every post
	flags map[int64]map[int64][]string // list id → post id → flags
}

const maxSessionFlags = 200_000

var errTooManyFlags = &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespNo, Code: "LIMIT", Info: "An anonymous session keeps at most 200000 flags."}}

func newSessionFlags() *sessionFlags { return &sessionFlags{flags: make(map[int64]map[int64][]string)} }

func (s *sessionFlags) get(list int64, ids []int64) map[int64][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64][]string)
	for _, id := range ids {
		if f, ok := s.flags[list][id]; ok {
			out[id] = f
		}
	}
	return out
}

func (s *sessionFlags) store(list int64, ids []int64, op store.FlagsOp, flags []string) (map[int64][]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.flags[list]
	if m == nil {
		m = make(map[int64][]string)
		s.flags[list] = m
	}
	out := make(map[int64][]string, len(ids))
	for _, id := range ids {
		next := store.ApplyFlags(m[id], op, flags)
		grow := len(next) - len(m[id])
		if len(next) > store.MaxFlags && grow > 0 {
			return out, errFlagLimit
		}
		if grow > 0 && s.n+grow > maxSessionFlags {
			return out, errTooManyFlags
		}
		s.n += grow
		if len(next) == 0 {
			delete(m, id)
		} else {
			m[id] = next
		}
		out[id] = next
	}
	return out, nil
}

// seen returns how many of a list's posts the session marked \Seen.
func (s *sessionFlags) seen(list int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.flags[list] {
		if hasFlag(f, imap.SeenFlag) {
			n++
		}
	}
	return n
}

func hasFlag(flags []string, f string) bool {
	for _, g := range flags {
		if strings.EqualFold(f, g) {
			return true
		}
	}
	return false
}
