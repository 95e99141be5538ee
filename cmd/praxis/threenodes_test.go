package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-smtp"

	"praxis/archive"
	"praxis/listserv/delivery"
	"praxis/listserv/store/pgtest"
)

// TestThreeNodes runs three serve nodes on one PostgreSQL database, each
// with a data dir (and so a full-text index) of its own, as issue 13
// describes a site that outgrew one machine:
//   - posts sent to each of the three reach every member once;
//   - a post sent to one node is found by a search on each of the others
//     (whose indexes catch up from the database, woken by NOTIFY), and a
//     client idling on one node's IMAP hears of a post sent to another;
//   - the node a 10,000-copy fan-out was sent to is SIGKILLed in the
//     middle of it: the other two finish it once its leases run out,
//     every member gets the post, duplicates only for copies in flight.
func TestThreeNodes(t *testing.T) {
	pgtest.Server(t)
	url := pgtest.URL(t)
	t.Setenv("PRAXIS_DB", url)
	const (
		small = 40
		big   = 10000
	)
	data := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	praxis(t, data[0], "list", "create", "small@example.org", "--name", "Small", "--post", "open")
	praxis(t, data[0], "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	importMembers(t, data[0], "small@example.org", "s", small)
	importMembers(t, data[0], "cop@example.org", "m", big)
	rec := newRecorder(t)
	var nodes []*server
	for _, d := range data {
		nodes = append(nodes, serve(t, d, rec.sink.Addr(), "--delivery-concurrency", "4"))
	}

	// A client idles on the third node before anything is posted.
	idled := idleOn(t, nodes[2].imap, "small@example.org")

	// One post to each node; each is searchable on the two others.
	for i, n := range nodes {
		msg := fmt.Sprintf("From: poster%d@example.net\r\nTo: small@example.org\r\nSubject: node %d heliostat%d\r\nMessage-ID: <node%d@example.net>\r\n\r\nThe heliostat%d drifts.\r\n", i, i, i, i, i)
		sendVia(t, n, fmt.Sprintf("poster%d@example.net", i), "small@example.org", msg)
	}
	if n := <-idled; n < 1 {
		t.Errorf("the client idling on node 2 heard EXISTS %d", n)
	}
	for i := range nodes {
		for j, d := range data {
			if i != j {
				waitSearchable(t, d, "small@example.org", fmt.Sprintf("heliostat%d", i))
			}
		}
	}
	rec.waitFor(t, "every member's three posts", func(cs []delivered) bool {
		return len(copiesOf(cs, "@example.net>", "s")) >= 3*small
	})
	for key, n := range copiesOf(rec.snapshot(), "@example.net>", "s") {
		if n != 1 {
			t.Errorf("%s: %d copies", key, n)
		}
	}

	// The big fan-out, and the node it was sent to killed in its middle.
	postShared(t, nodes[0])
	for i := 0; len(sharedCopies(rec.snapshot())) < 500; i++ {
		if i == 6000 {
			t.Fatal("no copies out")
		}
		time.Sleep(10 * time.Millisecond)
	}
	nodes[0].kill()
	db, err := sql.Open("pgx", url)
	must(t, err)
	defer db.Close()
	// The killed node's leases (a minute), and then some.
	waitAllDone(t, db, 3000)
	seen := sharedCopies(rec.snapshot())
	dups := 0
	for _, n := range seen {
		dups += n - 1
	}
	t.Logf("%d members got the post, %d duplicates", len(seen), dups)
	if len(seen) != big {
		t.Errorf("%d members got the post, want %d", len(seen), big)
	}
	if inFlight := delivery.UnrecordedBound(4); dups > inFlight {
		t.Errorf("%d duplicates, want at most the %d copies that can be in flight at a kill", dups, inFlight)
	}
	rows, err := db.Query(`SELECT lease_node, COUNT(*) FROM deliveries GROUP BY lease_node ORDER BY lease_node`)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var node sql.NullString
		var n int
		must(t, rows.Scan(&node, &n))
		t.Logf("node %s sent %d copies", node.String, n)
	}
	must(t, rows.Err())
	nodes[1].stop(t)
	nodes[2].stop(t)
}

// importMembers makes n members prefix0@example.net… of list.
func importMembers(t *testing.T, data, list, prefix string, n int) {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("email\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "%s%d@example.net\n", prefix, i)
	}
	f := filepath.Join(t.TempDir(), "members.csv")
	must(t, os.WriteFile(f, []byte(csv.String()), 0o600))
	praxis(t, data, "import", "members", list, f)
}

func sendVia(t *testing.T, node *server, from, rcpt, msg string) {
	t.Helper()
	cl, err := smtp.Dial(node.smtp)
	must(t, err)
	defer cl.Close()
	must(t, cl.SendMail(from, []string{rcpt}, strings.NewReader(msg)))
}

// copiesOf counts the copies whose Message-ID ends in idSuffix by
// recipient and Message-ID, of recipients starting with prefix.
func copiesOf(cs []delivered, idSuffix, prefix string) map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		if !strings.HasPrefix(c.to, prefix) {
			continue
		}
		for _, line := range strings.Split(string(c.data), "\r\n") {
			if v, ok := strings.CutPrefix(line, "Message-ID: "); ok && strings.HasSuffix(v, idSuffix) {
				out[c.to+" "+v]++
			}
		}
	}
	return out
}

// waitSearchable waits until `praxis search` on the node of data (its
// own index, through its admin socket) finds word on list.
func waitSearchable(t *testing.T, data, list, word string) {
	t.Helper()
	for i := 0; ; i++ {
		out, errOut, err := praxisRun(data, "search", list, word, "--json")
		if err != nil {
			t.Fatalf("search %s: %v\n%s", word, err, errOut)
		}
		var res archive.SearchResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("search %s: %v\n%s", word, err, out)
		}
		if res.Total == 1 {
			return
		}
		if i == 600 {
			t.Fatalf("%s: %q not found by the node's search: %s", data, word, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// idleOn logs in anonymously to the IMAP archive at addr, selects list
// and idles; the channel gets the first message count an EXISTS tells.
func idleOn(t *testing.T, addr, list string) <-chan uint32 {
	t.Helper()
	c, err := client.Dial(addr)
	must(t, err)
	t.Cleanup(func() { c.Logout() })
	must(t, c.Login("anonymous", "x"))
	if _, err := c.Select(list, true); err != nil {
		t.Fatalf("select %s: %v", list, err)
	}
	updates := make(chan client.Update, 16)
	c.Updates = updates
	got := make(chan uint32, 1)
	stop := make(chan struct{})
	go c.Idle(stop, nil)
	go func() {
		defer close(stop)
		deadline := time.After(2 * time.Minute)
		for {
			select {
			case u := <-updates:
				if mu, ok := u.(*client.MailboxUpdate); ok && mu.Mailbox.Messages > 0 {
					got <- mu.Mailbox.Messages
					return
				}
			case <-deadline:
				got <- 0
				return
			}
		}
	}()
	return got
}
