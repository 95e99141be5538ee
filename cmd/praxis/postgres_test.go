package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"praxis/archive"
	"praxis/listserv/store/pgtest"
)

// TestPostgresEndToEnd runs end-to-end tests again with every praxis
// they start on PostgreSQL (PRAXIS_DB, which the commands inherit, and
// which the in-process serve and the tests' own store handles read), each
// on a database of its own. Left out to keep CI's time, and passing when
// added here: IMAPIngestKill, ArchivePrivateListInvisible,
// ArchiveImportKilled, ArchiveServeKilledMidIndex, ArchiveThreadingUSRP,
// CorpusPostedByMember; and TestChaos, which passed 9 runs in 10 here:
// once its forced digest missed a post, likely one archived in the very
// second the run ended (a period ends at now truncated to the second, and
// takes what arrived before it), which no engine decides.
// ImportExportThread and ArchiveSearchUSRP take a data dir for a whole
// installation (a second one; one built once and shared), which a
// database per test is not.
func TestPostgresEndToEnd(t *testing.T) {
	pgtest.Server(t)
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"EndToEnd", TestEndToEnd},
		{"AdminErrors", TestAdminErrors},
		{"CrashLosesNothing", TestCrashLosesNothing},
		{"ServeStopsCleanly", TestServeStopsCleanly},
		{"MemberAppPassword", TestMemberAppPassword},
		{"DigestRunExactlyOnce", TestDigestRunExactlyOnce},
		{"DigestOnSchedule", TestDigestOnSchedule},
		{"JoinPostNomailLeave", TestJoinPostNomailLeave},
		{"HeldPostApprovedByReply", TestHeldPostApprovedByReply},
		{"BouncesDisableThenRemove", TestBouncesDisableThenRemove},
		{"LivePostSearchable", TestLivePostSearchable},
		{"IMAPWithImaplib", TestIMAPWithImaplib},
		{"ImportMembers", TestImportMembers},
		{"OutgoingMailIsDKIMSigned", TestOutgoingMailIsDKIMSigned},
		{"SearchBesideServeUsesOnlyTheSocket", TestSearchBesideServeUsesOnlyTheSocket},
		{"IMAPWithMbsync", TestIMAPWithMbsync},
		{"IMAPHostileClients", TestIMAPHostileClients},
		{"IMAPWithCurl", TestIMAPWithCurl},
		{"IMAPIngestErrorInListShow", TestIMAPIngestErrorInListShow},
		{"StrictDMARCAuthorIsMunged", TestStrictDMARCAuthorIsMunged},
		{"TwoFromFieldsRefusedOverSMTP", TestTwoFromFieldsRefusedOverSMTP},
		{"DigestPreview", TestDigestPreview},
		{"Status", TestStatus},
		{"OwnerMailWithoutOwner", TestOwnerMailWithoutOwner},
		{"DKIMShow", TestDKIMShow},
		{"ArchiveRemove", TestArchiveRemove},
		{"MemberListingSuggestions", TestMemberListingSuggestions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.URL(t)
			t.Setenv("PRAXIS_DB", url)
			tc.test(t)
			// The commands did use it: they migrated it.
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
				t.Errorf("the database was not used: %d migrations (%v)", n, err)
			}
		})
	}
}

// twoNodeList starts two serve nodes on one PostgreSQL database (each
// with its own data dir) sending to one recorder, with a list of the given
// number of members.
func twoNodeList(t *testing.T, members int) (url string, a, b *server, rec *recorder) {
	t.Helper()
	pgtest.Server(t)
	url = pgtest.URL(t)
	t.Setenv("PRAXIS_DB", url)
	dataA, dataB := t.TempDir(), t.TempDir()
	praxis(t, dataA, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	importMembers(t, dataA, "cop@example.org", "m", members)
	rec = newRecorder(t)
	a = serve(t, dataA, rec.sink.Addr(), "--delivery-concurrency", "4")
	b = serve(t, dataB, rec.sink.Addr(), "--delivery-concurrency", "4")
	return url, a, b, rec
}

// postShared posts the message whose copies the two-node tests count.
func postShared(t *testing.T, node *server) {
	t.Helper()
	sendVia(t, node, "poster@example.net", "cop@example.org", "From: poster@example.net\r\nTo: cop@example.org\r\nSubject: to all\r\nMessage-ID: <shared@example.net>\r\n\r\nbody\r\n")
}

// sharedCopies counts the copies of postShared's message by recipient.
func sharedCopies(cs []delivered) map[string]int {
	seen := map[string]int{}
	for _, c := range cs {
		if bytes.Contains(c.data, []byte("<shared@example.net>")) {
			seen[c.to]++
		}
	}
	return seen
}

// waitAllDone waits until no copy in the database is left to send.
func waitAllDone(t *testing.T, db *sql.DB, tries int) {
	t.Helper()
	for i := 0; ; i++ {
		var queued int
		must(t, db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE state <> 'done'`).Scan(&queued))
		if queued == 0 {
			return
		}
		if i == tries {
			t.Fatalf("%d copies still not done", queued)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTwoNodesShareTheQueue fans one post out to 2,000 members from two
// serve processes on one PostgreSQL database: the nodes claim copies with
// leases, so every member gets one copy and none gets two, whichever node
// sent it.
func TestTwoNodesShareTheQueue(t *testing.T) {
	const members = 2000
	url, a, b, rec := twoNodeList(t, members)
	postShared(t, a)
	rec.waitFor(t, "a copy for every member", func(cs []delivered) bool { return len(sharedCopies(cs)) >= members })
	db, err := sql.Open("pgx", url)
	must(t, err)
	defer db.Close()
	waitAllDone(t, db, 300)
	for rcpt, n := range sharedCopies(rec.snapshot()) {
		if n != 1 {
			t.Errorf("%s got %d copies", rcpt, n)
		}
	}
	rows, err := db.Query(`SELECT lease_node, COUNT(*) FROM deliveries GROUP BY lease_node ORDER BY lease_node`)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var node string
		var n int
		must(t, rows.Scan(&node, &n))
		t.Logf("node %s sent %d copies", node, n)
	}
	must(t, rows.Err())
	a.stop(t)
	b.stop(t)
}

// TestSearchOnTheOtherNode: a post accepted by one serve is found by a
// search on the other, whose own index took it from the database.
func TestSearchOnTheOtherNode(t *testing.T) {
	_, a, b, _ := twoNodeList(t, 3)
	postShared(t, a)
	for _, node := range []*server{b, a} {
		for i := 0; ; i++ {
			out := praxis(t, node.data, "search", "cop@example.org", "m:shared@example.net", "--json")
			var res archive.SearchResult
			must(t, json.Unmarshal([]byte(out), &res))
			if res.Total == 1 {
				break
			}
			if i == 300 {
				t.Fatalf("the node on %s does not find the post: %s", node.data, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	a.stop(t)
	b.stop(t)
}
