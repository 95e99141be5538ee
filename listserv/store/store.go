package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationsPG are the same migrations, by number and meaning, written
// for PostgreSQL.
//
//go:embed migrations_pg/*.sql
var migrationsPG embed.FS

// Sentinel errors; callers test them with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("already exists")
	ErrState     = errors.New("not in a state that allows this")
	ErrClosed    = errors.New("store closed")
	// ErrInvalid marks bad input from a user (CLI, web, mail); the rooms
	// return it, and listserv names it for its callers.
	ErrInvalid = errors.New("invalid")
)

// Store is the store, on SQLite or on PostgreSQL (Options.DB). Each
// concern's methods are declared on a type of its own, in the file named
// for it (listTable in lists.go, spoolTable in messages.go, …), over the
// one database handle they share (core); Store gathers them, and so
// implements Backend.
type Store struct {
	*core
	listTable
	memberTable
	spoolTable
	queueTable
	requestTable
	archiveTable
	threadTable
	digestTable
	sessionTable
	probeTable
	appPassTable
	imapSearchTable
	ingestTable
	imapTable
	nodeTable
	rateTable
	auditTable
}

// The concerns' types: each is the core seen by one concern.
type (
	listTable    struct{ *core }
	memberTable  struct{ *core }
	spoolTable   struct{ *core }
	queueTable   struct{ *core }
	requestTable struct{ *core }
	archiveTable struct{ *core }
	threadTable  struct{ *core }
	digestTable  struct{ *core }
	sessionTable struct{ *core }
	probeTable   struct{ *core }
	appPassTable struct{ *core }
	// imapSearchTable is the IMAP view's SEARCH reads (imapsearch.go).
	imapSearchTable struct{ *core }
	ingestTable     struct{ *core }
	imapTable       struct{ *core }
	// nodeTable is the nodes' heartbeats and leases (nodes.go).
	nodeTable struct{ *core }
	// rateTable is the limits' buckets shared by the nodes (rates.go).
	rateTable struct{ *core }
	// auditTable is the lists' audit log (audit.go).
	auditTable struct{ *core }
)

func newStore(c *core) *Store {
	return &Store{core: c,
		listTable: listTable{c}, memberTable: memberTable{c}, spoolTable: spoolTable{c}, queueTable: queueTable{c},
		requestTable: requestTable{c}, archiveTable: archiveTable{c}, threadTable: threadTable{c}, digestTable: digestTable{c},
		sessionTable: sessionTable{c}, probeTable: probeTable{c}, appPassTable: appPassTable{c}, imapSearchTable: imapSearchTable{c},
		ingestTable: ingestTable{c},
		imapTable:   imapTable{c}, nodeTable: nodeTable{c}, rateTable: rateTable{c}, auditTable: auditTable{c}}
}

// core is the database handle shared by every concern of the store.
type core struct {
	// dialect is the engine: SQLite, or PostgreSQL (dialect.go).
	dialect
	db    *pool // everything but the spool: on SQLite, commits without fsync
	spool *pool // the spool: every commit on disk before the 250
	// wmu serialises this process's write transactions on SQLite, which
	// allows one writer at a time: handing the turn over through a mutex
	// is much quicker than SQLite's busy handler, which sleeps and polls.
	// Other processes (the CLI) still wait on the busy timeout.
	// PostgreSQL takes writers at once, from every node: it has no wmu,
	// and the places where writers must not interleave say so (lockKey).
	wmu sync.Mutex
	// lastSpool is when the spool last committed (Unix nanoseconds).
	lastSpool atomic.Int64
	// spoolWaiting counts spool commits waiting for wmu.
	spoolWaiting atomic.Int32
	closeM       sync.RWMutex // guards closed and sends on spoolq
	closed       bool
	spoolq       chan spoolReq
	done         chan struct{}
	now          func() time.Time
	// node names this process in the job runs it records (Options.Node).
	node string
	// url is the PostgreSQL database's, for connections of their own
	// (ListenIndexLog); "" on SQLite.
	url string

	// cache holds the hot reads' statements (stmts.go).
	cache stmtCache
	// spoolInsert is the spool's insert, prepared on its first batch;
	// only spoolLoop touches it.
	spoolInsert *sql.Stmt

	// The archive's statements, prepared once: SQLite's parsing costs more
	// than archiving one post (archive.go).
	archMu sync.Mutex
	arch   *archiveStmts
}

// Options tune Open.
type Options struct {
	// BusyTimeout is how long a writer waits for another process's lock
	// (SQLite).
	BusyTimeout time.Duration
	// Now is the clock (tests fake it).
	Now func() time.Time
	// DB is a postgres:// URL: the store is then that PostgreSQL
	// database, and dir is not used. "" is SQLite in dir.
	DB string
	// Node names this process among those sharing the database, in the
	// job runs it records (serve: its host and data dir, as it names
	// itself in nodes); "" is its host and pid.
	Node string
}

// SQLiteFile is the SQLite database's file in the data dir.
const SQLiteFile = "praxis.db"

// Open opens (creating if needed) the SQLite database in dir, or the
// PostgreSQL database opts.DB names, and migrates it.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DB != "" {
		return openPG(ctx, opts)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 15 * time.Second
	}
	path := filepath.Join(dir, SQLiteFile)
	// WAL lets readers (the CLI, the web) run beside the writer, and
	// immediate transactions take the write lock up front, so two writers
	// wait on the busy timeout instead of failing on a lock upgrade.
	//
	// Two pools on the one file. The spool's connection commits with
	// synchronous=FULL: the WAL is fsync'd before Spool returns, so a 250
	// survives even a power cut. Every later step (checks, queueing,
	// delivery outcomes) commits with synchronous=NORMAL: safe from
	// corruption and from a killed process, and if a power cut loses the
	// last of them, the state machine simply replays them from the spool —
	// at worst a copy is sent twice, never lost. The next spool commit
	// fsyncs their WAL frames too, as the WAL is written in order.
	//
	// Only the first pool's connections checkpoint the WAL (see
	// walCheckpointPages); the spool's never do, so that a 250 never
	// waits for one. Every post the spool takes is then handled through
	// the first pool, whose commits checkpoint what the spool wrote.
	dsn := func(sync string, checkpoint int) string {
		return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(%s)&_pragma=foreign_keys(1)&_pragma=cache_size(-%d)&_pragma=wal_autocheckpoint(%d)&_txlock=immediate",
			path, opts.BusyTimeout.Milliseconds(), sync, sqliteCacheKiB, checkpoint)
	}
	db, err := sql.Open("sqlite", dsn("NORMAL", walCheckpointPages))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	spool, err := sql.Open("sqlite", dsn("FULL", 0))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	spool.SetMaxOpenConns(1)
	c := newCore(db, spool, false, opts)
	s := newStore(c)
	// While another process is switching a new file to WAL, SQLite can
	// answer SQLITE_BUSY without consulting the busy timeout: retry.
	deadline := time.Now().Add(opts.BusyTimeout)
	for {
		err = s.migrate(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		err = explainOpen(dir, path, err)
	}
	return s.start(ctx, err)
}

// sqliteCacheKiB is each SQLite connection's page cache. SQLite's
// default, 2 MiB, times the nine connections (eight, and the spool's)
// was up to 18 MB of a server's memory, filled by whatever ran longest:
// a fan-out to a million members walks a million rows of the roster and
// the queue, and took serve from 52 MB (10,000 members) to 64-70 MB. The
// file's pages are in the kernel's page cache all the same, so a page
// not in SQLite's costs a read from memory, not the disk: at 512 KiB the
// fan-out's peak was 58 MB and its rate, the import's and the searches'
// did not move (measured 2026-12-05, README). SQLite sizes a sort's
// in-memory run by the cache too, with a floor of 250 pages (1 MB here):
// a sort above 1 MB now goes through a temporary file where one above
// 2 MB did.
const sqliteCacheKiB = 512

// walCheckpointPages is how long the WAL grows (in 4 KiB pages: 64 MiB)
// before the connection that commits past it (never the spool's) copies
// it into the database and syncs that, the writer waiting meanwhile.
// SQLite's default, 1,000 pages, had an import of the usrp archive a
// hundred times over (15 GB of mail, kept raw) stop for that about 3,800
// times; at 16,000 the 10x import ran 765 -> 816 posts/s (three
// alternated runs each, every pair faster; README). A WAL that big costs
// disk, not memory: readers find a page in it through the -shm file's
// hash tables, one for each 4,096 of its pages.
const walCheckpointPages = 16000

// explainOpen finds out why SQLite could not open the database, which it
// says only as "unable to open database file (14)": the file, or the
// directory where it creates the file and its -wal and -shm beside it,
// is not this user's to write. The answer names the path and the cause;
// any other error is left as it was.
func explainOpen(dir, path string, err error) error {
	exists := false
	if f, ferr := os.OpenFile(path, os.O_RDWR, 0); ferr == nil {
		f.Close()
		exists = true
	} else if !errors.Is(ferr, fs.ErrNotExist) {
		return fmt.Errorf("store: %w", ferr)
	}
	probe, perr := os.CreateTemp(dir, ".praxis-write-check-*")
	if perr == nil {
		probe.Close()
		os.Remove(probe.Name())
		return err
	}
	var pe *fs.PathError
	if errors.As(perr, &pe) {
		perr = pe.Err
	}
	if exists {
		return fmt.Errorf("store: the data dir %s is not writable, and SQLite makes %s-wal and %s-shm in it: %w", dir, filepath.Base(path), filepath.Base(path), perr)
	}
	return fmt.Errorf("store: cannot create %s: %w", path, perr)
}

func newCore(db, spool *sql.DB, pg bool, opts Options) *core {
	c := &core{spoolq: make(chan spoolReq, 256), done: make(chan struct{}), now: opts.Now, node: cmp.Or(opts.Node, DefaultNode()), url: opts.DB}
	c.pg = pg
	c.db, c.spool = &pool{raw: db, d: &c.dialect}, &pool{raw: spool, d: &c.dialect}
	return c
}

// start finishes Open once the schema is migrated (err is the
// migration's): it prepares the hot statements and starts the spool's
// group commit, or closes everything.
func (s *Store) start(ctx context.Context, err error) (*Store, error) {
	if err == nil {
		err = s.warmStmts(ctx, sqlTransition, sqlTransitionNamed, sqlFanout)
	}
	if err != nil {
		s.closeStmts()
		s.db.Close()
		s.spool.Close()
		return nil, err
	}
	go s.spoolLoop()
	return s, nil
}

// Close stops the group-commit loop and closes the database.
func (s *Store) Close() error {
	s.closeM.Lock()
	if s.closed {
		s.closeM.Unlock()
		return nil
	}
	s.closed = true
	close(s.spoolq)
	s.closeM.Unlock()
	<-s.done
	if s.spoolInsert != nil {
		s.spoolInsert.Close()
	}
	s.archMu.Lock()
	if s.arch != nil {
		s.arch.close()
	}
	s.archMu.Unlock()
	s.closeStmts()
	return errors.Join(s.spool.Close(), s.db.Close())
}

// DB exposes the handle, for tests that look at rows directly. Its
// statements are the engine's own: a query written as the store's are
// (SQLite's, with ? placeholders) goes through Rebind first.
func (s *Store) DB() *sql.DB { return s.db.raw }

// Rebind returns q, written as the store's queries are, for the engine
// DB talks to.
func (s *Store) Rebind(q string) string { return s.bind(q) }

func (s *core) unix() int64 { return s.now().Unix() }

func (s *core) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	ms, err := readMigrations(migrations, "migrations")
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.applyMigration(ctx, m.version, m.body); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// migration is one file of a migrations directory: NNNN_what.sql.
type migration struct {
	version    int
	name, body string
}

// readMigrations returns dir's migrations in order.
func readMigrations(fsys embed.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	sort.Strings(names)
	var out []migration
	for _, name := range names {
		base := filepath.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: bad version prefix", base)
		}
		body, err := fsys.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", base, err)
		}
		out = append(out, migration{version: v, name: base, body: string(body)})
	}
	return out, nil
}

// applyMigration runs one migration in a transaction unless another process
// applied it first (two CLI commands can start at once).
func (s *core) applyMigration(ctx context.Context, version int, body string) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return err
	}
	defer release()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range splitSQL(body) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%q: %w", firstLine(stmt), err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, s.unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// splitSQL splits a migration into statements at semicolons that end a line,
// dropping comment lines.
func splitSQL(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Secret returns the named secret, creating a random one on first use. Secrets
// live in the database so that every process on the data dir agrees on them.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("store: secret %s: %w", name, err)
		}
		// Another process may have won the race: insert-or-ignore, then re-read.
		if _, err := s.db.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, hex.EncodeToString(b)); err != nil {
			return nil, fmt.Errorf("store: secret %s: %w", name, err)
		}
		err = s.db.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	}
	if err != nil {
		return nil, fmt.Errorf("store: secret %s: %w", name, err)
	}
	return hex.DecodeString(v)
}

// begin starts a write transaction on db under the process's write lock;
// release rolls back (a no-op after Commit) and lets the next writer in.
func (s *core) begin(ctx context.Context, db *pool) (*txn, func(), error) {
	if s.pg {
		// No write lock: see wmu.
		t, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, nil, err
		}
		return t, func() { t.Rollback() }, nil
	}
	if db == s.spool {
		// The spool goes first: a 250 waits on it, while every other
		// writer (checks, archive, delivery outcomes) can wait a little.
		s.spoolWaiting.Add(1)
		s.wmu.Lock()
		s.spoolWaiting.Add(-1)
	} else {
		for s.spoolWaiting.Load() > 0 {
			time.Sleep(100 * time.Microsecond)
		}
		s.wmu.Lock()
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		s.wmu.Unlock()
		return nil, nil, err
	}
	return tx, func() {
		tx.Rollback()
		s.wmu.Unlock()
	}, nil
}

// ErrorText is an error as a person reads it (the command line's
// message, a page's): without the sentinels' words (": not found",
// "invalid: "), which say nothing more than the message before them.
func ErrorText(err error) string {
	s := err.Error()
	for _, sentinel := range []error{ErrNotFound, ErrDuplicate, ErrInvalid} {
		s = strings.ReplaceAll(s, ": "+sentinel.Error(), "")
	}
	return strings.ReplaceAll(s, ErrInvalid.Error()+": ", "")
}

func isBusy(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked"))
}

func isUnique(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") || pgCode(err) == "23505")
}

// SetClock replaces the store's clock (tests that span days).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// IntakeBusy tells whether mail was spooled within the last d: the later
// stages then give way, so a burst is taken in first and worked off after.
func (s *Store) IntakeBusy(d time.Duration) bool {
	return time.Since(time.Unix(0, s.lastSpool.Load())) < d
}
