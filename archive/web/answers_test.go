package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"praxis/archive"
)

// TestAnswersLibrary: a question whose asker confirmed an answer is in
// the list's library (page, JSON, Atom) with the answer's gist and who
// gave it; searching, a key term and a year choose among entries; a
// question nobody confirmed is not there; a private list's library is
// not shown to a visitor (TestPrivateList).
func TestAnswersLibrary(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	must(t, err)
	for _, raw := range [][]byte{
		post("c1@example.net", "Alice <alice@example.net>", "Re: How to calibrate the lathe?", "Mon, 1 Mar 2021 14:00:00 +0000",
			"Thanks, that did it: the lathe holds its setting now.\n", "In-Reply-To: <a1@example.net>", "References: <q1@example.net> <a1@example.net>"),
		post("q5@example.net", "Alice <alice@example.net>", "Which oil for the mill?", "Tue, 6 Apr 2021 10:00:00 +0000",
			"Which oil should I use for the mill's gearbox?\n"),
		post("a5@example.net", "Mod <mod@example.net>", "Re: Which oil for the mill?", "Tue, 6 Apr 2021 11:00:00 +0000",
			"Any ISO 68 gear oil will do.\n", "In-Reply-To: <q5@example.net>", "References: <q5@example.net>"),
	} {
		must(t, f.svc.Archiver().Archive(ctx, l, raw, ""))
	}
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	base := f.ts.URL + "/l/cop@example.org/answers"
	status, body, _ := get(t, c, base)
	if status != 200 || !strings.Contains(body, "How to calibrate the lathe?") || !strings.Contains(body, "Tighten the gib screws") ||
		!strings.Contains(body, "Answered by Mod") || !strings.Contains(body, "/l/cop@example.org/t/q1@example.net") {
		t.Fatalf("the library: %d\n%s", status, fragment(t, body, "<main", "</main>"))
	}
	if strings.Contains(body, "Which oil") {
		t.Error("a question nobody confirmed is in the library")
	}
	for q, want := range map[string]bool{"?q=gib": true, "?q=gearbox": false, "?q=s:lathe": true, "?year=2021": true, "?year=2020": false,
		"?term=lathe": true, "?term=oil": false, "?sort=date": true} {
		_, body, _ := get(t, c, base+q)
		if got := strings.Contains(body, "How to calibrate the lathe?"); got != want {
			t.Errorf("%s: shows the entry %v, want %v", q, got, want)
		}
	}
	if status, body, _ := get(t, c, base+"?q=%22unclosed"); status != 400 || !strings.Contains(body, "role=\"alert\"") {
		t.Errorf("a bad query: %d", status)
	}
	_, body, _ = get(t, c, f.ts.URL+"/api/l/cop@example.org/answers")
	var api struct {
		Answers []apiAnswer `json:"answers"`
	}
	if err := json.Unmarshal([]byte(body), &api); err != nil || len(api.Answers) != 1 || api.Answers[0].AnswerBy != "Mod" ||
		api.Answers[0].ThreadID != "q1@example.net" || !strings.Contains(api.Answers[0].Gist, "gib") {
		t.Errorf("the JSON: %v %s", err, body)
	}
	_, body, _ = get(t, c, base+".atom")
	if !strings.Contains(body, "<feed") || !strings.Contains(body, "How to calibrate the lathe?") {
		t.Errorf("the feed:\n%s", body)
	}
}
