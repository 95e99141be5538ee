package main

import (
	"database/sql"
	"testing"

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
