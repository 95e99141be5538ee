package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/listserv/store"
)

// SocketName is the admin socket's file in the data dir.
const SocketName = "praxis.sock"

// Admin serves the admin API to the commands of the shell while serve
// runs: Bleve lets one process open an index, so `praxis search` asks
// the one that holds it. It listens only on a unix socket in the data
// dir, owner-only, never on TCP: whoever can connect can already read
// the data dir, so the socket's permissions are the authentication, and
// no secret travels to whatever answers on a configured address.
type Admin struct {
	path string
	idx  *index.Index
	log  *slog.Logger
	http *http.Server
	ln   net.Listener
}

// NewAdmin makes the admin API of the data dir dir, searching idx.
func NewAdmin(dir string, idx *index.Index, log *slog.Logger) *Admin {
	a := &Admin{path: filepath.Join(dir, SocketName), idx: idx, log: log}
	a.http = newHTTPServer(a.Handler(), log)
	return a
}

// Handler returns the admin routes.
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search", a.search)
	mux.HandleFunc("GET /index/position", a.position)
	return mux
}

// Listen creates the socket, replacing one left by a process that died
// (serve holds the index lock by now, so no other serve uses it).
func (a *Admin) Listen() error {
	ln, err := listenOwnerOnly(a.path)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	a.ln = peerChecked{Listener: ln, log: a.log}
	return nil
}

// Path is the socket's file.
func (a *Admin) Path() string { return a.path }

// Serve serves until Shutdown.
func (a *Admin) Serve() error {
	err := a.http.Serve(a.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown finishes the requests in progress until ctx ends and removes
// the socket.
func (a *Admin) Shutdown(ctx context.Context) error {
	err := a.http.Shutdown(ctx)
	if a.ln != nil {
		// Closed already when Serve ran; not when serve failed to start.
		a.ln.Close()
	}
	if rerr := os.Remove(a.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, fmt.Errorf("admin socket: %w", rerr))
	}
	return err
}

func (a *Admin) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	res, err := archive.SearchContext(r.Context(), a.idx, q.Get("list"), q.Get("q"), limit, q.Get("sort") != "relevance")
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(res)
}

// position answers where serve's index stands in the index log, for
// `praxis status`'s lag (archive.IndexLag), which the command reads from
// the store itself.
func (a *Admin) position(w http.ResponseWriter, r *http.Request) {
	pos, err := archive.Position(a.idx)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		a.log.Error("index position", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"error": "the index's position cannot be read"})
		return
	}
	json.NewEncoder(w).Encode(pos)
}

// AdminSearch asks the serve that runs on the data dir dir for a search,
// through its admin socket.
func AdminSearch(ctx context.Context, dir, list, q string, limit int, sortBy string) (*archive.SearchResult, error) {
	var res archive.SearchResult
	query := url.Values{"list": {list}, "q": {q}, "limit": {strconv.Itoa(limit)}, "sort": {sortBy}}
	if err := adminGet(ctx, dir, "/search?"+query.Encode(), &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// AdminIndexPosition asks the serve that runs on the data dir dir where
// its index stands in the index log.
func AdminIndexPosition(ctx context.Context, dir string) (store.IndexPos, error) {
	var pos store.IndexPos
	err := adminGet(ctx, dir, "/index/position", &pos)
	return pos, err
}

// adminGet asks the serve that runs on the data dir dir for what its
// admin API answers at target, decoded into out.
func adminGet(ctx context.Context, dir, target string, out any) error {
	path := filepath.Join(dir, SocketName)
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			// The URL's host is a placeholder: every request goes to the
			// socket, whatever it names.
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return dialUnix(ctx, path)
			},
			Proxy: nil,
		},
	}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://praxis"+target, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("the index is held by praxis serve, which does not answer on %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusBadRequest {
		var e struct{ Error string }
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error == "" {
			return fmt.Errorf("praxis serve on %s answered %s", path, resp.Status)
		}
		return errors.New(e.Error)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("praxis serve on %s answered %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("praxis serve on %s: %w", path, err)
	}
	return nil
}
