package store

import (
	"context"
	"log/slog"
	"time"
)

// The store is cut into the interfaces its consumers use, one per room.
// Each consumer declares the few methods it needs as an interface of its
// own (inbound.Store, delivery.Store, archive.IndexStore, web.Store, …);
// these are the groups they are drawn from, and Backend is all of them: a
// second implementation (PostgreSQL next) implements Backend and passes
// the conformance suite in storetest.

// Lists holds the lists, their members and bans.
type Lists interface {
	CreateList(ctx context.Context, l *List) error
	UpdateList(ctx context.Context, l *List) error
	DeleteList(ctx context.Context, address string) error
	ListByAddress(ctx context.Context, address string) (*List, error)
	ListByID(ctx context.Context, id int64) (*List, error)
	Lists(ctx context.Context) ([]*List, error)
	ServesDomain(ctx context.Context, domain string) (bool, error)

	AddMember(ctx context.Context, m *Member) error
	AddMembers(ctx context.Context, ms []*Member) error
	UpdateMember(ctx context.Context, m *Member) error
	MarkWarned(ctx context.Context, id int64, nth int, at time.Time) (bool, error)
	RemoveMember(ctx context.Context, listID int64, addr string) error
	Member(ctx context.Context, listID int64, addr string) (*Member, error)
	Members(ctx context.Context, listID int64) ([]*Member, error)
	MembersWithRole(ctx context.Context, listID int64, role string) ([]*Member, error)
	MembersWithDelivery(ctx context.Context, listID int64, delivery string) ([]*Member, error)
	MembersWithStatus(ctx context.Context, status string) ([]*Member, error)
	Memberships(ctx context.Context, addr string) (map[int64]*Member, error)

	Bans(ctx context.Context, listID int64) ([]string, error)
	AddBan(ctx context.Context, listID int64, pattern string) error
	RemoveBan(ctx context.Context, listID int64, pattern string) error
}

// Audit is the lists' audit log: who changed what of a list's settings,
// roster and bans, and when.
type Audit interface {
	AddAudit(ctx context.Context, e *AuditEntry) error
	AuditLog(ctx context.Context, listID, before int64, limit int) ([]*AuditEntry, error)
}

// Spool holds every message accepted with a 250 and its state machine:
// received → accepted/held/… Writing it is the only durable step before
// the SMTP reply.
type Spool interface {
	Spool(ctx context.Context, msgs ...*Message) error
	Message(ctx context.Context, id int64) (*Message, error)
	CameAsPost(ctx context.Context, listID int64, messageID string) (bool, error)
	MessagesInState(ctx context.Context, state string, after int64, limit int) ([]*Message, error)
	MessageIDsInState(ctx context.Context, state string, after int64, limit int) ([]int64, error)
	ListMessages(ctx context.Context, listID int64, state string) ([]*Message, error)
	Transition(ctx context.Context, id int64, from, to, reason, messageID string, ds []*Delivery) error
	TransitionFanout(ctx context.Context, id int64, from, to, reason, messageID string, ds []*Delivery, fan *Fanout) (int64, error)
	SpoolNotice(ctx context.Context, m *Message, ds []*Delivery, requests ...*Pending) error
	SetTransform(ctx context.Context, id int64, transform string) error
	// IntakeBusy tells whether the spool committed within d: the checks
	// give way to a burst of incoming mail.
	IntakeBusy(d time.Duration) bool
}

// Queue is the outbound delivery queue and what it learned of failures.
type Queue interface {
	DueDeliveries(ctx context.Context, after int64, limit int) ([]*Delivery, error)
	ClaimDeliveries(ctx context.Context, node string, lease time.Duration, after int64, limit int) ([]*Delivery, error)
	RenewLeases(ctx context.Context, node string, lease time.Duration, ids []int64) error
	ReleaseLeases(ctx context.Context, node string, ids []int64) error
	RecordOutcomes(ctx context.Context, outs []Outcome) error
	DeliveryCounts(ctx context.Context, messageID int64) (map[string]int, error)
	Failures(ctx context.Context, listID int64, rcpt string) ([]Failure, error)
	UnscoredFailures(ctx context.Context, limit int) ([]Failure, error)
	MarkFailuresScored(ctx context.Context, fs []Failure) error
}

// Requests holds what waits for someone's answer (confirmations, held
// posts' expiry), the quotas that bound mail to one address, and the
// replay cache of signatures that proved a mailed command.
type Requests interface {
	AddPending(ctx context.Context, p *Pending) error
	PendingByToken(ctx context.Context, token string) (*Pending, error)
	PendingFor(ctx context.Context, listID int64, kind, addr string) ([]*Pending, error)
	PendingOfList(ctx context.Context, listID int64, kinds ...string) ([]*Pending, error)
	ListPending(ctx context.Context, listID, id int64) (*Pending, error)
	TakePending(ctx context.Context, id int64) (bool, error)
	ExpiredPending(ctx context.Context, kind string, limit int) ([]*Pending, error)
	DeleteExpiredPending(ctx context.Context, kinds ...string) (int64, error)
	CountUp(ctx context.Context, key string) (int, error)
	ClaimSignature(ctx context.Context, key string, spoolID int64, expires time.Time) (bool, error)
	ForgetSignatures(ctx context.Context) (int64, error)
}

// Keys holds the process's secrets and the DKIM keys it signs with.
type Keys interface {
	Secret(ctx context.Context, name string) ([]byte, error)
	PutDKIMKey(ctx context.Context, k *DKIMKey) error
	DKIMKeyFor(ctx context.Context, domain string) (*DKIMKey, error)
}

// ArchiveWriter stores archived posts and keeps the index log, which
// every node's full-text index follows (indexlog.go).
type ArchiveWriter interface {
	ArchivePut(ctx context.Context, p *ArchivedPost, raw []byte) (created bool, err error)
	ArchivePutMany(ctx context.Context, posts []*ArchivedPost, raws [][]byte) (made []bool, err error)
	ArchiveRemove(ctx context.Context, r Removal) (int, error)
	ArchivePurge(ctx context.Context, r Removal, fromAddr string) ([]string, error)
	ArchiveRemoved(ctx context.Context, messageID string) ([]Removal, error)
	IndexChanges(ctx context.Context, after IndexPos, limit int) ([]IndexChange, error)
	IndexBacklog(ctx context.Context, after IndexPos) (n int64, oldest time.Time, err error)
	IndexLogID(ctx context.Context) (string, error)
	PutLinks(ctx context.Context, posts []int64, links []Link) error
	PutPostFeatures(ctx context.Context, feats map[int64]*PostFeatures) error
	PackArchiveDay(ctx context.Context, listID, day int64) error
	PutRelated(ctx context.Context, listID int64, threadID string, rs []RelatedThread) (bool, error)
	PutAnswers(ctx context.Context, listID, upto int64, judged []Judged) error
	AddAnswerEdit(ctx context.Context, e AnswerEdit) error
	Reindex(ctx context.Context, listID int64) error
	ListenIndexLog(ctx context.Context, log *slog.Logger, wake func()) error
	// IntakeBusy is Spool's: the indexer gives way to a burst too.
	IntakeBusy(d time.Duration) bool
}

// ArchiveReader is every read of the archive: threads, posts, the
// figures the web and the summaries show.
type ArchiveReader interface {
	ArchiveThread(ctx context.Context, listID int64, threadID string) ([]*ArchivedPost, error)
	ArchiveByMessageID(ctx context.Context, listID int64, messageID string) ([]*ArchivedPost, error)
	ArchiveRaw(ctx context.Context, hash string) ([]byte, error)
	ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*ArchivedPost) error) error
	ArchiveBetween(ctx context.Context, listID int64, since, before time.Time, f func(*ArchivedPost) error) error
	ArchiveAuthors(ctx context.Context, listID int64, before time.Time) ([]ArchiveAuthor, error)
	ArchiveThreadPosts(ctx context.Context, listID int64, threadIDs []string, before time.Time) ([]*ArchivedPost, error)
	ArchiveNewestDate(ctx context.Context, listID int64, before time.Time, n int) (time.Time, bool, error)
	PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*PostFeatures, error)
	ArchivePacked(ctx context.Context, listID int64, from, end time.Time) ([]PackedPost, []int64, error)
	Related(ctx context.Context, listID int64, threadIDs []string) (map[string][]RelatedThread, error)
	Answers(ctx context.Context, listID int64, q AnswerQuery) ([]*Answer, error)
	AnswersUpTo(ctx context.Context, listID int64) (int64, error)
	AnswerEdits(ctx context.Context, listID int64, threadID string) ([]AnswerEdit, error)
	ArchiveThreadsAfter(ctx context.Context, listID, after int64, limit int) ([]string, int64, error)
	ArchiveThreads(ctx context.Context, listID int64, after ThreadCursor, limit int) ([]*ThreadSummary, error)
	ArchiveThreadSummary(ctx context.Context, listID int64, threadID string) (*ThreadSummary, error)
	ArchiveMonths(ctx context.Context, listID int64) ([]MonthCount, error)
	ArchiveThreadsStarted(ctx context.Context, listID int64, since, until time.Time, limit int) ([]*ThreadSummary, error)
	ArchiveThreadNeighbours(ctx context.Context, listID int64, threadID string) (prev, next *ThreadSummary, err error)
	ArchiveThreadCount(ctx context.Context, listID int64) (int, error)
	ArchivePostCount(ctx context.Context, listID int64) (int, error)
	ArchiveByID(ctx context.Context, id int64) (*ArchivedPost, error)
	ArchiveByIDs(ctx context.Context, ids []int64) ([]*ArchivedPost, error)
	ArchiveFind(ctx context.Context, messageID string) ([]*ArchivedPost, error)
	ArchiveLatest(ctx context.Context, listID int64, limit int) ([]*ArchivedPost, error)
	ArchiveWeekly(ctx context.Context, listID int64, since, until time.Time) ([]WeekCount, error)
	ArchiveActiveThreads(ctx context.Context, listID int64, since, until time.Time, limit int) ([]*ThreadSummary, error)
	ArchiveHelpers(ctx context.Context, listID int64, since, until time.Time, limit int) ([]Helper, error)
	ArchiveThreadAuthors(ctx context.Context, listID int64, threadIDs []string) (map[string]int, error)
	ArchiveResources(ctx context.Context, listID int64, q string, offset, limit int) ([]Resource, error)
	ArchiveCountBetween(ctx context.Context, listID int64, since, until time.Time) (int, error)
	ArchiveBytesArrived(ctx context.Context, listID int64, since, until time.Time) (int64, error)
	ArchiveBusiestWeek(ctx context.Context, listID int64) (time.Time, int, error)
	ArchiveCountArrived(ctx context.Context, listID int64, since, until, notBefore time.Time) (int, error)
	ArchiveArrivedBetween(ctx context.Context, listID int64, since, until, notBefore time.Time) ([][]byte, error)
}

// Digests records digest and summary runs, so that a member gets each
// period once even across a crash.
type Digests interface {
	LastDigestRun(ctx context.Context, listID int64, kind string) (*DigestRun, error)
	StartDigestRun(ctx context.Context, r *DigestRun) error
	UnfinishedDigestRuns(ctx context.Context) ([]*DigestRun, error)
	FinishDigestRun(ctx context.Context, id int64) error
	DigestSent(ctx context.Context, runID int64) (map[string]bool, error)
	SpoolDigestRun(ctx context.Context, runID int64, m *Message, rcpts []string, mode string) (queued int, err error)
}

// Jobs is what scheduled work keeps so that it runs once across every
// node: the claims of its once-only actions, and each job's last pass.
type Jobs interface {
	SpoolNoticeOnce(ctx context.Context, c JobClaim, m *Message, ds []*Delivery, requests ...*Pending) (bool, error)
	RecordJobRun(ctx context.Context, job string, runErr error) error
	JobRuns(ctx context.Context) ([]JobRun, error)
}

// Sessions holds the web's sign-in sessions and spent sign-in links.
type Sessions interface {
	CreateSession(ctx context.Context, id, addr string, expires time.Time) error
	SessionAddress(ctx context.Context, id string) (string, error)
	DeleteSession(ctx context.Context, id string) error
	UseSignIn(ctx context.Context, nonce string, expires time.Time) (bool, error)
}

// AppPasswords holds the members' IMAP app passwords, as hashes
// (listserv/apppass makes and checks them).
type AppPasswords interface {
	// AddAppPassword stores a new password's hash; ErrNotFound when addr
	// is not a member of the list.
	AddAppPassword(ctx context.Context, listID int64, addr, hash string) error
	// AppPasswordHashes returns the hashes of addr's passwords on every
	// list addr is currently a member of, newest first, at most
	// AppPasswordsTried.
	AppPasswordHashes(ctx context.Context, addr string) ([]string, error)
	// RevokeAppPasswords removes addr's passwords on the list and says
	// how many there were.
	RevokeAppPasswords(ctx context.Context, listID int64, addr string) (int, error)
}

// IMAPIngest is what --imap-ingest keeps: which messages of each source
// mailbox were taken (recorded in the spool's own transaction), whether
// their after-action is done, and each source's progress and last error.
type IMAPIngest interface {
	SpoolIngest(ctx context.Context, key IngestKey, msgs ...*Message) error
	RefuseIngest(ctx context.Context, key IngestKey, reason string) error
	IngestedUIDs(ctx context.Context, source string, uidValidity uint32, uids []uint32) (map[uint32]bool, error)
	Ingested(ctx context.Context, key IngestKey) (state, reason string, spoolID int64, err error)
	IngestUnacted(ctx context.Context, source string, uidValidity uint32, limit int) ([]uint32, error)
	MarkIngestActed(ctx context.Context, source string, uidValidity uint32, uids []uint32) error
	IngestSource(ctx context.Context, source string) (*IngestSource, error)
	IngestSources(ctx context.Context, listAddress string) ([]*IngestSource, error)
	PutIngestSource(ctx context.Context, src *IngestSource) error
	SetIngestError(ctx context.Context, source, listAddress, msg string) error
	KeepIngestSources(ctx context.Context, configured map[string]string) error
	AdoptIngestSource(ctx context.Context, from, to string) error
	MarkIngestCopying(ctx context.Context, source string, uidValidity uint32, uids []uint32, to IngestCopy) error
	IngestCopying(ctx context.Context, source string, uidValidity uint32, uids []uint32) (map[uint32]IngestCopy, error)
}

// IMAPArchive is what the IMAP view of the archive (archive/imapview)
// reads and writes: a list's posts by id without loading the list, with
// the sizes and header blocks kept beside them, and each member's flags.
type IMAPArchive interface {
	IMAPCount(ctx context.Context, listID int64) (int, error)
	IMAPCountRange(ctx context.Context, listID, after, upTo int64) (int, error)
	IMAPIDs(ctx context.Context, listID, after, upTo int64, limit int) ([]int64, error)
	IMAPRanks(ctx context.Context, listID, after int64, ids []int64) (counts []int, have []bool, err error)
	IMAPIDAt(ctx context.Context, listID, after int64, n int) (int64, error)
	IMAPMaxIDs(ctx context.Context) (map[int64]int64, error)
	IMAPPosts(ctx context.Context, listID int64, ids []int64) ([]IMAPPost, error)
	IMAPHeaders(ctx context.Context, hashes []string) (map[string][]byte, error)
	IMAPFlags(ctx context.Context, listID int64, addr string, ids []int64) (map[int64][]string, error)
	IMAPStoreFlags(ctx context.Context, listID int64, addr string, ids []int64, op FlagsOp, flags []string) (map[int64][]string, error)
	IMAPSeenCount(ctx context.Context, listID int64, addr string) (int, error)
	IMAPFirstUnseen(ctx context.Context, listID int64, addr string) (int64, error)
	IMAPCountAt(ctx context.Context, listID int64) (int, IndexPos, error)
	IMAPRemovals(ctx context.Context, after IndexPos) (IndexPos, []IMAPRemoval, error)
	IMAPUIDNext(ctx context.Context, listID int64) (int64, error)
}

// Nodes is what the serve nodes sharing a database keep of each other:
// who runs (heartbeats), who holds which once-at-a-time work (leases),
// and how the queue they share stands.
type Nodes interface {
	RegisterNode(ctx context.Context, n *Node) error
	NodeHeartbeat(ctx context.Context, name string) error
	StopNode(ctx context.Context, name string) error
	Nodes(ctx context.Context) ([]Node, error)
	TakeLease(ctx context.Context, name, holder string, d time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	Leases(ctx context.Context) ([]Lease, error)
	QueueStatus(ctx context.Context) (*QueueStatus, error)
}

// Rates is the token buckets the limits count clients in when several
// nodes share the database.
type Rates interface {
	TakeToken(ctx context.Context, key string, burst float64, per time.Duration) (bool, error)
	ReturnToken(ctx context.Context, key string, burst float64, per time.Duration) error
	PruneRateBuckets(ctx context.Context) (int64, error)
}

// Backend is the whole store: what a second implementation provides.
type Backend interface {
	Lists
	Spool
	Queue
	Requests
	Keys
	ArchiveWriter
	ArchiveReader
	Digests
	Sessions
	AppPasswords
	IMAPSearch
	IMAPIngest
	IMAPArchive
	Jobs
	Nodes
	Rates
	Audit
	// SetClock replaces the clock the store stamps rows with (tests).
	SetClock(now func() time.Time)
	Close() error
}

var _ Backend = (*Store)(nil)
