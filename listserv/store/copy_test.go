package store_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
	"praxis/listserv/store/storetest"
)

// copyFixture is a row or more in every table of the schema, with the
// values the two engines hold differently: bytes with NUL and bytes that
// are not UTF-8 (BLOB/BYTEA), text values that are not UTF-8 (which
// PostgreSQL's text cannot hold, so the copy repairs them; one in a
// key), REAL, NULL,
// numbers past 32 bits, SQLite's implicit rowid (archive_refs), and a
// removed list, so sqlite_sequence is above the highest id.
var copyFixture = []string{
	`INSERT INTO secrets (name, value) VALUES ('web', 'c2VjcmV0'), ('unsubscribe', 'b3RoZXI=')`,
	`INSERT INTO lists (id, address, name, subscribe_policy, post_policy, archive_policy, prefix, created_at, time_zone)
		VALUES (1, 'cop@example.org', 'CoP', 'open', 'members', 'public', '[cop] ', 1700000000, 'Europe/Paris'),
		(2, 'café@bücher.example', 'Bücher', 'confirm', 'open', 'private', '', 1700000001, 'UTC'),
		(3, 'gone@example.org', 'Gone', 'open', 'open', 'public', '', 1700000002, 'UTC')`,
	`DELETE FROM lists WHERE id = 3`,
	`INSERT INTO members (id, list_id, address, address_key, name, role, delivery, bounce_score, created_at, moderated, warnings_sent)
		VALUES (1, 1, 'Ann@Example.net', 'ann@example.net', 'Ann Ö', 'owner', 'each', 2.5, 1700000100, 0, 0),
		(2, 1, 'bob@example.net', 'bob@example.net', '', 'member', 'digest', 0, 1700000101, 1, 2),
		(3, 2, 'ann@example.net', 'ann@example.net', '', 'member', 'each', 0.125, 1700000102, 0, 0)`,
	"INSERT INTO messages (id, list_id, list_address, kind, mail_from, rcpt, raw, state, message_id, from_addr, subject, received_at, updated_at) " +
		"VALUES (1, 1, 'cop@example.org', 'post', 'ann@example.net', 'cop@example.org', X'46726f6d3a20610d0a0d0a00ff0d0a', 'accepted', 'a@x', 'ann@example.net', 'hello', 1700000200, 1700000201), " +
		"(2, 1, 'cop@example.org', 'post', 'eve@example.net', 'cop@example.org', X'00', 'held', 'b@x', 'eve@example.net', CAST(X'43616665802100' AS TEXT), 1700000300, 1700000300), " +
		"(3, NULL, 'cop-request@example.org', 'request', 'bob@example.net', 'cop-request@example.org', X'', 'done', '', '', '', 1700000400, 1700000400)",
	`UPDATE lists SET spam_action = 'discard', spam_score = 7.25, blocklist_action = 'hold', spf_fail_action = 'accept' WHERE id = 2`,
	`UPDATE messages SET spam = '{"spf":"fail","spf_domain":"example.net","filter":"spamd","scored":true,"score":1003.5,"required":5,"over":true,"rules":["GTUBE"]}' WHERE id = 2`,
	`INSERT INTO deliveries (id, message_id, list_id, rcpt, mode, env_from, state, attempts, next_at, created_at, done_at, lease_node, lease_until)
		VALUES (1, 1, 1, 'ann@example.net', 'each', 'cop-bounces@example.org', 'done', 1, 1700000200, 1700000200, 1700000210, 'node-a', 0),
		(2, 1, 1, 'bob@example.net', 'each', 'cop-bounces@example.org', 'queued', 0, 1700000200, 1700000200, NULL, 'node-a:/srv/praxis', 1700000260),
		(3, 1, 1, 'carol@example.net', 'each', 'cop-bounces@example.org', 'queued', 2, 1700000500, 1700000200, NULL, '', 0)`,
	`INSERT INTO delivery_failures (list_id, rcpt, message_id, at, code, enhanced, text, permanent, scored)
		VALUES (1, 'carol@example.net', 1, 1700000210, 550, '5.1.1', 'no such user', 1, 0), (NULL, 'x@example.net', 3, 1700000410, 451, '', '', 0, 1)`,
	`INSERT INTO pending (token, list_id, kind, address, name, data, created_at, expires_at)
		VALUES ('tok1', 1, 'subscribe', 'dan@example.net', 'Dan', '{}', 1700000500, 1700600500), ('tok2', 1, 'held', 'eve@example.net', '', '2', 1700000300, 1701200300)`,
	`INSERT INTO bans (list_id, pattern, created_at) VALUES (1, '^.*@spam\.example$', 1700000600)`,
	`INSERT INTO rate_counters (key, day, n) VALUES ('confirm:dan@example.net', 19675, 3)`,
	`INSERT INTO dkim_keys (domain, selector, private_pem, created_at) VALUES ('example.org', 'praxis1', '-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIA==
-----END PRIVATE KEY-----
', 1700000700)`,
	"INSERT INTO archive_blobs (hash, raw) VALUES ('h1', X'46726f6d3a20610a0a626f6479000aff'), ('h2', X'5375626a6563743a20620a0a')",
	`INSERT INTO archive (id, list_id, message_id, hash, date, from_addr, from_name, subject, norm_subject, size, thread_id, parent_id, archived_at)
		VALUES (1, 1, 'a@x', 'h1', 1600000000, 'ann@example.net', 'Ann', 'hello', 'hello', 16, 'a@x', '', 1700000800),
		(2, 1, 'b@x', 'h2', 1600000100, 'bob@example.net', 'Bob', 'Re: hello', 'hello', 12, 'a@x', 'a@x', 1700000801),
		(5, 2, 'a@x', 'h1', 1600000000, 'ann@example.net', 'Ann', 'hello', 'hello', 16, 'a@x', '', 1700000802)`,
	`INSERT INTO index_log (pos, archive_id, at) VALUES (3, 1, 1700000800), (3, 2, 1700000801), (4, 5, 1700000802)`,
	`UPDATE index_clock SET pos = 4, log_id = 'the-installation-s-log'`,
	`INSERT INTO archive_refs (rowid, archive_id, list_id, ref) VALUES (7, 2, 1, 'a@x'), (8, 2, 1, 'ghost@x'), (20, 2, 1, 'older@x')`,
	"INSERT INTO archive_threads (list_id, thread_id, root_id, subject, posts, first_date, last_date) VALUES (1, 'a@x', 1, 'hello', 2, 1600000000, 1600000100), " +
		"(2, CAST(X'6240ff78' AS TEXT), 5, 'spam', 1, 1600000000, 1600000000)",
	`INSERT INTO archive_links (archive_id, list_id, url, date) VALUES (1, 1, 'https://example.org/ü', 1600000000)`,
	`INSERT INTO archive_removed (list_id, message_id, removed_at, removed_by, reason) VALUES (1, 'leak@x', 1700000850, 'command line (root)', 'a password')`,
	`INSERT INTO archive_removed_hashes (list_id, hash) VALUES (1, 'aa00000000000000000000000000000000000000000000000000000000000001')`,
	`INSERT INTO web_sessions (id_hash, address, created, expires) VALUES ('sess-hash', 'ann@example.net', 1700000900, 1800000900)`,
	`INSERT INTO web_signins_used (nonce, expires) VALUES ('nonce1', 1800000000)`,
	`INSERT INTO digest_runs (id, list_id, kind, period_start, period_end, volume, issue, state, created)
		VALUES (1, 1, 'digest', 1699920000, 1700006400, 1, 7, 'done', 1700006500)`,
	`INSERT INTO digest_sends (run_id, address_key, message_id) VALUES (1, 'bob@example.net', 3)`,
	`INSERT INTO signatures_seen (key, spool_id, expires_at) VALUES ('sig1', 3, 1700100000)`,
	`INSERT INTO app_passwords (list_id, address_key, hash, created_at) VALUES (1, 'ann@example.net', '$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA', 1700001000)`,
	`INSERT INTO imap_flags (list_id, address_key, archive_id, flags) VALUES (1, 'ann@example.net', 1, '\Flagged \Seen')`,
	`INSERT INTO imap_sizes (archive_id, size) VALUES (1, 17), (2, 13), (5, 17)`,
	`INSERT INTO related_threads (list_id, thread_id, rank, related_id, score, made_at) VALUES (1, 'b@x', 0, 'a@x', 0.42, 1700001500)`,
	`INSERT INTO answers (list_id, thread_id, question_id, answer_id, title, question, gist, asker, answer_by, terms, asked_at, answered_at, score)
		VALUES (1, 'a@x', 'a@x', 'b@x', 'hello', 'How?', 'Like so.', 'Ann', 'Bob', '
hello
', 1600000000, 1600000100, 2.5)`,
	`INSERT INTO answers_state (list_id, upto_id) VALUES (1, 2)`,
	`INSERT INTO answers_judged (list_id, thread_id, post_id, edits) VALUES (1, 'a@x', 5000000000, 1)`,
	`INSERT INTO answer_edits (id, list_id, thread_id, at, actor, action, value) VALUES (1, 1, 'a@x', 1700001600, 'web (mod@example.net)', 'retitle', 'Saying hello')`,
	`INSERT INTO post_features (archive_id, version, own, terms, flags) VALUES (1, 1, 'body ü', 'hello bodi ü', 2147483653)`,
	`INSERT INTO imap_ingested (source, uidvalidity, uid, spool_id, state, reason, acted, taken_at, copy_uidvalidity, copy_uidnext)
		VALUES ('imaps://u@h/INBOX', 4294967295, 1, 1, 'posted', '', 1, 1700001100, 0, 0), ('imaps://u@h/INBOX', 4294967295, 2, NULL, 'refused', 'too big', 0, 1700001101, 7, 40)`,
	`INSERT INTO imap_ingest_sources (source, list_address, uidvalidity, start_uid, last_uid, updated_at) VALUES ('imaps://u@h/INBOX', 'cop@example.org', 4294967295, 1, 2, 1700001102)`,
	"INSERT INTO imap_headers (hash, head) VALUES ('h1', X'46726f6d3a20610a0a')",
	`INSERT INTO job_runs (job, period, node, ran_at) VALUES ('held-expiry', '2023-11-14', 'node-a:42', 1700001200)`,
	`INSERT INTO nodes (name, version, listeners, started_at, last_seen, stopped_at)
		VALUES ('host-a:/var/lib/praxis', 'v1', 'smtp=127.0.0.1:2525 http=127.0.0.1:8080', 1700001300, 1700001360, 0)`,
	`INSERT INTO leases (name, holder, until_ms) VALUES ('imap-ingest imaps://u@h/INBOX', 'host-a:/var/lib/praxis', 1700001390123)`,
	`INSERT INTO rate_buckets (key, tokens, seen_ms, full_ms, took) VALUES ('signin:192.0.2.1', 2.75, 1700001300500, 1700001400500, 1)`,
	`INSERT INTO audit_log (id, list_id, at, actor, via, action, target, detail)
		VALUES (1, 1, 1700001400, 'ann@example.net', 'web', 'member set', 'bob@example.net', 'role: "member" → "moderator"')`,
	`INSERT INTO job_last_runs (job, node, ran_at, error) VALUES ('held-expiry', 'node-a:42', 1700001200, ''), ('digests', 'node-a:42', 1700001201, 'smtp: 451')`,
}

// check stops the test at a step that failed.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixtureStore is a SQLite store in a new data dir holding copyFixture.
func fixtureStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	check(t, err)
	t.Cleanup(func() { s.Close() })
	for _, q := range copyFixture {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", strings.SplitN(q, "\n", 2)[0], err)
		}
	}
	return s
}

func openPGStore(t *testing.T, url string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "", store.Options{DB: url})
	check(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// sqliteTables lists the tables in SQLite's schema, read here and not
// through the copy.
func sqliteTables(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	check(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		check(t, rows.Scan(&name))
		out = append(out, name)
	}
	check(t, rows.Err())
	return out
}

// TestCopyEveryTable copies a SQLite installation with rows in every
// table into PostgreSQL: every table of the schema is copied or skipped
// on purpose, every row arrives as it was (ids, NULLs, bytes, REAL, text
// outside UTF-8 repaired and counted), new ids go on past the
// installation's, and a second run finds everything there and writes
// nothing.
func TestCopyEveryTable(t *testing.T) {
	ctx := context.Background()
	src := fixtureStore(t)
	url := pgtest.URL(t)
	dst := openPGStore(t, url)

	var steps []store.CopyProgress
	got, err := store.CopyInto(ctx, src, dst, func(p store.CopyProgress) { steps = append(steps, p) })
	check(t, err)
	byTable := map[string]store.TableCopy{}
	for _, tc := range got {
		byTable[tc.Table] = tc
	}
	for _, name := range sqliteTables(t, src) {
		tc, copied := byTable[name]
		_, skipped := store.CopySkipped[name]
		switch {
		case strings.HasPrefix(name, "sqlite_"):
		case skipped && copied:
			t.Errorf("table %s is both skipped and copied", name)
		case skipped:
		case !copied:
			t.Errorf("table %s is in the schema but neither copied nor skipped on purpose (copySkipped)", name)
		case tc.Rows == 0:
			t.Errorf("table %s has no rows in copyFixture: give it some, so its copy is tested", name)
		}
		delete(byTable, name)
	}
	for name := range byTable {
		t.Errorf("copied a table %s that the schema does not have", name)
	}
	for _, tc := range got {
		want := int64(0)
		switch tc.Table {
		case "messages":
			want = 1 // the subject X'43616665802100'
		case "archive_threads":
			want = 1 // the thread id X'6240ff78', part of the key
		}
		if tc.Repaired != want {
			t.Errorf("%s: %d text values repaired, want %d", tc.Table, tc.Repaired, want)
		}
		cols := "*"
		if tc.Table == "archive_refs" {
			cols = "rowid AS rowid, *"
		}
		srcRows, dstRows := storetest.TableRows(t, src.DB(), tc.Table, cols), storetest.TableRows(t, dst.DB(), tc.Table, "*")
		for i, r := range srcRows {
			// %#v writes the bytes that are not UTF-8 and the NUL escaped.
			r = strings.ReplaceAll(r, `"Cafe\x80!\x00"`, "\"Cafe\uFFFD!\"")
			srcRows[i] = strings.ReplaceAll(r, `"b@\xffx"`, "\"b@\uFFFDx\"")
		}
		if !slices.Equal(srcRows, dstRows) {
			t.Errorf("%s differs:\nSQLite     %q\nPostgreSQL %q", tc.Table, srcRows, dstRows)
		}
	}
	for _, step := range []string{"copy", "verify"} {
		if !slices.ContainsFunc(steps, func(p store.CopyProgress) bool {
			return p.Step == step && p.Table == "archive" && p.Done == 3 && p.Total == 3
		}) {
			t.Errorf("no progress report of %s: archive, 3 of 3: %v", step, steps)
		}
	}

	// Again: everything is there already.
	again, err := store.CopyInto(ctx, src, dst, nil)
	check(t, err)
	for _, tc := range again {
		if tc.Copied != 0 {
			t.Errorf("the second run copied %d rows of %s", tc.Copied, tc.Table)
		}
	}

	// Ids go on past the installation's: past the removed list's too.
	l := &store.List{Address: "new@example.org", Name: "New"}
	check(t, dst.CreateList(ctx, l))
	if l.ID != 4 {
		t.Errorf("a new list in PostgreSQL has id %d, want 4 (3 was the removed list's)", l.ID)
	}
	var rowid int64
	check(t, dst.DB().QueryRow(`INSERT INTO archive_refs (archive_id, list_id, ref) VALUES (1, 1, 'r') RETURNING rowid`).Scan(&rowid))
	if rowid != 21 {
		t.Errorf("a new reference has rowid %d, want 21", rowid)
	}
}

// TestCopyStoppedHalfWay: a copy stopped in the middle of a table (its
// batches a row or two) is run again and completes, and the rows it had
// written are not written twice.
func TestCopyStoppedHalfWay(t *testing.T) {
	defer func(n int) { *store.CopyBatchRows = n }(*store.CopyBatchRows)
	*store.CopyBatchRows = 2
	src := fixtureStore(t)
	dst := openPGStore(t, pgtest.URL(t))
	ctx, cancel := context.WithCancel(context.Background())
	_, err := store.CopyInto(ctx, src, dst, func(p store.CopyProgress) {
		if p.Step == "copy" && p.Table == "archive_refs" && p.Done == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a copy stopped half-way: %v", err)
	}
	var refs int
	check(t, dst.DB().QueryRow(`SELECT COUNT(*) FROM archive_refs`).Scan(&refs))
	if refs != 2 {
		t.Fatalf("%d references in PostgreSQL after the stop, want the first batch of 2", refs)
	}
	got, err := store.CopyInto(context.Background(), src, dst, nil)
	check(t, err)
	for _, tc := range got {
		if tc.Table == "archive_refs" && (tc.Rows != 3 || tc.Copied != 1) {
			t.Errorf("the second run: archive_refs %d rows, %d copied; want 3 and 1", tc.Rows, tc.Copied)
		}
	}
}

// TestCopyRefusesAnotherInstallation: a database that holds another
// installation's rows (a list of the same address under another id, a
// secret of its own) is refused before anything is written.
func TestCopyRefusesAnotherInstallation(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		other []string
		want  string
	}{
		{"list", []string{`INSERT INTO lists (id, address, name, subscribe_policy, post_policy, archive_policy, prefix, created_at)
			VALUES (7, 'cop@example.org', 'CoP', 'open', 'members', 'public', '', 1700000000)`}, "lists (id=7)"},
		{"secret", []string{`INSERT INTO secrets (name, value) VALUES ('web', 'b3RoZXI=')`}, "secrets (name=web) is in both, not the same"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := openPGStore(t, pgtest.URL(t))
			for _, q := range tc.other {
				_, err := dst.DB().Exec(q)
				check(t, err)
			}
			_, err := store.CopyInto(ctx, fixtureStore(t), dst, nil)
			if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("copy into another installation's database: %v, want store.ErrConflict naming %s", err, tc.want)
			}
			var n int
			check(t, dst.DB().QueryRow(`SELECT (SELECT COUNT(*) FROM lists) + (SELECT COUNT(*) FROM members) + (SELECT COUNT(*) FROM secrets)`).Scan(&n))
			if n != len(tc.other) {
				t.Errorf("%d rows in the database after the refusal, want its own %d", n, len(tc.other))
			}
		})
	}
}

// TestCopyComparesAtTheEnd: a table that PostgreSQL holds otherwise once
// the copy is written (here changed by another hand just before the
// comparison: a row gone, a value changed) fails the copy, naming it.
func TestCopyComparesAtTheEnd(t *testing.T) {
	src := fixtureStore(t)
	dst := openPGStore(t, pgtest.URL(t))
	_, err := store.CopyInto(context.Background(), src, dst, func(p store.CopyProgress) {
		if p.Step == "verify" && p.Done == 0 && p.Table == "lists" {
			_, err := dst.DB().Exec(`UPDATE members SET name = 'Someone else' WHERE id = 2`)
			check(t, err)
			_, err = dst.DB().Exec(`DELETE FROM bans`)
			check(t, err)
		}
	})
	if !errors.Is(err, store.ErrMismatch) {
		t.Fatalf("a copy that differs at the end: %v, want ErrMismatch", err)
	}
	for _, want := range []string{"bans: 1 rows in the installation, 0 in PostgreSQL", "members: 3 rows on both sides, but not the same contents"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not say %q", err, want)
		}
	}
}

// TestCopyOneAtATime: while one copy runs into a database (its lock held
// here), another is refused instead of interleaving with it.
func TestCopyOneAtATime(t *testing.T) {
	url := pgtest.URL(t)
	dst := openPGStore(t, url)
	other, err := sql.Open("pgx", url)
	check(t, err)
	defer other.Close()
	conn, err := other.Conn(context.Background())
	check(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(context.Background(), `SELECT pg_advisory_lock(hashtextextended('praxis migrate', 0))`)
	check(t, err)
	if _, err := store.CopyInto(context.Background(), fixtureStore(t), dst, nil); err == nil || !strings.Contains(err.Error(), "another praxis migrate") {
		t.Fatalf("a copy beside another: %v", err)
	}
	var n int
	check(t, dst.DB().QueryRow(`SELECT COUNT(*) FROM lists`).Scan(&n))
	if n != 0 {
		t.Errorf("%d lists copied beside another copy", n)
	}
}

// TestCopyReplacesSeeds: rows that PostgreSQL's migrations wrote in the
// transaction that applied them (a counter's first value, say) are the
// schema's: where the installation has them otherwise, or not at all, its
// own replace them. Once a node has changed such a row, it is the
// database's, and a difference is a conflict again.
func TestCopyReplacesSeeds(t *testing.T) {
	ctx := context.Background()
	seed := func(t *testing.T, dst *store.Store) {
		t.Helper()
		// As a migration would: in the transaction that records it.
		tx, err := dst.DB().Begin()
		check(t, err)
		defer tx.Rollback()
		for _, q := range []string{
			`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`,
			`INSERT INTO secrets (name, value) VALUES ('web', 'seeded')`,
			`INSERT INTO job_last_runs (job, node, ran_at) VALUES ('seeded-job', '', 0)`,
		} {
			_, err := tx.Exec(q)
			check(t, err)
		}
		check(t, tx.Commit())
	}
	t.Run("replaced", func(t *testing.T) {
		src, dst := fixtureStore(t), openPGStore(t, pgtest.URL(t))
		seed(t, dst)
		got, err := store.CopyInto(ctx, src, dst, nil)
		check(t, err)
		for _, tc := range got {
			if (tc.Table == "secrets" || tc.Table == "job_last_runs") && tc.Copied != tc.Rows {
				t.Errorf("%s: %d of %d rows copied", tc.Table, tc.Copied, tc.Rows)
			}
		}
		var web string
		check(t, dst.DB().QueryRow(`SELECT value FROM secrets WHERE name = 'web'`).Scan(&web))
		var seeded int
		check(t, dst.DB().QueryRow(`SELECT COUNT(*) FROM job_last_runs WHERE job = 'seeded-job'`).Scan(&seeded))
		if web != "c2VjcmV0" || seeded != 0 {
			t.Errorf("after the copy: the web secret %q, %d seeded jobs; want the installation's and none", web, seeded)
		}
	})
	t.Run("changed since", func(t *testing.T) {
		src, dst := fixtureStore(t), openPGStore(t, pgtest.URL(t))
		seed(t, dst)
		_, err := dst.DB().Exec(`UPDATE job_last_runs SET node = 'node-b', ran_at = 1700002000 WHERE job = 'seeded-job'`)
		check(t, err)
		if _, err := store.CopyInto(ctx, src, dst, nil); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "job_last_runs (job=seeded-job)") {
			t.Fatalf("a seed a node changed: %v, want ErrConflict naming it", err)
		}
		var web string
		check(t, dst.DB().QueryRow(`SELECT value FROM secrets WHERE name = 'web'`).Scan(&web))
		if web != "seeded" {
			t.Errorf("the refused copy changed the seeded secret to %q", web)
		}
	})
}

// TestRenameIndexLog: the statement README gives for a database restored
// by pg_restore, and the one ForgetProcesses runs on SQLite, each give
// the index log a new name.
func TestRenameIndexLog(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(t *testing.T) *store.Store{
		"sqlite":   func(t *testing.T) *store.Store { return fixtureStore(t) },
		"postgres": func(t *testing.T) *store.Store { return openPGStore(t, pgtest.URL(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			before, err := s.IndexLogID(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if name == "postgres" {
				_, err = s.DB().ExecContext(ctx, store.RenameIndexLog)
			} else {
				err = s.ForgetProcesses(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			if after, err := s.IndexLogID(ctx); err != nil || after == before || after == "" {
				t.Errorf("index log %q, then %q (%v): want a new name", before, after, err)
			}
		})
	}
}
