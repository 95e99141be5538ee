package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"

	"praxis/listserv/delivery"
)

// TestChaos is the standing guard of "mail that got a 250 is never lost":
// a mixed load (posts from several clients, joins, searches, an mbox
// import, a digest run) while serve is SIGKILLed and restarted at random
// moments. Afterwards every post that got its 250 reached every member
// (copies sent twice only for those in flight at a kill), is archived once
// and found by search once, every join that got a 250 was answered, and no
// member got the same digest issue twice.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos test skipped in -short mode")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, seed>>7))

	data := t.TempDir()
	const list = "cop@example.org"
	praxis(t, data, "list", "create", list, "--name", "Chaos", "--post", "open", "--subscribe", "confirm")
	praxis(t, data, "list", "create", "old@example.org", "--name", "Old")
	eachMembers := []string{"m0@example.net", "m1@example.net", "m2@example.net", "m3@example.net"}
	digestMembers := []string{"d0@example.net", "d1@example.net"}
	for _, m := range eachMembers {
		praxis(t, data, "member", "add", list, m)
	}
	for _, m := range digestMembers {
		praxis(t, data, "member", "add", list, m, "--delivery", "digest")
	}
	const conc = 4
	rec := newRecorder(t)
	start := func() *server { return serve(t, data, rec.sink.Addr(), "--delivery-concurrency", fmt.Sprint(conc)) }
	var cur atomic.Pointer[server]
	cur.Store(start())

	var (
		mu       sync.Mutex
		accepted = map[string]bool{} // post Message-IDs that got a 250
		joins    = map[string]bool{} // addresses whose join got a 250
		bad      []string            // what must never happen, found on the way
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup

	// Posters: each keeps one connection until it breaks, then dials the
	// current server again.
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var cl *smtp.Client
			defer func() {
				if cl != nil {
					cl.Close()
				}
			}()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if cl == nil {
					var err error
					if cl, err = smtp.Dial(cur.Load().smtp); err != nil {
						cl = nil
						time.Sleep(20 * time.Millisecond)
						continue
					}
				}
				id := fmt.Sprintf("chaos-%d-%d@example.net", c, i)
				msg := fmt.Sprintf("From: poster%d@example.net\r\nTo: %s\r\nSubject: chaos post %d/%d\r\nDate: %s\r\nMessage-ID: <%s>\r\n\r\nchaosmarker chaosclient%d body %d\r\n",
					c, list, c, i, time.Now().Format(time.RFC1123Z), id, c, i)
				if err := cl.SendMail(fmt.Sprintf("poster%d@example.net", c), []string{list}, strings.NewReader(msg)); err != nil {
					cl.Close()
					cl = nil
					continue // no 250: this post may or may not be kept
				}
				mu.Lock()
				accepted[id] = true
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}(c)
	}
	// Joiners: a new address asks to join every so often.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(150 * time.Millisecond):
			}
			addr := fmt.Sprintf("joiner%d@example.com", i)
			cl, err := smtp.Dial(cur.Load().smtp)
			if err != nil {
				continue
			}
			msg := fmt.Sprintf("From: %s\r\nTo: cop-join@example.org\r\nSubject: join\r\nDate: %s\r\nMessage-ID: <join-%d@example.com>\r\n\r\n", addr, time.Now().Format(time.RFC1123Z), i)
			if cl.SendMail(addr, []string{"cop-join@example.org"}, strings.NewReader(msg)) == nil {
				mu.Lock()
				joins[addr] = true
				mu.Unlock()
			}
			cl.Close()
		}
	}()
	// Searchers: the web search page; a refused connection is a server
	// being restarted, a 500 is a bug.
	wg.Add(1)
	go func() {
		defer wg.Done()
		client := &http.Client{Timeout: 10 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			resp, err := client.Get("http://" + cur.Load().http + "/l/" + url.PathEscape(list) + "/search?q=chaosmarker")
			if err != nil {
				continue
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("search answered %d", resp.StatusCode))
				mu.Unlock()
			}
		}
	}()
	// An import into another list runs beside it all, as its own process.
	mbox := filepath.Join(t.TempDir(), "old.mbox")
	const imported = 300
	writeChaosMbox(t, mbox, imported)
	importDone := make(chan string, 1)
	go func() {
		out, errOut, err := praxisRun(data, "import", "mbox", "old@example.org", mbox)
		if err != nil {
			importDone <- fmt.Sprintf("import failed: %v\n%s%s", err, out, errOut)
			return
		}
		importDone <- ""
	}()

	// The kills: at random moments, a SIGKILL and an immediate restart; a
	// digest run from the CLI after the second.
	const kills = 4
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(500+rnd.IntN(2000)) * time.Millisecond)
		cur.Load().kill()
		cur.Store(start())
		if k == 1 {
			praxis(t, data, "digest", "send", "--force")
		}
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	if msg := <-importDone; msg != "" {
		t.Error(msg)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range bad {
		t.Error(b)
	}
	if len(accepted) < 50 {
		t.Fatalf("only %d posts accepted: the load did not run", len(accepted))
	}

	// Every accepted post reaches every "each" member; duplicates are the
	// copies in flight at a kill.
	key := func(c delivered) (string, textproto.Header) {
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(c.data)))
		if err != nil {
			return "", h
		}
		return strings.Trim(h.Get("Message-Id"), "<>"), h
	}
	want := len(accepted) * len(eachMembers)
	seen := map[string]int{}
	count := func(cs []delivered) int {
		clear(seen)
		for _, c := range cs {
			if id, _ := key(c); accepted[id] {
				seen[id+" "+c.to]++
			}
		}
		return len(seen)
	}
	rec.waitFor(t, "every copy of every accepted post", func(cs []delivered) bool { return count(cs) >= want })
	// Every post is archived now (it was relayed); the last digest run
	// takes whatever arrived since the first. A forced run ends at the
	// start of its second (archive times are whole seconds) and leaves a
	// post archived in that second to the next run, so the clock is let
	// pass into a second after every post's before it runs.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	praxis(t, data, "digest", "send", "--force")
	// And each digest member's digests, which the last run queued.
	digestOf := func(cs []delivered, to string) (ids map[string]map[string]bool, issues map[string]map[string]bool) {
		ids, issues = map[string]map[string]bool{}, map[string]map[string]bool{}
		for _, c := range cs {
			if c.to != to {
				continue
			}
			id, h := key(c)
			if !strings.Contains(h.Get("Subject"), "Digest, Vol") {
				continue
			}
			if issues[h.Get("Subject")] == nil {
				issues[h.Get("Subject")] = map[string]bool{}
			}
			issues[h.Get("Subject")][id] = true
			ids[id] = map[string]bool{}
			for _, m := range chaosIDs.FindAllSubmatch(c.data, -1) {
				ids[id][string(m[1])] = true
			}
		}
		return ids, issues
	}
	rec.waitFor(t, "every accepted post in a digest of each digest member", func(cs []delivered) bool {
		for _, d := range digestMembers {
			ids, _ := digestOf(cs, d)
			got := map[string]bool{}
			for _, posts := range ids {
				for p := range posts {
					got[p] = true
				}
			}
			for p := range accepted {
				if !got[p] {
					return false
				}
			}
		}
		return true
	})
	time.Sleep(500 * time.Millisecond) // let stray duplicates arrive, to count them
	cs := rec.snapshot()
	count(cs)
	dups := 0
	for _, n := range seen {
		dups += n - 1
	}
	// In flight at one kill: the copies sent whose outcome is not yet
	// committed, which the queue bounds by count.
	perKill := delivery.UnrecordedBound(conc)
	t.Logf("%d posts and %d joins accepted, %d copies, %d duplicates after %d kills", len(accepted), len(joins), len(cs), dups, kills)
	if dups > kills*perKill {
		t.Errorf("%d duplicate copies after %d kills, more than the %d that can be in flight", dups, kills, kills*perKill)
	}
	for _, d := range digestMembers {
		ids, issues := digestOf(cs, d)
		for subj, msgIDs := range issues {
			if len(msgIDs) > 1 {
				t.Errorf("%s got %q %d times, as different mails", d, subj, len(msgIDs))
			}
		}
		// Two issues never carry the same post.
		in := map[string]string{}
		for id, posts := range ids {
			for p := range posts {
				if other, ok := in[p]; ok && other != id {
					t.Errorf("%s got post %s in two digests (%s and %s)", d, p, other, id)
				}
				in[p] = id
			}
		}
	}
	// Every join that got a 250 was answered with a confirmation request
	// (waited for: the last ones may still be on their way).
	asked := map[string]int{}
	unanswered := func(cs []delivered) []string {
		clear(asked)
		for _, c := range cs {
			if strings.HasPrefix(c.to, "joiner") && bytes.Contains(c.data, []byte("Confirm your subscription")) {
				asked[c.to]++
			}
		}
		var missing []string
		for a := range joins {
			if asked[a] == 0 {
				missing = append(missing, a)
			}
		}
		return missing
	}
	for deadline := time.Now().Add(30 * time.Second); len(unanswered(rec.snapshot())) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	for _, a := range unanswered(rec.snapshot()) {
		t.Errorf("the join of %s got a 250 and no confirmation request", a)
	}

	// Archived once and found once: the search of the marker finds every
	// accepted post and nothing twice; the import is whole.
	cur.Load().stop(t)
	var res struct {
		Total int `json:"total"`
		Hits  []struct {
			MessageID string `json:"message_id"`
		} `json:"hits"`
	}
	// A search answers at most 1,000 hits: one search per client, each
	// well under that.
	found := map[string]int{}
	total := 0
	for c := 0; c < 4; c++ {
		out := praxis(t, data, "search", list, fmt.Sprintf("chaosclient%d", c), "--json", "--limit", "1000")
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("search --json: %v\n%s", err, out)
		}
		if res.Total != len(res.Hits) {
			t.Fatalf("client %d: search total %d but %d hits: more than a page", c, res.Total, len(res.Hits))
		}
		total += res.Total
		for _, h := range res.Hits {
			found[h.MessageID]++
		}
	}
	for id := range accepted {
		if found[id] != 1 {
			t.Errorf("post %s found %d times by search, want once", id, found[id])
		}
	}
	for id, n := range found {
		if n > 1 {
			t.Errorf("post %s found %d times", id, n)
		}
	}
	// A post whose 250 was lost in a kill may be kept too: never fewer.
	if total < len(accepted) {
		t.Errorf("search found %d posts, %d accepted", total, len(accepted))
	}
	out := praxis(t, data, "search", "old@example.org", "oldmarker", "--json", "--limit", "1000")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total != imported {
		t.Errorf("the import beside the chaos archived %d of %d posts", res.Total, imported)
	}
}

// chaosIDs finds the test's post ids in a digest's text.
var chaosIDs = regexp.MustCompile(`<(chaos-\d+-\d+@example\.net)>`)

func writeChaosMbox(t *testing.T, path string, n int) {
	t.Helper()
	var b bytes.Buffer
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		d := day.Add(time.Duration(i) * time.Hour)
		fmt.Fprintf(&b, "From old%d@example.com %s\nFrom: Old %d <old%d@example.com>\nTo: old@example.org\nSubject: old post %d\nDate: %s\nMessage-ID: <old-%d@example.com>\n\noldmarker text %d\n\n",
			i%7, d.Format(time.ANSIC), i%7, i%7, i, d.Format(time.RFC1123Z), i, i)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
