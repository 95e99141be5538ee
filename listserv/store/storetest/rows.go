package storetest

import (
	"crypto/sha256"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// TableRows reads a table whole, for a test that compares one
// installation in two databases (SQLite and PostgreSQL, after `praxis
// migrate`) by its own reading, apart from the copy's: each row as its
// columns by name and their values, text and bytes alike (the engines
// give either), a value longer than 64 bytes as its length and SHA-256;
// the rows sorted. cols is the select list: "*", or "rowid AS rowid, *"
// for SQLite's implicit key, which PostgreSQL's schema names.
func TableRows(t testing.TB, db *sql.DB, table, cols string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT ` + cols + ` FROM ` + table)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		fields := make([]string, len(names))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if s, ok := v.(string); ok && len(s) > 64 {
				v = fmt.Sprintf("%d bytes, sha256 %x", len(s), sha256.Sum256([]byte(s)))
			}
			fields[i] = fmt.Sprintf("%s=%#v", names[i], v)
		}
		sort.Strings(fields)
		out = append(out, strings.Join(fields, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	sort.Strings(out)
	return out
}
