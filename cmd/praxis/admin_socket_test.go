package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/web"
	"praxis/listserv"
)

// The attack: `praxis search` beside a running serve sent the data dir's
// admin token to whatever listened on the configured http address, and
// that token then read a private list through /api/admin. Now the
// command talks to serve only through the socket in the data dir: a
// program on the http address hears nothing, the old header opens
// nothing over TCP, and the socket is the owner's alone.
func TestSearchBesideServeUsesOnlyTheSocket(t *testing.T) {
	f := startFlow(t)
	ctx := context.Background()
	if err := f.svc.CreateList(ctx, &listserv.List{Address: "inner@example.org", Name: "Inner", ArchivePolicy: listserv.ArchivePrivate}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddMember(ctx, "inner@example.org", &listserv.Member{Address: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	f.send("bob@example.com", "inner@example.org", post("Bob <bob@example.com>", "inner@example.org", "Plans", "The zanzibar plans are ready."))

	// Another program on the address the configuration names for http.
	var mu sync.Mutex
	var heard []string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		heard = append(heard, r.Method+" "+r.URL.String()+" "+strings.Join(r.Header.Values("X-Praxis-Admin"), ","))
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer fake.Close()
	cfgFile := filepath.Join(t.TempDir(), "praxis.toml")
	if err := os.WriteFile(cfgFile, []byte("http = \""+strings.TrimPrefix(fake.URL, "http://")+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	heardAny := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), heard...)
	}

	// Searchable once indexed: tried a bounded number of times.
	var res archive.SearchResult
	for try := 0; res.Total == 0; try++ {
		if try == 400 {
			t.Fatalf("the post never became searchable")
		}
		if try > 0 {
			time.Sleep(25 * time.Millisecond)
		}
		out, errOut, err := praxisRun(f.data, "--config", cfgFile, "search", "inner@example.org", "zanzibar", "--json")
		if err != nil {
			t.Fatalf("search: %v %s (the program on the http address heard %q)", err, errOut, heardAny())
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	if res.Hits[0].Subject != "Plans" {
		t.Errorf("hit %+v", res.Hits[0])
	}
	if h := heardAny(); len(h) != 0 {
		t.Errorf("the program on the configured http address was sent %q", h)
	}

	if fi, err := os.Lstat(filepath.Join(f.data, web.SocketName)); err != nil {
		t.Error(err)
	} else if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want a socket of mode 0600", fi.Name(), fi.Mode())
	}

	// The token as it was: serve's web port answers it with a 404.
	tok, err := f.svc.Store().Secret(ctx, "admin-api")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+f.http+"/api/admin/search?list=inner@example.org&q=zanzibar", nil)
	req.Header.Set("X-Praxis-Admin", hex.EncodeToString(tok))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "zanzibar") || strings.Contains(string(body), "Plans") {
		t.Errorf("the old admin header over TCP: %s %s", resp.Status, body)
	}
}
