package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"praxis/listserv"
	"praxis/listserv/imapin/imapintest"
	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
)

// statusOf runs `praxis status --json` on data and decodes it.
func statusOf(t *testing.T, data string) statusDoc {
	t.Helper()
	var doc statusDoc
	out := praxis(t, data, "status", "--json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return doc
}

type statusDoc struct {
	Nodes []struct {
		Name, State, Version, Started, LastSeen, Stopped string
		Listeners                                        []string
	}
	Queue struct {
		Depth  int
		Oldest string
		Leased map[string]int
	}
	IndexLag *struct{ Changes int64 } `json:"index_lag"`
	Jobs     []struct{ Job, Node, At, Error string }
	Leases   []struct{ Name, Holder, Until string }
}

func (d statusDoc) state(node string) string {
	for _, n := range d.Nodes {
		if n.Name == node {
			return n.State
		}
	}
	return ""
}

// TestStatus: `praxis status` beside a running serve shows the node
// alive with its listeners, the empty queue and the maintenance pass
// serve made at start (by the node of that name), and its index not behind (asked of serve);
// after a clean stop the node is stopped. The same in JSON.
func TestStatus(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP")
	if out := praxis(t, data, "status"); !strings.Contains(out, "none has run serve") || !strings.Contains(out, "queue: empty") {
		t.Errorf("status before any serve:\n%s", out)
	}
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	node := nodeName(data)
	doc := statusOf(t, data)
	if len(doc.Nodes) != 1 || doc.Nodes[0].Name != node || doc.Nodes[0].State != listserv.NodeAlive || doc.Nodes[0].Stopped != "" {
		t.Fatalf("nodes %+v, want %s alive", doc.Nodes, node)
	}
	if ls := strings.Join(doc.Nodes[0].Listeners, " "); !strings.Contains(ls, "smtp="+srv.smtp) || !strings.Contains(ls, "http="+srv.http) {
		t.Errorf("listeners %q, want smtp=%s and http=%s", ls, srv.smtp, srv.http)
	}
	if doc.Queue.Depth != 0 || doc.IndexLag == nil || doc.IndexLag.Changes != 0 {
		t.Errorf("queue %+v, index lag %+v: want empty, and the index not behind", doc.Queue, doc.IndexLag)
	}
	// serve's first maintenance pass comes at start.
	for i := 0; i < 600 && len(doc.Jobs) == 0; i++ {
		time.Sleep(50 * time.Millisecond)
		doc = statusOf(t, data)
	}
	if len(doc.Jobs) == 0 || doc.Jobs[0].At == "" || doc.Jobs[0].Node != node {
		t.Errorf("jobs' last runs %+v, want one by %s", doc.Jobs, node)
	}
	out := praxis(t, data, "status")
	for _, want := range []string{node + "  alive", "queue: empty", "scheduled jobs (last run):", "smtp=" + srv.smtp, "index (this node): 0 changes behind"} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not say %q:\n%s", want, out)
		}
	}
	srv.stop(t)
	if got := statusOf(t, data).state(node); got != listserv.NodeStopped {
		t.Errorf("after a clean stop the node is %q, want stopped", got)
	}
}

// TestStatusTwoNodes: two nodes on one PostgreSQL, each sees both; one
// stops, and the other's status says so, while its own stays alive. (The
// queue's figures are the store's QueueStatus, whose conformance test
// QueueStatusCounts fills the queue on both engines.)
func TestStatusTwoNodes(t *testing.T) {
	_, a, b, _ := twoNodeList(t, 3)
	dataA, dataB := a.data, b.data
	doc := statusOf(t, dataB)
	if doc.state(nodeName(dataA)) != listserv.NodeAlive || doc.state(nodeName(dataB)) != listserv.NodeAlive {
		t.Fatalf("nodes %+v, want both alive", doc.Nodes)
	}
	b.stop(t)
	doc = statusOf(t, dataA)
	if doc.state(nodeName(dataA)) != listserv.NodeAlive || doc.state(nodeName(dataB)) != listserv.NodeStopped {
		t.Errorf("nodes %+v, want a alive and b stopped", doc.Nodes)
	}
	out := praxis(t, dataA, "status")
	if !strings.Contains(out, nodeName(dataB)+"  stopped") {
		t.Errorf("status does not show b stopped:\n%s", out)
	}
}

// TestStatusIndexLag: the index lag is shown when the seam reads it,
// in words and in JSON.
func TestStatusIndexLag(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP")
	run := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		c := &cli{stdout: &out, stderr: &errOut, dataFlag: data,
			indexLag: func(ctx context.Context, svc *listserv.Service, dir string) (*listserv.IndexLag, error) {
				if dir != data {
					t.Errorf("lag asked of %s, want the data dir %s", dir, data)
				}
				return &listserv.IndexLag{Changes: 4}, nil
			}}
		cmd, rest, _ := lookup(append([]string{"status"}, args...))
		if err := c.runCommand(context.Background(), cmd, rest); err != nil {
			t.Fatalf("status: %v\n%s", err, errOut.String())
		}
		return out.String()
	}
	if out := run(); !strings.Contains(out, "index (this node): 4 changes behind") {
		t.Errorf("status:\n%s", out)
	}
	var doc statusDoc
	if err := json.Unmarshal([]byte(run("--json")), &doc); err != nil || doc.IndexLag == nil || doc.IndexLag.Changes != 4 {
		t.Errorf("status --json: index lag %+v (%v)", doc.IndexLag, err)
	}
}

// TestStatusIndexLagOfThisNode: the lag of the data dir's own index,
// which serve does not hold here: a post archived while nothing indexed
// is one change behind, and none once a search has caught the index up.
func TestStatusIndexLagOfThisNode(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP")
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	l, err := st.ListByAddress(context.Background(), "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	p := &store.ArchivedPost{ListID: l.ID, MessageID: "lag@example.net", Subject: "Lag", Date: time.Now()}
	if _, err := st.ArchivePut(context.Background(), p, []byte("Message-ID: <lag@example.net>\r\nSubject: Lag\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if doc := statusOf(t, data); doc.IndexLag == nil || doc.IndexLag.Changes != 1 {
		t.Errorf("index lag %+v, want 1 change", doc.IndexLag)
	}
	praxis(t, data, "search", "cop@example.org", "lag")
	if doc := statusOf(t, data); doc.IndexLag == nil || doc.IndexLag.Changes != 0 {
		t.Errorf("index lag after a search %+v, want none", doc.IndexLag)
	}
}

// TestIMAPIngestTwoNodes: two serve nodes on one PostgreSQL given the
// same --imap-ingest mailbox of a real Dovecot: `praxis status` shows
// its lease held by one of them; every message is posted once; when the
// holder stops, the other takes the mailbox over and posts what arrives
// after, once.
func TestIMAPIngestTwoNodes(t *testing.T) {
	pgtest.Server(t)
	t.Setenv("PRAXIS_DB", pgtest.URL(t))
	dc := imapintest.Start(t)
	dataA, dataB := t.TempDir(), t.TempDir()
	praxis(t, dataA, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	praxis(t, dataA, "member", "add", "cop@example.org", "m0@example.net")
	rec := newRecorder(t)
	src := dc.URL("INBOX", "cop@example.org", "")
	msg := func(i int) []byte {
		return []byte(fmt.Sprintf("Return-Path: <p%d@example.net>\r\nFrom: p%d@example.net\r\nTo: cop@example.org\r\nSubject: two nodes %d\r\nMessage-ID: <two-%d@example.net>\r\nDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nbody %d\r\n", i, i, i, i, i))
	}
	for i := range 20 {
		dc.Append("INBOX", msg(i))
	}
	nodes := map[string]*server{}
	for _, data := range []string{dataA, dataB} {
		nodes[nodeName(data)] = serve(t, data, rec.sink.Addr(), "--imap-ingest", src)
	}
	st, err := openStore(dataA)
	must(t, err)
	defer st.Close()
	ctx := context.Background()
	l, err := st.ListByAddress(ctx, "cop@example.org")
	must(t, err)
	waitPosted := func(n int) {
		t.Helper()
		for i := 0; i < 2400; i++ {
			if c, err := st.ArchivePostCount(ctx, l.ID); err == nil && c >= n {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("fewer than %d posts archived", n)
	}
	waitPosted(20)
	var holder string
	for _, ls := range statusOf(t, dataB).Leases {
		if strings.HasPrefix(ls.Name, "imap-ingest ") {
			holder = ls.Holder
		}
	}
	if nodes[holder] == nil {
		t.Fatalf("the mailbox's lease is held by %q, not by one of the nodes", holder)
	}
	nodes[holder].stop(t)
	for i := 20; i < 30; i++ {
		dc.Append("INBOX", msg(i))
	}
	// The other stands by, trying the lease every third of it (20 s).
	waitPosted(30)
	posted := map[string]int{}
	must(t, st.ArchiveEach(ctx, l.ID, time.Time{}, func(p *store.ArchivedPost) error {
		posted[p.MessageID]++
		return nil
	}))
	for i := range 30 {
		if id := fmt.Sprintf("two-%d@example.net", i); posted[id] != 1 {
			t.Errorf("%s archived %d times, want once", id, posted[id])
		}
	}
}
