package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDBFlagErrors: a --db that is not PostgreSQL, or a PostgreSQL that
// does not answer, is a clear error that never shows the password.
func TestDBFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--db", "mysql://praxis:s3cret@db.example/lists", "list", "ls"}, "not a postgres:// URL"},
		{"mysql://praxis:s3cret@db.example/lists", []string{"list", "ls"}, "not a postgres:// URL"},
		// Port 1 on loopback: nothing listens there.
		{"", []string{"--db", "postgres://praxis:s3cret@127.0.0.1:1/lists?connect_timeout=5", "list", "ls"}, "postgres://praxis:xxxxx@127.0.0.1:1/lists"},
	} {
		t.Setenv("PRAXIS_DB", tc.env)
		var out, errOut bytes.Buffer
		code := run(append([]string{"--data", t.TempDir()}, tc.args...), &out, &errOut)
		if code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v (PRAXIS_DB %q): exit %d, stderr %q; want an error with %q", tc.args, tc.env, code, errOut.String(), tc.want)
		}
		if strings.Contains(errOut.String(), "s3cret") {
			t.Errorf("%v: the password is in the error: %s", tc.args, errOut.String())
		}
	}
}
