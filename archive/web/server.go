package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"praxis/archive/answers"
	"praxis/archive/index"
	"praxis/archive/related"
	"praxis/listserv/store"
	"praxis/templates"
)

// Config of the web server.
type Config struct {
	Addr string
	// Index answers the search pages.
	Index *index.Index
	// Listener, when set, is used instead of listening on Addr (the caller
	// bound it early to learn the port for links in mail).
	Listener net.Listener
	// Secure marks cookies Secure and is set when BaseURL is https.
	Secure bool
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed for rate limits, turns in the queue and logs.
	TrustedProxies []netip.Prefix
	// WriteStall is how long a download may wait for the client to take
	// its next chunk; zero means 20 s.
	WriteStall time.Duration
	// DownloadMinRate is the least average rate, in bytes per second,
	// at which a download must be read once DownloadMinRateAfter has
	// passed since it began, or it is cut; zeros mean 8 KiB/s and a
	// minute.
	DownloadMinRate      int64
	DownloadMinRateAfter time.Duration
	// SearchTimeout bounds one search; zero means 5 s.
	SearchTimeout time.Duration
	// LibraryWait bounds how long a reader of an answers library waits
	// for it to be brought up to date before it is shown as it stands;
	// zero means 3 s.
	LibraryWait time.Duration
	// SharedLimits, when set, counts the rate limits of the forms that
	// send mail in the store every node shares (PostgreSQL); nil counts
	// them in this process.
	SharedLimits SharedLimits
}

// Server serves Praxis's web pages.
type Server struct {
	cfg  Config
	svc  Lists
	subs Subscriptions
	oc   OneClick
	mod  Moderation
	st   Store
	tpl  *templates.Set
	log  *slog.Logger
	http *http.Server
	ln   net.Listener

	secretMu sync.Mutex
	key      []byte
	// limit bounds the forms that send mail, per client; addrLimit the
	// mail one client may have sent to one address, so that nobody can
	// use up an address's daily quota (kept by the service) for its
	// owner.
	limit, addrLimit rateLimit
	// queue shares the cores among the CPU-heavy requests, fairly by
	// client; posts and exports bound the downloads streaming at once,
	// the raw posts and attachments apart from the long exports.
	queue          *admission
	posts, exports *downloadSlots
	// postLoads counts the posts loaded whole for a raw or attachment
	// download (tests: a refused one loads none).
	postLoads atomic.Int64
	// related finds a question's related threads for its page when none
	// were kept (an imported archive); nil without an index. noRelated
	// remembers the threads it found none for.
	related   *related.Finder
	noRelated sync.Map
	noCount   atomic.Int64
	// libraries serialises bringing each list's answers library up to date.
	libraries libraryUpdates
}

type queueTurnKey struct{}

// heavy runs h in its turn at the cores (see admission). Every search
// entry point (page, API, Atom, mbox), thread and list pages and their
// API go through it, so none of them can be used to go round the queue.
func (s *Server) heavy(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		release, err := s.queue.acquire(r.Context(), s.client(r))
		if err != nil {
			if r.Context().Err() == nil {
				s.busyAnswer(w, r, err)
			}
			return
		}
		defer release()
		h(w, r.WithContext(context.WithValue(r.Context(), queueTurnKey{}, release)))
	}
}

// leaveQueue ends the request's turn at the cores early, when what is
// left of it waits on the client rather than on a core.
func (s *Server) leaveQueue(r *http.Request) {
	if release, ok := r.Context().Value(queueTurnKey{}).(func()); ok {
		release()
	}
}

// busyAnswer refuses a request the queue or the download slots have no
// room for: 429 when this client has its share already, 503 when the
// server is full. The JSON API answers in JSON.
func (s *Server) busyAnswer(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusServiceUnavailable, "The server is busy; please try again in a minute."
	if errors.Is(err, errClientBusy) {
		status, msg = http.StatusTooManyRequests, "Too many requests from your network at once; wait for the ones under way to finish."
	}
	s.log.Info("refused", "path", r.URL.Path, "remote", s.client(r), "status", status)
	w.Header().Set("Retry-After", "10")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.apiError(w, status, msg)
		return
	}
	s.errorPage(w, r, status, "Busy", msg)
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// New builds the web server from what it uses: the list domain's
// operations and the store's reads.
func New(cfg Config, d Deps, tpl *templates.Set, log *slog.Logger) *Server {
	s := &Server{cfg: cfg, svc: d.Lists, subs: d.Subscriptions, oc: d.OneClick, mod: d.Moderation, st: d.Store, tpl: tpl, log: log,
		limit:     newRateLimit(cfg.SharedLimits, "web-form", 20, 10*time.Minute, log),
		addrLimit: newRateLimit(cfg.SharedLimits, "web-address", perRequesterPerAddress, 24*time.Hour, log),
		queue:     newAdmission(runtime.GOMAXPROCS(0)),
		posts:     newDownloadSlots(downloadsPerClient, downloadsInAll),
		exports:   newDownloadSlots(downloadsPerClient, downloadsInAll),
	}
	s.libraries.life, s.libraries.end = context.WithCancel(context.Background())
	s.libraries.slot = make(chan struct{}, 1)
	s.libraries.update = func(ctx context.Context, l *store.List) error {
		_, err := answers.UpdateOn(ctx, s.st, l, max(1, runtime.GOMAXPROCS(0)/2))
		if err != nil && ctx.Err() == nil {
			s.log.Warn("answers library", "list", l.Address, "err", err)
		}
		return err
	}
	if cfg.Index != nil && d.Store != nil {
		s.related = related.New(cfg.Index, d.Store, time.Now)
	}
	if proxyUnset(cfg) {
		log.Warn("--base-url is https but no --trusted-proxy is set: if a reverse proxy serves it, every user is the proxy's address to the rate limits and the search queue, so one user's requests refuse everyone's; set --trusted-proxy to the proxy's address")
	}
	s.http = newHTTPServer(s.Handler(), log)
	return s
}

// proxyUnset tells whether the web is served over https, which Praxis
// does not do itself, so most likely behind a reverse proxy, without any
// proxy trusted: then every client is the proxy. SPEC keeps no trusted
// proxy by default, since trusting one that is not there would let any
// client choose its address, so serve only warns.
func proxyUnset(cfg Config) bool {
	return cfg.Secure && len(cfg.TrustedProxies) == 0
}

// newHTTPServer serves h with the timeouts every listener of ours has: a
// client that is slow to send or to read is cut, not waited for.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Handler returns the routes (tests use it with httptest too).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /static/praxis.css", s.css)
	// No icon: an empty answer, so browsers stop asking and log nothing.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /l/{list}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, listPath(r.PathValue("list")), http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /l/{list}/{$}", s.heavy(s.listPage))
	mux.HandleFunc("GET /l/{list}/t/{thread}", s.heavy(s.threadPage))
	mux.HandleFunc("GET /l/{list}/search", s.heavy(s.searchPage))
	mux.HandleFunc("GET /l/{list}/search.atom", s.heavy(s.searchAtom))
	mux.HandleFunc("GET /l/{list}/search.mbox", s.heavy(s.searchMbox))
	mux.HandleFunc("GET /l/{list}/atom.xml", s.listAtom)
	mux.HandleFunc("GET /l/{list}/export.mbox.gz", s.export)
	mux.HandleFunc("GET /l/{list}/resources", s.resources)
	mux.HandleFunc("GET /l/{list}/answers", s.heavy(s.answersPage))
	mux.HandleFunc("GET /l/{list}/answers.atom", s.heavy(s.answersFeed))
	mux.HandleFunc("GET /l/{list}/people", s.heavy(s.peoplePage))
	mux.HandleFunc("GET /l/{list}/health", s.heavy(s.healthPage))
	mux.HandleFunc("GET /l/{list}/info", s.infoPage)
	mux.HandleFunc("GET /l/{list}/{year}/{$}", s.monthPage)
	mux.HandleFunc("GET /l/{list}/{year}/{month}/{$}", s.monthPage)
	mux.HandleFunc("POST /l/{list}/{action}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("action") {
		case "subscribe", "leave":
			s.membershipPost(w, r)
		default:
			s.notFound(w, r)
		}
	})
	s.adminRoutes(mux)
	mux.HandleFunc("GET /m/{id}", s.messagePage)
	mux.HandleFunc("GET /m/{id}/raw", s.rawMessage)
	mux.HandleFunc("GET /m/{id}/a/{n}/{name}", s.attachment)
	mux.HandleFunc("GET /signin", s.signInForm)
	mux.HandleFunc("POST /signin", s.signInPost)
	mux.HandleFunc("GET /signin/{token}", s.signInLink)
	mux.HandleFunc("POST /signin/{token}", s.signInUse)
	mux.HandleFunc("POST /signout", s.signOut)
	mux.HandleFunc("GET /settings", s.settingsPage)
	mux.HandleFunc("POST /settings/{list}", s.settingsPost)
	mux.HandleFunc("GET /settings/once/{token}", s.settingsOncePage)
	mux.HandleFunc("POST /settings/once/{token}", s.settingsOncePost)
	mux.HandleFunc("GET /api/lists", s.apiLists)
	mux.HandleFunc("GET /api/l/{list}/threads", s.heavy(s.apiThreads))
	mux.HandleFunc("GET /api/l/{list}/t/{thread}", s.heavy(s.apiThread))
	mux.HandleFunc("GET /api/l/{list}/search", s.heavy(s.apiSearch))
	mux.HandleFunc("GET /api/l/{list}/answers", s.heavy(s.apiAnswers))
	mux.HandleFunc("GET /api/m/{id}", s.apiMessage)
	mux.HandleFunc("GET /l/{list}/unsubscribe/{token}", s.unsubscribePage)
	mux.HandleFunc("POST /l/{list}/unsubscribe/{token}", s.unsubscribePost)
	mux.HandleFunc("GET /l/{list}/confirm/{token}", s.confirmPage)
	mux.HandleFunc("POST /l/{list}/confirm/{token}", s.confirmPost)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	return secureHeaders(mux)
}

// Listen opens the socket; Addr then reports it.
func (s *Server) Listen() error {
	if s.cfg.Listener != nil {
		s.ln = s.cfg.Listener
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("web: listen %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound address after Listen.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves until Shutdown.
func (s *Server) Serve() error {
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown finishes requests in progress until ctx ends, then ends the
// answers libraries' makings and waits for them.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	return errors.Join(err, s.libraries.stop(ctx))
}

func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// No script anywhere, no inline style, nothing fetched from
		// elsewhere: a hostile post can at worst be ugly.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		w.Header().Set("Referrer-Policy", "no-referrer")
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		h.ServeHTTP(w, r)
	})
}

func (s *Server) css(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(s.tpl.CSS)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	var buf bytes.Buffer
	if err := s.tpl.Web.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("rendering page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	s.page(w, r, status, "error.html", map[string]any{"Title": title, "Message": msg})
}
