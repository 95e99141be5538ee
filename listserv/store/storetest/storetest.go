// Package storetest is the conformance suite of the store: what every
// implementation of store.Backend must do, whatever its database. The
// SQLite store runs it in its own tests; a PostgreSQL store runs the same
// suite against a real server. Each test opens a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store"
)

// Open makes a new, empty store for one test and closes it at its end.
type Open func(t *testing.T) store.Backend

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		test func(t *testing.T, s store.Backend)
	}{
		{"ListsAndMembers", listsAndMembers},
		{"AddMembersInBulk", addMembersInBulk},
		{"SpoolConcurrently", spoolConcurrently},
		{"TransitionOnceAndOutcomes", transitionOnceAndOutcomes},
		{"RemoveMemberDropsQueuedCopies", removeMemberDropsQueuedCopies},
		{"ClaimsNeverOverlap", claimsNeverOverlap},
		{"LeasesExpireAndStaleOutcomesAreRefused", leasesExpireAndStaleOutcomesAreRefused},
		{"UntriedWritesNothing", untriedWritesNothing},
		{"NoticeAndRequestTogether", noticeAndRequestTogether},
		{"PendingTakenOnce", pendingTakenOnce},
		{"QuotasAndReplayCache", quotasAndReplayCache},
		{"ArchiveStoresOnceAndThreads", archiveStoresOnceAndThreads},
		{"ArchiveReads", archiveReads},
		{"IndexLogFollowsTheArchive", indexLogFollowsTheArchive},
		{"DigestRunOncePerPeriod", digestRunOncePerPeriod},
		{"SessionsAndSignIns", sessionsAndSignIns},
		{"SecretsAndKeys", secretsAndKeys},
		{"AppPasswords", appPasswords},
		{"IMAPSearchFilters", imapSearchFilters},
		{"IMAPIngestOnce", imapIngestOnce},
		{"IMAPArchive", imapArchive},
		{"JobClaimedOnce", jobClaimedOnce},
		{"MemberWarnedOnce", memberWarnedOnce},
		{"MemberOwnSettings", memberOwnSettings},
		{"NodesHeartbeat", nodesHeartbeat},
		{"LeaseOneHolder", leaseOneHolder},
		{"QueueStatusCounts", queueStatusCounts},
		{"RateBucketsShared", rateBucketsShared},
		{"SecretMadeOnce", secretMadeOnce},
		{"ListRawAccess", listRawAccess},
		{"ArchiveByMonth", archiveByMonth},
		{"ResourcesCountedOnce", resourcesCountedOnce},
		{"ArchiveRemoval", archiveRemoval},
		{"ArchiveRemovalByBytes", archiveRemovalByBytes},
		{"ListSpamSettings", listSpamSettings},
		{"SpamFindingsKept", spamFindingsKept},
		{"AuditLog", auditLog},
		{"PendingOfList", pendingOfList},
		{"HelpersDemunged", helpersDemunged},
		{"IMAPRemovals", imapRemovals},
		{"PostFeaturesKept", postFeaturesKept},
		{"ArchiveAuthorsFirst", archiveAuthorsFirst},
		{"RelatedKeptOnce", relatedKeptOnce},
		{"AnswersLibrary", answersLibrary},
		{"BadTextKept", badTextKept},
		{"ArchivePacksHoldTheDays", archivePacksHoldTheDays},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, open(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newList(t *testing.T, s store.Backend, addr string) *store.List {
	t.Helper()
	l := &store.List{Address: addr, Name: "CoP", SubscribePolicy: store.SubscribeConfirm, PostPolicy: store.PostOpen, ArchivePolicy: store.ArchivePublic}
	must(t, s.CreateList(context.Background(), l))
	if l.ID == 0 {
		t.Fatal("CreateList set no ID")
	}
	return l
}

func listsAndMembers(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	if err := s.CreateList(ctx, &store.List{Address: "cop@example.org", Name: "again"}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("a second list of the same address: %v, want ErrDuplicate", err)
	}
	if _, err := s.ListByAddress(ctx, "nobody@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown list: %v, want ErrNotFound", err)
	}
	got, err := s.ListByID(ctx, l.ID)
	must(t, err)
	if got.Address != l.Address || got.Name != "CoP" || got.CreatedAt.IsZero() {
		t.Errorf("ListByID = %+v", got)
	}
	served, err := s.ServesDomain(ctx, "example.org")
	must(t, err)
	if other, err := s.ServesDomain(ctx, "example.com"); err != nil || !served || other {
		t.Errorf("ServesDomain: example.org %v, example.com %v (%v)", served, other, err)
	}
	l.Name, l.HoldDays = "Makers", 3
	must(t, s.UpdateList(ctx, l))
	if got, err := s.ListByAddress(ctx, l.Address); err != nil || got.Name != "Makers" || got.HoldDays != 3 {
		t.Errorf("after UpdateList: %+v %v", got, err)
	}

	m := &store.Member{ListID: l.ID, Address: "Ann@Example.net", Name: "Ann", Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled}
	must(t, s.AddMember(ctx, m))
	if err := s.AddMember(ctx, &store.Member{ListID: l.ID, Address: "ann@example.NET", Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("the same address in another case: %v, want ErrDuplicate", err)
	}
	// Addresses are found whatever the case of their domain and local part.
	got2, err := s.Member(ctx, l.ID, "ann@example.net")
	must(t, err)
	if got2.Name != "Ann" {
		t.Errorf("Member = %+v", got2)
	}
	got2.Delivery = store.DeliverDigest
	must(t, s.UpdateMember(ctx, got2))
	must(t, s.AddMembers(ctx, []*store.Member{
		{ListID: l.ID, Address: "bob@example.net", Role: store.RoleOwner, Delivery: store.DeliverEach, Status: store.StatusEnabled},
		{ListID: l.ID, Address: "cy@example.net", Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusDisabledBounce},
	}))
	ms, err := s.Members(ctx, l.ID)
	must(t, err)
	if len(ms) != 3 {
		t.Errorf("%d members, want 3", len(ms))
	}
	owners, err := s.MembersWithRole(ctx, l.ID, store.RoleOwner)
	must(t, err)
	if len(owners) != 1 || owners[0].Address != "bob@example.net" {
		t.Errorf("MembersWithRole(owner) = %v, want bob alone", owners)
	}
	// Ann takes the digest; cy would take each post but is disabled.
	digest, err := s.MembersWithDelivery(ctx, l.ID, store.DeliverDigest)
	must(t, err)
	if len(digest) != 1 || digest[0].Address != "Ann@Example.net" {
		t.Errorf("MembersWithDelivery(digest) = %v, want Ann alone", digest)
	}
	each, err := s.MembersWithDelivery(ctx, l.ID, store.DeliverEach)
	must(t, err)
	if len(each) != 1 || each[0].Address != "bob@example.net" {
		t.Errorf("MembersWithDelivery(each) = %v, want bob alone (cy is disabled)", each)
	}
	other := newList(t, s, "other@example.org")
	if none, err := s.MembersWithRole(ctx, other.ID, store.RoleOwner); err != nil || len(none) != 0 {
		t.Errorf("owners of a list with none: %v, %v", none, err)
	}
	disabled, err := s.MembersWithStatus(ctx, store.StatusDisabledBounce)
	must(t, err)
	if len(disabled) != 1 || disabled[0].Address != "cy@example.net" {
		t.Errorf("MembersWithStatus = %v", disabled)
	}
	mine, err := s.Memberships(ctx, "ANN@example.net")
	must(t, err)
	if mine[l.ID] == nil || mine[l.ID].Delivery != store.DeliverDigest {
		t.Errorf("Memberships = %v", mine)
	}
	must(t, s.RemoveMember(ctx, l.ID, "bob@example.net"))
	if err := s.RemoveMember(ctx, l.ID, "bob@example.net"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing twice: %v, want ErrNotFound", err)
	}

	must(t, s.AddBan(ctx, l.ID, "^.*@spam\\.example$"))
	bans, err := s.Bans(ctx, l.ID)
	must(t, err)
	if len(bans) != 1 {
		t.Errorf("bans = %v", bans)
	}
	must(t, s.RemoveBan(ctx, l.ID, "^.*@spam\\.example$"))

	must(t, s.DeleteList(ctx, l.Address))
	if _, err := s.ListByAddress(ctx, l.Address); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted list: %v, want ErrNotFound", err)
	}
}

func post(l *store.List, body string) *store.Message {
	return &store.Message{ListID: l.ID, ListAddress: l.Address, Kind: store.KindPost, MailFrom: "a@b.example", Rcpt: l.Address, Raw: []byte("Subject: x\r\n\r\n" + body)}
}

// Many receivers spool at once (a group commit, in SQLite's case): each
// message gets an ID of its own and nothing is lost.
func spoolConcurrently(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	const n = 100
	var wg sync.WaitGroup
	ids := make(chan int64, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m := post(l, fmt.Sprint(i))
			if err := s.Spool(ctx, m); err != nil {
				t.Error(err)
			}
			ids <- m.ID
		}(i)
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if id == 0 || seen[id] {
			t.Fatalf("bad or duplicate id %d", id)
		}
		seen[id] = true
	}
	ms, err := s.MessagesInState(ctx, store.StateReceived, 0, 1000)
	must(t, err)
	ids2, err := s.MessageIDsInState(ctx, store.StateReceived, 0, 1000)
	must(t, err)
	if len(ms) != n || len(ids2) != n {
		t.Fatalf("stored %d (%d ids), want %d", len(ms), len(ids2), n)
	}
}

func transitionOnceAndOutcomes(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	m := post(l, "x")
	must(t, s.Spool(ctx, m))
	ds := []*store.Delivery{
		{ListID: l.ID, Rcpt: "a@x.org", Mode: store.ModeCopy, EnvFrom: "v"},
		{ListID: l.ID, Rcpt: "b@x.org", Mode: store.ModeCopy, EnvFrom: "v"},
		{ListID: l.ID, Rcpt: "c@x.org", Mode: store.ModeCopy, EnvFrom: "v"},
	}
	must(t, s.Transition(ctx, m.ID, store.StateReceived, store.StateAccepted, "", "id@x", ds))
	// A replay after a crash must not queue the copies twice.
	if err := s.Transition(ctx, m.ID, store.StateReceived, store.StateAccepted, "", "id@x", ds); !errors.Is(err, store.ErrState) {
		t.Fatalf("second transition: %v, want ErrState", err)
	}
	got, err := s.Message(ctx, m.ID)
	must(t, err)
	if got.State != store.StateAccepted || got.MessageID != "id@x" {
		t.Errorf("message after the transition: state %s, Message-ID %q", got.State, got.MessageID)
	}
	due, err := s.DueDeliveries(ctx, 0, 10)
	must(t, err)
	if len(due) != 3 {
		t.Fatalf("due = %d", len(due))
	}
	must(t, s.RecordOutcomes(ctx, []store.Outcome{
		{Delivery: due[0], Done: true},
		{Delivery: due[1], RetryAt: time.Now().Add(time.Hour), Code: 451, Text: "later"},
		{Delivery: due[2], Code: 550, Enhanced: "5.1.1", Text: "no such user", Permanent: true},
	}))
	counts, err := s.DeliveryCounts(ctx, m.ID)
	must(t, err)
	if counts["done"] != 1 || counts["queued"] != 1 || counts["failed"] != 1 {
		t.Errorf("counts = %v", counts)
	}
	if due, err := s.DueDeliveries(ctx, 0, 10); err != nil || len(due) != 0 {
		t.Errorf("a retry scheduled in an hour is due now: %d (%v)", len(due), err)
	}
	fs, err := s.Failures(ctx, l.ID, "c@x.org")
	must(t, err)
	if len(fs) != 1 || fs[0].Code != 550 || !fs[0].Permanent {
		t.Errorf("failures = %+v", fs)
	}
	unscored, err := s.UnscoredFailures(ctx, 10)
	must(t, err)
	must(t, s.MarkFailuresScored(ctx, unscored))
	if again, err := s.UnscoredFailures(ctx, 10); err != nil || len(again) != 0 || len(unscored) != 1 {
		t.Errorf("unscored %d, then %d (%v); want 1, then 0", len(unscored), len(again), err)
	}
}

func removeMemberDropsQueuedCopies(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	must(t, s.AddMember(ctx, &store.Member{ListID: l.ID, Address: "Zed@example.net", Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled}))
	m := post(l, "x")
	must(t, s.Spool(ctx, m))
	n, err := s.TransitionFanout(ctx, m.ID, store.StateReceived, store.StateAccepted, "", "id@x", nil, &store.Fanout{ListID: l.ID, Delivery: store.DeliverEach, Status: store.StatusEnabled})
	must(t, err)
	if n != 1 {
		t.Fatalf("fan-out queued %d copies, want 1", n)
	}
	must(t, s.RemoveMember(ctx, l.ID, "zed@EXAMPLE.net"))
	if due, err := s.DueDeliveries(ctx, 0, 10); err != nil || len(due) != 0 {
		t.Errorf("%d copies still queued for a removed member (%v)", len(due), err)
	}
}

// A confirmation request is stored with the mail that asks for it or not
// at all.
func noticeAndRequestTogether(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	now := time.Now()
	req := &store.Pending{Token: "t1", ListID: l.ID, Kind: store.PendingSubscribe, Address: "a@example.net", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	notice := func() *store.Message {
		return &store.Message{ListID: l.ID, ListAddress: l.Address, Raw: []byte("Subject: confirm\r\n\r\nx\r\n")}
	}
	to := []*store.Delivery{{ListID: l.ID, Rcpt: "a@example.net", Mode: store.ModeRaw}}
	must(t, s.SpoolNotice(ctx, notice(), to, req))
	dup := *req
	dup.ID = 0
	if err := s.SpoolNotice(ctx, notice(), to, &dup); err == nil {
		t.Fatal("a duplicate token was stored")
	}
	due, err := s.DueDeliveries(ctx, 0, 10)
	must(t, err)
	ps, err := s.PendingFor(ctx, l.ID, store.PendingSubscribe, "a@example.net")
	must(t, err)
	if len(due) != 1 || len(ps) != 1 {
		t.Errorf("%d notices queued and %d requests stored, want 1 and 1", len(due), len(ps))
	}
}

func pendingTakenOnce(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	now := time.Now()
	p := &store.Pending{Token: "tok", ListID: l.ID, Kind: store.PendingSubscribe, Address: "a@example.net", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.AddPending(ctx, p))
	old := &store.Pending{Token: "old", ListID: l.ID, Kind: store.PendingHeld, Address: "b@example.net", Data: "7", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
	must(t, s.AddPending(ctx, old))
	got, err := s.PendingByToken(ctx, "tok")
	must(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	took := 0
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.TakePending(ctx, got.ID)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				took++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if took != 1 {
		t.Errorf("a request was taken %d times, want once", took)
	}
	expired, err := s.ExpiredPending(ctx, store.PendingHeld, 10)
	must(t, err)
	if len(expired) != 1 || expired[0].Data != "7" {
		t.Errorf("ExpiredPending = %v", expired)
	}
	n, err := s.DeleteExpiredPending(ctx, store.PendingHeld)
	must(t, err)
	if n != 1 {
		t.Errorf("deleted %d expired requests, want 1", n)
	}
}

func quotasAndReplayCache(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	for want := 1; want <= 3; want++ {
		if n, err := s.CountUp(ctx, "reply:a@example.net"); err != nil || n != want {
			t.Fatalf("CountUp = %d %v, want %d", n, err, want)
		}
	}
	if n, err := s.CountUp(ctx, "reply:b@example.net"); err != nil || n != 1 {
		t.Errorf("another address's count: %d %v", n, err)
	}
	m := post(l, "x")
	must(t, s.Spool(ctx, m))
	first, err := s.ClaimSignature(ctx, "sig", m.ID, time.Now().Add(time.Hour))
	must(t, err)
	second, err := s.ClaimSignature(ctx, "sig", m.ID+1, time.Now().Add(time.Hour))
	must(t, err)
	if !first || second {
		t.Errorf("claims of one signature: %v then %v, want true then false", first, second)
	}
	// A claim outlives its signature's freshness only: once expired it is
	// forgotten, and only then can the key be claimed again.
	if n, err := s.ForgetSignatures(ctx); err != nil || n != 0 {
		t.Errorf("forgot %d fresh claims (%v), want 0", n, err)
	}
	stale, err := s.ClaimSignature(ctx, "old", m.ID, time.Now().Add(-time.Minute))
	must(t, err)
	if n, err := s.ForgetSignatures(ctx); err != nil || n != 1 || !stale {
		t.Errorf("forgot %d expired claims (%v), want 1", n, err)
	}
	if again, err := s.ClaimSignature(ctx, "old", m.ID, time.Now().Add(time.Hour)); err != nil || !again {
		t.Errorf("a forgotten key claimed again: %v %v, want true", again, err)
	}
}

func archived(l *store.List, msgID, subject, inReplyTo string, date time.Time) (*store.ArchivedPost, []byte) {
	raw := []byte("Message-ID: <" + msgID + ">\r\nSubject: " + subject + "\r\n\r\n" + subject + "\r\n")
	norm := strings.ToLower(strings.TrimPrefix(subject, "Re: "))
	p := &store.ArchivedPost{ListID: l.ID, MessageID: msgID, Subject: subject, NormSubject: norm, FromAddr: "a@example.net", Date: date, Size: len(raw)}
	if inReplyTo != "" {
		p.Refs, p.IsReply = []string{inReplyTo}, true
	}
	return p, raw
}

func archiveStoresOnceAndThreads(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	q, qraw := archived(l, "q@example.net", "How do I square the bed?", "", day)
	created, err := s.ArchivePut(ctx, q, qraw)
	must(t, err)
	q2, _ := archived(l, "q@example.net", "How do I square the bed?", "", day)
	again, err := s.ArchivePut(ctx, q2, qraw)
	must(t, err)
	if !created || again {
		t.Errorf("the same post archived twice: created %v, then %v", created, again)
	}
	a, araw := archived(l, "a@example.net", "Re: How do I square the bed?", "q@example.net", day.Add(time.Hour))
	made, err := s.ArchivePutMany(ctx, []*store.ArchivedPost{a}, [][]byte{araw})
	must(t, err)
	if len(made) != 1 || !made[0] {
		t.Fatalf("ArchivePutMany made %v", made)
	}
	if a.ThreadID == "" || a.ThreadID != q.ThreadID {
		t.Errorf("the answer is in thread %q, the question in %q", a.ThreadID, q.ThreadID)
	}
	thread, err := s.ArchiveThread(ctx, l.ID, q.ThreadID)
	must(t, err)
	if len(thread) != 2 {
		t.Errorf("thread has %d posts, want 2", len(thread))
	}
	raw, err := s.ArchiveRaw(ctx, q.Hash)
	must(t, err)
	if string(raw) != string(qraw) {
		t.Errorf("ArchiveRaw = %q", raw)
	}
	found, err := s.ArchiveFind(ctx, "a@example.net")
	must(t, err)
	if len(found) != 1 || found[0].ID != a.ID {
		t.Errorf("ArchiveFind = %v", found)
	}
	if n, err := s.ArchivePostCount(ctx, l.ID); err != nil || n != 2 {
		t.Errorf("ArchivePostCount = %d %v", n, err)
	}
	if n, err := s.ArchiveThreadCount(ctx, l.ID); err != nil || n != 1 {
		t.Errorf("ArchiveThreadCount = %d %v", n, err)
	}
	if n, err := s.ArchiveCountBetween(ctx, l.ID, day, day.Add(24*time.Hour)); err != nil || n != 2 {
		t.Errorf("ArchiveCountBetween = %d %v", n, err)
	}
	todo, err := s.IndexChanges(ctx, store.IndexPos{}, 10)
	must(t, err)
	if len(todo) != 2 || todo[0].ID != q.ID || todo[1].ID != a.ID || todo[0].List != l.Address || string(todo[0].Raw) != string(qraw) {
		t.Fatalf("the index log has %+v, want the two posts", todo)
	}
	if todo, err := s.IndexChanges(ctx, todo[1].Pos, 10); err != nil || len(todo) != 0 {
		t.Errorf("%d changes after the last one (%v)", len(todo), err)
	}
}

// Two nodes deciding at once that a period is due make one run, and a
// finished run is not started again.
func digestRunOncePerPeriod(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(24 * time.Hour)
	var wg sync.WaitGroup
	runs := make([]*store.DigestRun, 4)
	for i := range runs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			runs[i] = &store.DigestRun{ListID: l.ID, Kind: "digest", PeriodStart: start, PeriodEnd: end, Volume: 1}
			if err := s.StartDigestRun(ctx, runs[i]); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	for _, r := range runs[1:] {
		if r.ID != runs[0].ID {
			t.Fatalf("one period made runs %d and %d", runs[0].ID, r.ID)
		}
	}
	run := runs[0]
	m := &store.Message{ListID: l.ID, ListAddress: l.Address, Raw: []byte("Subject: digest\r\n\r\nx\r\n")}
	n, err := s.SpoolDigestRun(ctx, run.ID, m, []string{"a@example.net", "b@example.net"}, store.ModeDigest)
	must(t, err)
	sent, err := s.DigestSent(ctx, run.ID)
	must(t, err)
	if n != 2 || len(sent) != 2 {
		t.Errorf("queued %d, recorded %d readers, want 2 and 2", n, len(sent))
	}
	unfinished, err := s.UnfinishedDigestRuns(ctx)
	must(t, err)
	if len(unfinished) != 1 {
		t.Errorf("%d unfinished runs, want 1", len(unfinished))
	}
	must(t, s.FinishDigestRun(ctx, run.ID))
	last, err := s.LastDigestRun(ctx, l.ID, "digest")
	must(t, err)
	if last.ID != run.ID || last.State != store.RunDone || !last.PeriodEnd.Equal(end) {
		t.Errorf("LastDigestRun = %+v", last)
	}
	again := &store.DigestRun{ListID: l.ID, Kind: "digest", PeriodStart: start, PeriodEnd: end, Volume: 1}
	must(t, s.StartDigestRun(ctx, again))
	if again.ID != run.ID || again.State != store.RunDone {
		t.Errorf("a finished period started again: %+v", again)
	}
}

func sessionsAndSignIns(t *testing.T, s store.Backend) {
	ctx := context.Background()
	must(t, s.CreateSession(ctx, "sess", "ann@example.net", time.Now().Add(time.Hour)))
	addr, err := s.SessionAddress(ctx, "sess")
	must(t, err)
	if addr != "ann@example.net" {
		t.Errorf("SessionAddress = %q", addr)
	}
	must(t, s.DeleteSession(ctx, "sess"))
	if addr, err := s.SessionAddress(ctx, "sess"); err == nil && addr != "" {
		t.Errorf("a deleted session still names %q", addr)
	}
	first, err := s.UseSignIn(ctx, "nonce", time.Now().Add(time.Hour))
	must(t, err)
	second, err := s.UseSignIn(ctx, "nonce", time.Now().Add(time.Hour))
	must(t, err)
	if !first || second {
		t.Errorf("a sign-in link used %v then %v, want true then false", first, second)
	}
}

func secretsAndKeys(t *testing.T, s store.Backend) {
	ctx := context.Background()
	k1, err := s.Secret(ctx, "unsubscribe")
	must(t, err)
	k2, err := s.Secret(ctx, "unsubscribe")
	must(t, err)
	other, err := s.Secret(ctx, "verp")
	must(t, err)
	if len(k1) < 16 || string(k1) != string(k2) || string(k1) == string(other) {
		t.Errorf("secrets: %d bytes, stable %v, distinct %v", len(k1), string(k1) == string(k2), string(k1) != string(other))
	}
	if _, err := s.DKIMKeyFor(ctx, "example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no key yet: %v, want ErrNotFound", err)
	}
	must(t, s.PutDKIMKey(ctx, &store.DKIMKey{Domain: "example.org", Selector: "praxis", PrivatePEM: []byte("pem")}))
	k, err := s.DKIMKeyFor(ctx, "example.org")
	must(t, err)
	if k.Selector != "praxis" {
		t.Errorf("DKIMKeyFor = %+v", k)
	}
}
