package web

import (
	"context"
	"io"
	"praxis/listserv/apppass"
	"praxis/listserv/request"
	"time"

	"praxis/listserv/store"
)

// Lists is what the web asks of the list domain: the lists and a
// member's place in them. *listserv.Service provides it (the rooms'
// types are checked against these interfaces in deps_test.go).
type Lists interface {
	BaseURL() string
	List(ctx context.Context, address string) (*store.List, error)
	Lists(ctx context.Context) ([]*store.List, error)
	Member(ctx context.Context, list, addr string) (*store.List, *store.Member, error)
	Memberships(ctx context.Context, addr string) (map[int64]*store.Member, error)
	UpdateMember(ctx context.Context, m *store.Member) error

	// The owners' and moderators' changes (listadmin.go): each checked
	// by the rules the CLI's are, and written to the list's audit log
	// as by.
	Members(ctx context.Context, list string) (*store.List, []*store.Member, error)
	SetList(ctx context.Context, by store.Actor, l *store.List) error
	AddMemberBy(ctx context.Context, by store.Actor, list string, m *store.Member) error
	SetMember(ctx context.Context, by store.Actor, m *store.Member) error
	RemoveMemberBy(ctx context.Context, by store.Actor, list, addr string) error
	ImportMembers(ctx context.Context, by store.Actor, list string, r io.Reader) (*store.ImportReport, error)
	Bans(ctx context.Context, list string) ([]string, error)
	AddBan(ctx context.Context, by store.Actor, list, pattern string) error
	RemoveBan(ctx context.Context, by store.Actor, list, pattern string) error
	InviteBy(ctx context.Context, by store.Actor, list, addr, name string) (request.Outcome, error)
	AuditLog(ctx context.Context, list string, before int64, limit int) (*store.List, []*store.AuditEntry, error)
}

// Subscriptions are the requests a visitor makes and confirms, and the
// sign-in links (robot.Subscriptions).
type Subscriptions interface {
	RequestSubscription(ctx context.Context, l *store.List, addr, name string) (request.Outcome, error)
	Unsubscribe(ctx context.Context, l *store.List, addr string) (request.Outcome, error)
	PendingRequest(ctx context.Context, list, token string) (*store.Pending, *store.List, error)
	Confirm(ctx context.Context, token, replier, text string) (request.Outcome, error)
	SendSignIn(ctx context.Context, l *store.List, addr, link string, expires time.Time) (sent bool, err error)
	// The requests waiting for a moderator or for the person asked, on
	// the admin pages.
	Requests(ctx context.Context, list string) (*store.List, []*store.Pending, error)
	DecideRequest(ctx context.Context, list string, id int64, by store.Actor, verb, reason string) (request.Outcome, error)
}

// OneClick checks and carries out one-click unsubscriptions
// (robot.OneClick).
type OneClick interface {
	CheckUnsubscribeToken(list, token string) (string, error)
	UnsubscribeByToken(ctx context.Context, list, token string) (addr string, gone bool, err error)
}

// Moderation is the held queue a moderator decides from the web
// (moderation.Queue).
type Moderation interface {
	Held(ctx context.Context, list string) (*store.List, []*store.Message, error)
	HeldPost(ctx context.Context, list string, id int64) (*store.Message, error)
	Approve(ctx context.Context, list string, id int64) error
	Discard(ctx context.Context, list string, id int64) error
	Reject(ctx context.Context, list string, id int64, reason string) error
}

// Deps is what the web server is built from.
type Deps struct {
	Lists         Lists
	Subscriptions Subscriptions
	OneClick      OneClick
	Moderation    Moderation
	Store         Store
}

// Store is what the web reads of the store: the archive's threads and
// posts, the sign-in sessions, and the key its cookies are signed with.
type Store interface {
	ListByID(ctx context.Context, id int64) (*store.List, error)
	Secret(ctx context.Context, name string) ([]byte, error)

	ArchiveThreads(ctx context.Context, listID int64, after store.ThreadCursor, limit int) ([]*store.ThreadSummary, error)
	ArchiveThread(ctx context.Context, listID int64, threadID string) ([]*store.ArchivedPost, error)
	ArchiveThreadCount(ctx context.Context, listID int64) (int, error)
	ArchiveMonths(ctx context.Context, listID int64) ([]store.MonthCount, error)
	ArchiveThreadsStarted(ctx context.Context, listID int64, since, until time.Time, limit int) ([]*store.ThreadSummary, error)
	ArchiveThreadNeighbours(ctx context.Context, listID int64, threadID string) (prev, next *store.ThreadSummary, err error)
	ArchivePostCount(ctx context.Context, listID int64) (int, error)
	ArchiveRaw(ctx context.Context, hash string) ([]byte, error)
	ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error
	ArchiveFind(ctx context.Context, messageID string) ([]*store.ArchivedPost, error)
	ArchiveRemoved(ctx context.Context, messageID string) ([]store.Removal, error)
	ArchiveRemove(ctx context.Context, r store.Removal) (int, error)
	ArchiveByIDs(ctx context.Context, ids []int64) ([]*store.ArchivedPost, error)
	ArchiveLatest(ctx context.Context, listID int64, limit int) ([]*store.ArchivedPost, error)
	ArchiveWeekly(ctx context.Context, listID int64, since, until time.Time) ([]store.WeekCount, error)
	ArchiveActiveThreads(ctx context.Context, listID int64, since, until time.Time, limit int) ([]*store.ThreadSummary, error)
	ArchiveHelpers(ctx context.Context, listID int64, since, until time.Time, limit int) ([]store.Helper, error)
	ArchiveThreadAuthors(ctx context.Context, listID int64, threadIDs []string) (map[string]int, error)
	ArchiveResources(ctx context.Context, listID int64, q string, offset, limit int) ([]store.Resource, error)
	PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error)
	ArchiveNewestDate(ctx context.Context, listID int64, before time.Time, n int) (time.Time, bool, error)
	Related(ctx context.Context, listID int64, threadIDs []string) (map[string][]store.RelatedThread, error)
	PutRelated(ctx context.Context, listID int64, threadID string, rs []store.RelatedThread) (bool, error)
	Answers(ctx context.Context, listID int64, q store.AnswerQuery) ([]*store.Answer, error)
	AnswersUpTo(ctx context.Context, listID int64) (int64, error)
	ArchiveThreadsAfter(ctx context.Context, listID, after int64, limit int) ([]string, int64, error)
	PutAnswers(ctx context.Context, listID, upto int64, judged []store.Judged) error
	AnswerEdits(ctx context.Context, listID int64, threadID string) ([]store.AnswerEdit, error)
	AddAnswerEdit(ctx context.Context, e store.AnswerEdit) error
	ArchiveByMessageID(ctx context.Context, listID int64, messageID string) ([]*store.ArchivedPost, error)

	CreateSession(ctx context.Context, id, addr string, expires time.Time) error
	SessionAddress(ctx context.Context, id string) (string, error)
	DeleteSession(ctx context.Context, id string) error
	UseSignIn(ctx context.Context, nonce string, expires time.Time) (bool, error)

	// A member's IMAP app passwords, made and revoked on /settings.
	apppass.Store
}

var _ Store = (store.Backend)(nil)
