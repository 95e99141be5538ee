package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

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

// TestTwoNodesShareTheQueue fans one post out to 2,000 members from two
// serve processes on one PostgreSQL database: the nodes claim copies with
// leases, so every member gets one copy and none gets two, whichever node
// sent it.
func TestTwoNodesShareTheQueue(t *testing.T) {
	pgtest.Server(t)
	url := pgtest.URL(t)
	t.Setenv("PRAXIS_DB", url)
	const members = 2000
	dataA, dataB := t.TempDir(), t.TempDir()
	praxis(t, dataA, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	var csv strings.Builder
	csv.WriteString("email\n")
	for i := 0; i < members; i++ {
		fmt.Fprintf(&csv, "m%d@example.net\n", i)
	}
	csvFile := filepath.Join(t.TempDir(), "members.csv")
	must(t, os.WriteFile(csvFile, []byte(csv.String()), 0o600))
	praxis(t, dataA, "import", "members", "cop@example.org", csvFile)

	rec := newRecorder(t)
	a := serve(t, dataA, rec.sink.Addr(), "--delivery-concurrency", "4")
	b := serve(t, dataB, rec.sink.Addr(), "--delivery-concurrency", "4")
	cl, err := smtp.Dial(a.smtp)
	must(t, err)
	msg := "From: poster@example.net\r\nTo: cop@example.org\r\nSubject: to all\r\nMessage-ID: <shared@example.net>\r\n\r\nbody\r\n"
	must(t, cl.SendMail("poster@example.net", []string{"cop@example.org"}, strings.NewReader(msg)))
	cl.Close()

	seen := map[string]int{}
	count := func(cs []delivered) int {
		clear(seen)
		for _, c := range cs {
			if bytes.Contains(c.data, []byte("<shared@example.net>")) {
				seen[c.to]++
			}
		}
		return len(seen)
	}
	rec.waitFor(t, "a copy for every member", func(cs []delivered) bool { return count(cs) >= members })
	// Both nodes are idle once every copy is recorded.
	db, err := sql.Open("pgx", url)
	must(t, err)
	defer db.Close()
	for i := 0; ; i++ {
		var queued int
		must(t, db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE state <> 'done'`).Scan(&queued))
		if queued == 0 {
			break
		}
		if i == 300 {
			t.Fatalf("%d copies still not done", queued)
		}
		time.Sleep(100 * time.Millisecond)
	}
	count(rec.snapshot())
	for rcpt, n := range seen {
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
