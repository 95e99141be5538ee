package web

import (
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// fuzzyWords is the security test's attack: n different words of size
// random letters, each with ~2, ORed. Bleve builds a Levenshtein automaton
// for each on each field, at a cost that grows with the word and not with
// the archive: 64 words of 600 letters used ~6 CPU-seconds per request on
// a 40-post archive until the deadline cut it.
func fuzzyWords(n, size int) string {
	r := rand.New(rand.NewSource(5))
	ws := make([]string, n)
	for i := range ws {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte('a' + r.Intn(26))
		}
		ws[i] = string(b) + "~2"
	}
	return strings.Join(ws, " OR ")
}

// Every search entry point refuses the attack, and its variant of many
// short fuzzy words, with a 400 that says why, before any automaton is
// built; a fuzzy word as people type it still finds its post.
func TestFuzzyAttackRefused(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	tests := []struct {
		q      string
		status int
		want   string
	}{
		{fuzzyWords(64, 600), http.StatusBadRequest, "600 characters long, more than 100"},
		{fuzzyWords(64, 30), http.StatusBadRequest, "more than 4 fuzzy (word~) and wildcard (word*) words"},
		{"lathr~1", http.StatusOK, "calibrate"},
	}
	for _, p := range []string{"/l/cop@example.org/search?q=", "/l/cop@example.org/search.atom?q=", "/l/cop@example.org/search.mbox?q=", "/api/l/cop@example.org/search?q="} {
		for _, tt := range tests {
			status, body, _ := get(t, c, f.ts.URL+p+url.QueryEscape(tt.q))
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%s%.40s…: %d %.200s; want %d saying %q", p, tt.q, status, body, tt.status, tt.want)
			}
		}
	}
}
