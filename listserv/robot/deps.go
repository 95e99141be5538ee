package robot

import (
	"context"
	"log/slog"
	"time"

	"praxis/listserv/authorship"
	"praxis/listserv/notice"
	"praxis/listserv/request"
	"praxis/listserv/store"
	"praxis/templates"
)

// Store is what the robot and the subscriptions read and change.
type Store interface {
	ListByID(ctx context.Context, id int64) (*store.List, error)
	Member(ctx context.Context, listID int64, addr string) (*store.Member, error)
	Members(ctx context.Context, listID int64) ([]*store.Member, error)
	AddMember(ctx context.Context, m *store.Member) error
	UpdateMember(ctx context.Context, m *store.Member) error
	RemoveMember(ctx context.Context, listID int64, addr string) error
	Bans(ctx context.Context, listID int64) ([]string, error)
	AddBan(ctx context.Context, listID int64, pattern string) error
	RemoveBan(ctx context.Context, listID int64, pattern string) error
	AddAudit(ctx context.Context, e *store.AuditEntry) error

	AddPending(ctx context.Context, p *store.Pending) error
	PendingByToken(ctx context.Context, token string) (*store.Pending, error)
	PendingFor(ctx context.Context, listID int64, kind, addr string) ([]*store.Pending, error)
	PendingOfList(ctx context.Context, listID int64, kinds ...string) ([]*store.Pending, error)
	ListPending(ctx context.Context, listID, id int64) (*store.Pending, error)
	TakePending(ctx context.Context, id int64) (bool, error)
	CountUp(ctx context.Context, key string) (int, error)
	Secret(ctx context.Context, name string) ([]byte, error)

	Transition(ctx context.Context, id int64, from, to, reason, messageID string, ds []*store.Delivery) error
}

// Moderators is the held queue, for a moderator's reply to a held post.
type Moderators interface {
	Approve(ctx context.Context, list string, id int64) error
	Reject(ctx context.Context, list string, id int64, reason string) error
	Discard(ctx context.Context, list string, id int64) error
}

// Deps is what the robot's room is built from.
type Deps struct {
	Store     Store
	Notices   *notice.Sender
	Authors   *authorship.Verifier
	Held      Moderators
	Templates *templates.Set
	// List finds a list by address, with an error that says what to do.
	List    func(ctx context.Context, address string) (*store.List, error)
	BaseURL string
	Log     *slog.Logger
	Now     func() time.Time
	// Answers is the answers library, for a moderator's `solved`; nil:
	// the command is not known.
	Answers Library
}

// Library marks a thread answered in the answers library (archive/answers).
type Library interface {
	Solved(ctx context.Context, l *store.List, by, messageID string, at time.Time) (string, error)
}

// Outcome is what a request led to (request.Outcome).
type Outcome = request.Outcome

// Subscriptions are the requests to join and leave a list, their
// confirmations, a moderator's approval, and the list's bans: for mail to
// -join, -leave and -confirm, the web's forms and the CLI alike.
type Subscriptions struct {
	d     Deps
	robot *Robot // runs a mailed command once its sender confirmed it
}

// Robot answers mail to LIST-request@ and the other command addresses.
type Robot struct {
	d    Deps
	subs *Subscriptions
}

// New builds the robot and the subscriptions it shares its work with.
func New(d Deps) (*Robot, *Subscriptions) {
	subs := &Subscriptions{d: d}
	r := &Robot{d: d, subs: subs}
	subs.robot = r
	return r, subs
}

// OneClick makes and checks the members' one-click unsubscribe links
// (RFC 8058).
type OneClick struct {
	key          []byte
	baseURL      string
	log          *slog.Logger
	removeMember func(ctx context.Context, list, addr string) error
}

// NewOneClick builds the links' signer over a secret key; removeMember
// takes a member off a list by the list's address.
func NewOneClick(key []byte, baseURL string, log *slog.Logger, removeMember func(ctx context.Context, list, addr string) error) *OneClick {
	return &OneClick{key: key, baseURL: baseURL, log: log, removeMember: removeMember}
}
