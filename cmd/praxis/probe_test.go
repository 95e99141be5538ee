package main

import (
	"testing"

	"praxis/listserv/store"
)

// probe runs a read-only query that no store method answers — invariants
// of the archive's own tables, checked against a real import — and hands
// each row to each. It is the one place these tests read the schema, and
// any error fails the test: a dropped error would read as "no rows".
func probe(t *testing.T, st *store.Store, each func(scan func(...any) error) error, q string, args ...any) {
	t.Helper()
	rows, err := st.DB().Query(st.Rebind(q), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// must stops the test at a setup step that failed.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
