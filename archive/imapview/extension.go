package imapview

import (
	"errors"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/backend"
	"github.com/emersion/go-imap/commands"
	"github.com/emersion/go-imap/responses"
	"github.com/emersion/go-imap/server"
	"github.com/emersion/go-sasl"
)

// extension is the view's own handling of the commands where go-imap's
// defaults are not what a read-only archive answers:
//
//   - STARTTLS: the line guard goes inside the TLS session;
//   - LOGIN and AUTHENTICATE: anonymous always (it carries no secret),
//     passwords only over TLS or from loopback (RFC 3501 §6.2.3, LOGINDISABLED);
//   - SELECT and EXAMINE: the mailbox learns which it was, so that EXAMINE
//     sets no \Seen;
//   - EXPUNGE and APPEND: NO [NOPERM], whatever the mailbox;
//   - NAMESPACE (RFC 2342), which go-imap v1 does not serve;
//   - UID, whose parser panics on a UID alone; CLOSE and UNSELECT, to stop
//     telling the session of the list;
//   - STORE, answered from the command and told to the member's other
//     sessions: see storeHandler;
//   - IDLE, whose DONE go-imap v1.2.1 reads past: see idleHandler.
type extension struct {
	core *core
	// enabled is set once server.Enable has taken the extension:
	// Enable drops an extension that offers IDLE or UNSELECT (taking it
	// for the old go-imap-idle or go-imap-unselect one, now built in), so
	// these are offered only after.
	enabled bool
}

// Capabilities is server.Extension's.
func (e *extension) Capabilities(c server.Conn) []string {
	caps := []string{"NAMESPACE"}
	if c.Context().State == imap.NotAuthenticatedState && !canPassword(c) {
		// go-imap lists its mechanisms only when passwords are allowed;
		// ANONYMOUS is allowed on every connection.
		caps = append(caps, "AUTH="+sasl.Anonymous)
	}
	return caps
}

// canPassword tells whether a password may be sent on c.
func canPassword(c server.Conn) bool { return c.IsTLS() || c.Server().AllowInsecureAuth }

// Command is server.Extension's.
func (e *extension) Command(name string) server.HandlerFactory {
	switch name {
	case "STARTTLS":
		return func() server.Handler { return &startTLSHandler{} }
	case "LOGIN":
		return func() server.Handler { return &loginHandler{} }
	case "AUTHENTICATE":
		return func() server.Handler { return &authenticateHandler{core: e.core} }
	case "SELECT":
		return func() server.Handler { return &selectHandler{} }
	case "EXAMINE":
		return func() server.Handler { h := &selectHandler{}; h.ReadOnly = true; return h }
	case "EXPUNGE":
		return func() server.Handler { return &expungeHandler{} }
	case "APPEND":
		return func() server.Handler { return &appendHandler{} }
	case "NAMESPACE":
		return func() server.Handler { return &namespaceHandler{} }
	case "UID":
		return func() server.Handler { return &uidHandler{} }
	case "CLOSE":
		return func() server.Handler { return &closeHandler{} }
	case "STORE":
		return func() server.Handler { return &storeHandler{} }
	case "IDLE":
		if e.enabled {
			return func() server.Handler { return &idleHandler{} }
		}
	case "UNSELECT":
		if e.enabled {
			return func() server.Handler { return &unselectHandler{} }
		}
	}
	return nil
}

// authenticated ends a successful login as go-imap does: OK with the
// capabilities of the authenticated state.
func authenticated(conn server.Conn) error {
	caps := conn.Capabilities()
	args := make([]any, len(caps))
	for i, c := range caps {
		args[i] = imap.RawString(c)
	}
	return &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespOk, Code: imap.CodeCapability, Arguments: args, Info: "Logged in"}}
}

// startTLSHandler is go-imap's STARTTLS (RFC 3501 §6.2.1) with the line
// guard moved inside the TLS session. go-imap starts TLS over the
// connection it reads, which is the guard: the guard would then count
// ciphertext, where any byte of 256 is a newline, and a line could grow
// without end. So TLS is started on the guard's own connection, and the
// TLS session is guarded anew.
type startTLSHandler struct{ server.StartTLS }

func (h *startTLSHandler) Upgrade(conn server.Conn) error {
	return h.StartTLS.Upgrade(guardedUpgrade{conn})
}

// guardedUpgrade is the session as go-imap's STARTTLS sees it: Upgrade
// puts the new TLS session under a guard of its own; the rest is the
// session's (go-imap records the TLS session in it: IsTLS, TLSState).
type guardedUpgrade struct{ server.Conn }

func (c guardedUpgrade) Upgrade(upgrade imap.ConnUpgrader) error {
	return c.Conn.Upgrade(func(sock net.Conn) (net.Conn, error) {
		g, ok := sock.(*guardedConn)
		if !ok {
			return nil, errors.New("imap: STARTTLS on a connection without its guard")
		}
		// The handshake has the time a new connection has (accept).
		g.Conn.SetDeadline(time.Now().Add(greetTimeout))
		nc, err := upgrade(g.Conn)
		if err != nil {
			return nil, err
		}
		nc.SetDeadline(time.Now().Add(c.Server().AutoLogout))
		return g.over(nc), nil
	})
}

// sessionInfo is conn.Info() with the TLS state of a session that began
// TLS with STARTTLS: go-imap's Info looks for it in the type of the
// connection it reads, which is the guard over the TLS session.
func sessionInfo(conn server.Conn) *imap.ConnInfo {
	info := conn.Info()
	if info.TLS == nil {
		info.TLS = conn.TLSState()
	}
	return info
}

type loginHandler struct{ commands.Login }

func (h *loginHandler) Handle(conn server.Conn) error {
	ctx := conn.Context()
	if ctx.State != imap.NotAuthenticatedState {
		return server.ErrAlreadyAuthenticated
	}
	if !strings.EqualFold(h.Username, Anonymous) && !canPassword(conn) {
		return errPrivacy
	}
	u, err := conn.Server().Backend.Login(sessionInfo(conn), h.Username, h.Password)
	if err != nil {
		return err
	}
	ctx.State, ctx.User = imap.AuthenticatedState, u
	return authenticated(conn)
}

type authenticateHandler struct {
	commands.Authenticate
	core *core
}

func (h *authenticateHandler) Handle(conn server.Conn) error {
	ctx := conn.Context()
	if ctx.State != imap.NotAuthenticatedState {
		return server.ErrAlreadyAuthenticated
	}
	mechs := map[string]sasl.Server{
		sasl.Anonymous: sasl.NewAnonymousServer(func(string) error { return h.core.loginAnonymous(conn) }),
	}
	if h.Mechanism == sasl.Plain && !canPassword(conn) {
		return errPrivacy
	}
	if canPassword(conn) {
		mechs[sasl.Plain] = sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && !strings.EqualFold(identity, username) {
				return errAuthFailed
			}
			u, err := conn.Server().Backend.Login(sessionInfo(conn), username, password)
			if err != nil {
				return err
			}
			ctx.State, ctx.User = imap.AuthenticatedState, u
			return nil
		})
	}
	if err := h.Authenticate.Handle(mechs, conn); err != nil {
		return err
	}
	return authenticated(conn)
}

type selectHandler struct{ commands.Select }

func (h *selectHandler) Handle(conn server.Conn) error {
	ctx := conn.Context()
	// A SELECT that fails leaves nothing selected (RFC 3501 §6.3.1).
	ctx.Mailbox, ctx.MailboxReadOnly = nil, false
	if ctx.User == nil {
		return server.ErrNotAuthenticated
	}
	u, ok := ctx.User.(*user)
	if !ok {
		return errors.New("imap: not our user")
	}
	u.b.core.unselected(u, true)
	mb, err := u.GetMailbox(h.Mailbox)
	if err != nil {
		return err
	}
	m, ok := mb.(*mailbox)
	if !ok {
		return errors.New("imap: not our mailbox")
	}
	m.readOnly = h.ReadOnly
	st, since, err := m.selectStatus()
	if err != nil {
		return err
	}
	if err := conn.WriteResp(&responses.Select{Mailbox: st}); err != nil {
		return err
	}
	ctx.Mailbox, ctx.MailboxReadOnly = m, h.ReadOnly
	s := u.b.core.selected(u, conn, m, st.Messages, since)
	sctx, cancel := m.ctx()
	defer cancel()
	if err := u.b.core.catchUp(sctx, s); err != nil {
		u.b.log.Warn("imap: removals at select", "list", m.list.Address, "err", err)
	}
	code := imap.CodeReadWrite
	if h.ReadOnly {
		code = imap.CodeReadOnly
	}
	return &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespOk, Code: code, Info: "Selected"}}
}

// uidHandler is go-imap's UID, whose parser takes a UID without a
// command for one and panics (commands.Uid checks len(fields) < 0).
type uidHandler struct{ server.Uid }

func (h *uidHandler) Parse(fields []any) error {
	if len(fields) == 0 {
		return errors.New("UID needs a command")
	}
	return h.Uid.Parse(fields)
}

// closeHandler and unselectHandler are go-imap's CLOSE and UNSELECT (RFC
// 3691), and the session is told no more of the list: no EXISTS, no
// FETCH after the answer.
type closeHandler struct{ server.Close }

func (h *closeHandler) Handle(conn server.Conn) error {
	forget(conn)
	return h.Close.Handle(conn)
}

type unselectHandler struct{ server.Unselect }

func (h *unselectHandler) Handle(conn server.Conn) error {
	forget(conn)
	return h.Unselect.Handle(conn)
}

func forget(conn server.Conn) {
	if u, ok := conn.Context().User.(*user); ok {
		u.b.core.unselected(u, true)
	}
}

// storeHandler is STORE and UID STORE (RFC 3501 §6.4.6, §6.4.8). The
// session is answered from the command itself, with the flags the STORE
// left (unless .SILENT), and the member's other sessions on the list are
// told through their selections (tellFlags), not through go-imap's
// BackendUpdater: go-imap v1.2.1 hands each update to every session from
// one goroutine per server and lost FETCHes when a member had several
// sessions on a list. (The answer carries the UID also for a STORE by
// sequence numbers: it is written as the other sessions' FETCHes are,
// see storeFlagsOf.)
type storeHandler struct{ commands.Store }

func (h *storeHandler) Handle(conn server.Conn) error    { return h.handle(false, conn) }
func (h *storeHandler) UidHandle(conn server.Conn) error { return h.handle(true, conn) }

func (h *storeHandler) handle(uid bool, conn server.Conn) error {
	ctx := conn.Context()
	if ctx.Mailbox == nil {
		return server.ErrNoMailboxSelected
	}
	if ctx.MailboxReadOnly {
		return server.ErrMailboxReadOnly
	}
	m, ok := ctx.Mailbox.(*mailbox)
	if !ok {
		return errors.New("imap: not our mailbox")
	}
	op, silent, err := imap.ParseFlagsOp(h.Item)
	if err != nil {
		return err
	}
	var flags []string
	if list, ok := h.Value.([]any); ok {
		if flags, err = imap.ParseStringList(list); err != nil {
			return err
		}
	} else {
		f, err := imap.ParseString(h.Value)
		if err != nil {
			return err
		}
		flags = []string{f}
	}
	for i, f := range flags {
		flags[i] = imap.CanonicalFlag(f)
	}
	return m.storeFlagsOf(uid, h.SeqSet, op, flags, !silent)
}

type expungeHandler struct{ commands.Expunge }

func (h *expungeHandler) Handle(conn server.Conn) error {
	if conn.Context().Mailbox == nil {
		return server.ErrNoMailboxSelected
	}
	return errReadOnly
}

type appendHandler struct{ commands.Append }

func (h *appendHandler) Handle(conn server.Conn) error {
	if conn.Context().User == nil {
		return server.ErrNotAuthenticated
	}
	return errReadOnly
}

// idleHandler is IDLE (RFC 2177) as go-imap's, except that it reads the
// client's DONE through the connection's own buffered reader. go-imap
// v1.2.1 reads it with a new bufio.Scanner on the socket, which takes
// whatever came after DONE in the same packet and drops it: a client
// that sends DONE and its next command together (the bench's idle
// clients did: DONE, LOGOUT) lost the command and waited for ever.
type idleHandler struct{ commands.Idle }

// lineReader is the connection's reader, which go-imap's server
// connection embeds (imap.Conn's *imap.Reader).
type lineReader interface {
	ReadLine() ([]any, error)
}

func (h *idleHandler) Handle(conn server.Conn) error {
	r, ok := conn.(lineReader)
	if !ok {
		return errors.New("imapview: the connection has no line reader")
	}
	if err := conn.WriteResp(&imap.ContinuationReq{Info: "idling"}); err != nil {
		return err
	}
	// While it idles the session hears of removed posts at once
	// (EXPUNGE is allowed during IDLE, a command in progress).
	if u, ok := conn.Context().User.(*user); ok {
		u.b.core.idle(u, true)
		defer u.b.core.idle(u, false)
	}
	fields, err := r.ReadLine()
	if err != nil {
		return err
	}
	if len(fields) != 1 {
		return errors.New("Expected DONE")
	}
	if word, ok := fields[0].(string); !ok || !strings.EqualFold(word, "DONE") {
		return errors.New("Expected DONE")
	}
	return nil
}

// namespaceHandler answers NAMESPACE (RFC 2342): one personal namespace,
// the root, whose mailboxes are the lists.
type namespaceHandler struct{}

func (h *namespaceHandler) Parse([]any) error { return nil }

func (h *namespaceHandler) Handle(conn server.Conn) error {
	if conn.Context().User == nil {
		return server.ErrNotAuthenticated
	}
	return conn.WriteResp(imap.NewUntaggedResp([]any{imap.RawString("NAMESPACE"), []any{[]any{"", Delimiter}}, nil, nil}))
}

var _ backend.Mailbox = (*mailbox)(nil)
