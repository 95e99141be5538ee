package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"praxis/archive"
	"praxis/listserv/store"
)

// addPosts archives posts on a list of the fixture and brings its index
// up to date, as serve's indexer would.
func (f *archiveFixture) addPosts(t *testing.T, list string, raws ...[]byte) {
	t.Helper()
	ctx := context.Background()
	l, err := f.svc.List(ctx, list)
	must(t, err)
	for _, raw := range raws {
		must(t, f.svc.Archiver().Archive(ctx, l, raw, ""))
	}
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

// latheConfirmed is Alice's confirmation of the fixture's lathe answer,
// which puts that thread in the library; millAsked a question of hers
// Mod answered and nobody confirmed.
func latheConfirmed() []byte {
	return post("c1@example.net", "Alice <alice@example.net>", "Re: How to calibrate the lathe?", "Mon, 1 Mar 2021 14:00:00 +0000",
		"Thanks, that did it: the lathe holds its setting now.\n", "In-Reply-To: <a1@example.net>", "References: <q1@example.net> <a1@example.net>")
}

func millAsked() [][]byte {
	return [][]byte{
		post("q5@example.net", "Alice <alice@example.net>", "Which oil for the mill?", "Tue, 6 Apr 2021 10:00:00 +0000",
			"Which oil should I use for the mill's gearbox?\n"),
		post("a5@example.net", "Mod <mod@example.net>", "Re: Which oil for the mill?", "Tue, 6 Apr 2021 11:00:00 +0000",
			"Any ISO 68 gear oil will do.\n", "In-Reply-To: <q5@example.net>", "References: <q5@example.net>"),
	}
}

// TestAnswersLibrary: a question whose asker confirmed an answer is in
// the list's library (page, JSON, Atom) with the answer's gist and who
// gave it; searching, a key term and a year choose among entries; a
// question nobody confirmed is not there; a private list's library is
// not shown to a visitor (TestPrivateList).
func TestAnswersLibrary(t *testing.T) {
	f := newArchiveFixture(t)
	f.addPosts(t, "cop@example.org", append(append([][]byte{latheConfirmed()}, millAsked()...),
		// An answer that names an address: shown to members only.
		post("q6@example.net", "Alice <alice@example.net>", "Where is the lathe manual?", "Wed, 7 Apr 2021 10:00:00 +0000",
			"Where can I get the manual of the old lathe?\n"),
		post("a6@example.net", "Mod <mod@example.net>", "Re: Where is the lathe manual?", "Wed, 7 Apr 2021 11:00:00 +0000",
			"Write to keeper@manuals.example, who scans the old lathe manuals for members.\n", "In-Reply-To: <q6@example.net>", "References: <q6@example.net>"),
		post("c6@example.net", "Alice <alice@example.net>", "Re: Where is the lathe manual?", "Wed, 7 Apr 2021 15:00:00 +0000",
			"Thanks, that did it: the manual came today.\n", "In-Reply-To: <a6@example.net>", "References: <q6@example.net> <a6@example.net>"),
	)...)
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
	if !strings.Contains(body, "Where is the lathe manual?") || strings.Contains(body, "keeper@manuals.example") {
		t.Errorf("the library shows a visitor an address, or misses the entry:\n%s", fragment(t, body, "<main", "</main>"))
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
	_, body, _ = get(t, c, f.ts.URL+"/api/l/cop@example.org/answers?q=gib")
	var api struct {
		Answers []apiAnswer `json:"answers"`
	}
	if err := json.Unmarshal([]byte(body), &api); err != nil || len(api.Answers) != 1 || api.Answers[0].AnswerBy != "Mod" ||
		api.Answers[0].ThreadID != "q1@example.net" || !strings.Contains(api.Answers[0].Gist, "gib") {
		t.Errorf("the JSON: %v %s", err, body)
	}
	if _, body, _ = get(t, c, f.ts.URL+"/api/l/cop@example.org/answers"); strings.Contains(body, "keeper@manuals.example") {
		t.Error("the JSON shows a visitor an address")
	}
	if _, body, _ = get(t, c, base+".atom"); strings.Contains(body, "keeper@manuals.example") {
		t.Error("the feed shows a visitor an address")
	}
	member := f.client(t)
	f.signIn(t, member, "alice@example.net")
	if _, body, _ = get(t, member, base); !strings.Contains(body, "keeper@manuals.example") {
		t.Error("a member signed in does not see the address the answer gave")
	}
	_, body, _ = get(t, c, base+".atom")
	if !strings.Contains(body, "<feed") || !strings.Contains(body, "How to calibrate the lathe?") {
		t.Errorf("the feed:\n%s", body)
	}
}

// TestAnswersCorrected: a moderator marks a thread answered, picks its
// best answer, retitles an entry and unmarks another, from the thread's
// page and the library's; each change is kept with who made it and
// outlasts the library judging the threads again; members see no form,
// and a forged or missing token changes nothing.
func TestAnswersCorrected(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	must(t, err)
	f.addPosts(t, "cop@example.org", append(append([][]byte{latheConfirmed()}, millAsked()...),
		post("a6@example.net", "Mod <mod@example.net>", "Re: Which oil for the mill?", "Tue, 6 Apr 2021 12:00:00 +0000",
			"Or ask the maker for its own oil.\n", "In-Reply-To: <q5@example.net>", "References: <q5@example.net>"))...)
	library := func(c *http.Client) string {
		_, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/answers")
		return body
	}
	thread := f.ts.URL + "/l/cop@example.org/t/" + url.PathEscape("q5@example.net")
	edit := f.ts.URL + "/l/cop@example.org/admin/answers"

	member := f.client(t)
	f.signIn(t, member, "alice@example.net")
	if _, body, _ := get(t, member, thread); strings.Contains(body, "Mark answered") || strings.Contains(body, "Best answer") {
		t.Error("a member sees the moderators' forms")
	}
	_, body, _ := get(t, member, thread)
	token := csrfRe.FindStringSubmatch(body)[1]
	if status, _, _ := postForm(t, member, edit, url.Values{"csrf": {token}, "thread": {"q5@example.net"}, "action": {"mark"}}); status != 404 {
		t.Errorf("a member's correction: %d, want 404", status)
	}

	mod := f.client(t)
	f.signIn(t, mod, "mod@example.net")
	_, body, _ = get(t, mod, thread)
	if !strings.Contains(body, "Mark answered") || strings.Count(body, ">Best answer<") != 2 {
		t.Fatalf("the moderator's thread page lacks its forms:\n%s", fragment(t, body, "<main", "</main>"))
	}
	token = csrfRe.FindStringSubmatch(body)[1]
	do := func(v url.Values) int {
		t.Helper()
		v.Set("csrf", token)
		status, _, _ := postForm(t, mod, edit, v)
		return status
	}
	if status, _, _ := postForm(t, mod, edit, url.Values{"csrf": {"forged"}, "thread": {"q5@example.net"}, "action": {"mark"}}); status == http.StatusSeeOther {
		t.Error("a forged token was taken")
	}
	if strings.Contains(library(mod), "Which oil") {
		t.Fatal("the unconfirmed question is in the library before any correction")
	}
	for _, v := range []url.Values{
		{"thread": {"q5@example.net"}, "action": {"pick"}, "value": {"a6@example.net"}},
		{"thread": {"q1@example.net"}, "action": {"retitle"}, "value": {"Calibrating a lathe that drifts"}},
	} {
		if status := do(v); status != http.StatusSeeOther {
			t.Fatalf("%v: %d", v, status)
		}
	}
	for _, bad := range []url.Values{
		{"thread": {"q5@example.net"}, "action": {"pick"}, "value": {"q5@example.net"}}, // the question itself
		{"thread": {"q5@example.net"}, "action": {"retitle"}, "value": {strings.Repeat("x", 201)}},
		{"thread": {"q5@example.net"}, "action": {"delete"}},
	} {
		if status := do(bad); status != 400 {
			t.Errorf("%v: %d, want 400", bad, status)
		}
	}
	check := func(when string) {
		t.Helper()
		body := library(mod)
		if !strings.Contains(body, "Which oil for the mill?") || !strings.Contains(body, "ask the maker") || strings.Contains(body, "ISO 68") {
			t.Errorf("%s: the picked answer is not the entry's:\n%s", when, fragment(t, body, "<main", "</main>"))
		}
		if !strings.Contains(body, "Calibrating a lathe that drifts") {
			t.Errorf("%s: the retitled entry is not there", when)
		}
	}
	check("after the corrections")

	// Judged again from scratch (as after new rules or a reindex): the
	// corrections hold.
	must(t, f.svc.Store().Reindex(ctx, l.ID))
	if _, err := f.svc.Store().DB().Exec(`DELETE FROM answers; DELETE FROM answers_state`); err != nil {
		t.Fatal(err)
	}
	check("after judging again")

	if status := do(url.Values{"thread": {"q1@example.net"}, "action": {"unmark"}, "back": {"answers"}}); status != http.StatusSeeOther {
		t.Fatalf("unmark: %d", status)
	}
	if strings.Contains(library(mod), "lathe") {
		t.Error("an unmarked entry is still in the library")
	}
	edits, err := f.svc.Store().AnswerEdits(ctx, l.ID, "q5@example.net")
	must(t, err)
	if len(edits) != 1 || edits[0].Actor != "web (mod@example.net)" || edits[0].Action != "pick" {
		t.Errorf("kept corrections: %+v", edits)
	}
}

// holdMakings makes srv's answers libraries through a making that waits,
// once it has begun, for a value on the returned channel (true: make it
// as answers.Update does; false: fail).
func holdMakings(t *testing.T, f *archiveFixture) (begun chan int64, release chan bool) {
	t.Helper()
	begun, release = make(chan int64, 16), make(chan bool)
	real := f.srv.libraries.update
	f.srv.libraries.update = func(ctx context.Context, l *store.List) error {
		begun <- l.ID
		select {
		case ok := <-release:
			if !ok {
				return errors.New("the store is gone")
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		return real(ctx, l)
	}
	return begun, release
}

// TestAnswersReadersDoNotQueue: once a list's library has been made, a
// reader is shown it while another request is bringing it up to date,
// rather than waiting for that one; a list whose library was never made
// waits for its making (it would show an empty one), up to LibraryWait.
func TestAnswersReadersDoNotQueue(t *testing.T) {
	f := newArchiveFixture(t)
	f.addPosts(t, "cop@example.org", latheConfirmed())
	f.srv.cfg.LibraryWait = time.Hour // a reader waits for the making to end
	c := f.client(t)
	base := f.ts.URL + "/l/cop@example.org/answers"
	if status, body, _ := get(t, c, base); status != 200 || !strings.Contains(body, "How to calibrate the lathe?") {
		t.Fatalf("the library: %d", status)
	}
	begun, release := holdMakings(t, f)
	// Another request's making of the library made, held. (Started here,
	// not by a request: one client's requests take their turns at the
	// cores one after the other.)
	l := mustList(t, f, "cop@example.org")
	f.srv.libraries.start(l)
	<-begun
	// A reader is shown the library as it stood at once.
	if _, body, _ := get(t, c, base); !strings.Contains(body, "How to calibrate the lathe?") || strings.Contains(body, "still being made") {
		t.Errorf("the library as it stood is not shown:\n%s", fragment(t, body, "<main", "</main>"))
	}
	release <- true

	// A library never made: the reader waits for the making under way.
	done := make(chan struct{})
	go func() {
		get(t, c, f.ts.URL+"/l/other@example.org/answers")
		close(done)
	}()
	<-begun
	select {
	case <-done:
		t.Error("a reader of a library never made did not wait for its making")
	case <-time.After(300 * time.Millisecond):
	}
	release <- true
	<-done
}

// idle waits until no making of list's library runs (polled: a making
// released may still be writing when the test goes on).
func idle(t *testing.T, f *archiveFixture, list string) (made bool) {
	t.Helper()
	m := f.srv.libraries.of(mustList(t, f, list).ID)
	for i := 0; ; i++ {
		m.mu.Lock()
		running, made := m.running != nil, m.made
		m.mu.Unlock()
		if !running {
			return made
		}
		if i == 6000 {
			t.Fatalf("the making of %s never ended", list)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAnswersLibraryMadeApart: a library whose making outlasts
// LibraryWait is shown as it stands, saying it is still being made (the
// page, the people page, and "updating" in the API), while the making
// goes on without the reader; once made, the pages show its entries and
// say nothing more. A making that fails is the page's error for a reader
// of a library never made, who waits for it, and the next reader starts
// another; a library made before is shown as it stood. One making runs
// at a time, whatever the lists. Shutdown ends a making under way.
func TestAnswersLibraryMadeApart(t *testing.T) {
	f := newArchiveFixture(t)
	f.addPosts(t, "cop@example.org", latheConfirmed())
	f.srv.cfg.LibraryWait = 50 * time.Millisecond
	begun, release := holdMakings(t, f)
	c := f.client(t)
	base := f.ts.URL + "/l/cop@example.org/answers"
	other := mustList(t, f, "other@example.org").ID

	status, body, _ := get(t, c, base) // the making is held throughout
	<-begun
	if status != 200 || !strings.Contains(body, "still being made") || strings.Contains(body, "How to calibrate the lathe?") {
		t.Errorf("a library being made: %d\n%s", status, fragment(t, body, "<main", "</main>"))
	}
	if strings.Contains(body, "No answer yet") {
		t.Error("a library being made says it has no answer yet")
	}
	_, js, _ := get(t, c, f.ts.URL+"/api/l/cop@example.org/answers")
	if !strings.Contains(js, `"updating":true`) {
		t.Errorf("the API does not say the library is being made: %s", js)
	}
	if _, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/people"); !strings.Contains(body, "still being made") {
		t.Errorf("the people page does not say the library is being made:\n%s", fragment(t, body, "<main", "</main>"))
	}
	// Another list's reader: its making waits for the one under way.
	if _, body, _ := get(t, c, f.ts.URL+"/l/other@example.org/answers"); !strings.Contains(body, "still being made") {
		t.Errorf("another list's library, its making waiting:\n%s", fragment(t, body, "<main", "</main>"))
	}
	select {
	case id := <-begun:
		t.Errorf("list %d's making ran beside another's", id)
	default:
	}
	release <- true
	if id := <-begun; id != other {
		t.Errorf("the making after cop's was list %d's", id)
	}
	release <- true
	// The makings end without any reader.
	if !idle(t, f, "cop@example.org") || !idle(t, f, "other@example.org") {
		t.Fatal("a library was not made")
	}
	status, body, _ = get(t, c, base)
	<-begun // a reader of a made library starts a making of the posts since
	release <- true
	if status != 200 || !strings.Contains(body, "How to calibrate the lathe?") || strings.Contains(body, "still being made") {
		t.Errorf("the library made: %d\n%s", status, fragment(t, body, "<main", "</main>"))
	}
	idle(t, f, "cop@example.org")
	_, js, _ = get(t, c, f.ts.URL+"/api/l/cop@example.org/answers")
	<-begun
	release <- true
	if strings.Contains(js, `"updating"`) {
		t.Errorf("the API says a made library is being made: %s", js)
	}
	idle(t, f, "cop@example.org")

	// A made library whose bringing up to date fails: shown as it stood,
	// to the reader who waits for the making too.
	f.srv.cfg.LibraryWait = time.Hour
	got := make(chan string, 1)
	go func() {
		_, body, _ := get(t, c, base)
		got <- body
	}()
	<-begun
	release <- false
	if body := <-got; !strings.Contains(body, "How to calibrate the lathe?") {
		t.Errorf("a made library whose making failed:\n%s", fragment(t, body, "<main", "</main>"))
	}
	idle(t, f, "cop@example.org")

	// A library never made whose making fails: the waiting reader is told.
	f.addPosts(t, "other@example.org", post("o2@example.net", "Carol <carol@example.net>", "More things", "Fri, 5 Mar 2021 10:00:00 +0000", "Still nothing.\n"))
	fresh := f.srv.libraries.of(other)
	fresh.mu.Lock()
	fresh.made = false // as after a restart
	fresh.mu.Unlock()
	codes := make(chan int, 1)
	go func() {
		status, _, _ := get(t, c, f.ts.URL+"/l/other@example.org/answers")
		codes <- status
	}()
	<-begun
	release <- false
	if status := <-codes; status != http.StatusInternalServerError {
		t.Errorf("a failed making of a library never made: %d", status)
	}
	idle(t, f, "other@example.org")
	go func() {
		status, _, _ := get(t, c, f.ts.URL+"/l/other@example.org/answers")
		codes <- status
	}()
	<-begun // the next reader starts another
	release <- true
	if status := <-codes; status != 200 {
		t.Errorf("after a failed making: %d", status)
	}
	idle(t, f, "other@example.org")

	// Shutdown ends a making under way (it waits on its context).
	f.srv.cfg.LibraryWait = time.Millisecond
	get(t, c, base)
	<-begun
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestAnswersWaitLeavesTheQueue: a reader waiting for a library's making
// gives up its turn at the cores meanwhile, so the same client's other
// pages are served (with one turn at the cores in all, they waited
// behind it).
func TestAnswersWaitLeavesTheQueue(t *testing.T) {
	f := newArchiveFixture(t)
	f.addPosts(t, "cop@example.org", latheConfirmed())
	f.srv.queue = newAdmission(1)
	f.srv.cfg.LibraryWait = time.Hour
	begun, release := holdMakings(t, f)
	c := f.client(t)
	c.Timeout = 2 * time.Minute // a page that queues behind the wait fails, not hangs
	waiting := make(chan int, 1)
	go func() {
		status, _, _ := get(t, c, f.ts.URL+"/l/cop@example.org/answers")
		waiting <- status
	}()
	<-begun
	if status, _, _ := get(t, c, f.ts.URL+"/l/cop@example.org/search?q=lathe"); status != 200 {
		t.Errorf("a search beside a reader waiting for the library: %d", status)
	}
	select {
	case <-waiting:
		t.Error("the reader did not wait for the making")
	default:
	}
	release <- true
	if status := <-waiting; status != 200 {
		t.Errorf("the reader who waited: %d", status)
	}
}
