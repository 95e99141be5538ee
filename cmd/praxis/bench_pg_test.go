package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os/exec"
	"testing"

	"praxis/listserv/store/pgtest"
)

// `praxis bench --only fanout --db` on PostgreSQL: the one-node fan-out,
// then the same split between two nodes on one database, each member's
// copy once (counts: the rates are the bench's to report, not a test's
// to assert on a busy machine); and the bench's own databases are gone
// afterwards.
func TestBenchFanoutOnPostgres(t *testing.T) {
	base := pgtest.Server(t)
	databases := func() int {
		db, err := sql.Open("pgx", base)
		must(t, err)
		defer db.Close()
		var n int
		must(t, db.QueryRow(`SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'praxis_bench_%'`).Scan(&n))
		return n
	}
	before := databases()
	cmd := exec.Command(binary, "bench", "--only", "fanout", "--members", "600", "--db", base, "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("praxis bench --only fanout --db: %v\n%s", err, stderr.String())
	}
	var res struct {
		Database   string   `json:"database"`
		Recipients int      `json:"fanout_recipients"`
		Fanout     float64  `json:"fanout_rcpts_per_s"`
		TwoNodes   *float64 `json:"fanout_two_nodes_rcpts_per_s"`
		Duplicates *int     `json:"fanout_two_nodes_duplicates"`
		Ingest     float64  `json:"ingest_msgs_per_s"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("bench JSON: %v\n%s", err, stdout.String())
	}
	if res.Database != "postgres" || res.Recipients != 600 {
		t.Errorf("database %q, fanout_recipients %d: want postgres, 600", res.Database, res.Recipients)
	}
	if res.Fanout <= 0 || res.TwoNodes == nil || *res.TwoNodes <= 0 {
		t.Errorf("fanout_rcpts_per_s %v, fanout_two_nodes_rcpts_per_s %v: want both figures", res.Fanout, res.TwoNodes)
	}
	if res.Duplicates == nil || *res.Duplicates != 0 {
		t.Errorf("fanout_two_nodes_duplicates %v, want 0", res.Duplicates)
	}
	if res.Ingest != 0 {
		t.Errorf("--only fanout ran the ingest: %v", res.Ingest)
	}
	if n := databases(); n != before {
		t.Errorf("%d bench databases left behind", n-before)
	}
}
