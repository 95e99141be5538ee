package bench

import (
	"context"
	"io"
	"net"
	"os"

	"github.com/emersion/go-smtp"

	"praxis/listserv/store"
)

// ingestCeiling is what the receive path could reach on this machine: a
// bare go-smtp receiver on loopback that reads each message into memory
// and spools it with store.Spool (the same group commit and the same
// fsync before the 250 as Praxis) into a store of its own, and does
// nothing else: no routing, no header reading, no checks, archive or
// delivery running beside it. It is fed by the same clients with the
// same posts as the ingest test. On PostgreSQL (db, --db) the spool is a
// database of its own there.
func ingestCeiling(ctx context.Context, db string, posts, clients int, progress Progress) (float64, error) {
	dir, err := os.MkdirTemp("", "praxis-bench-ceiling-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	db, dropDB, err := scratchDB(ctx, db, progress)
	if err != nil {
		return 0, err
	}
	defer dropDB()
	st, err := store.Open(ctx, dir, store.Options{DB: db})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &spoolSession{ctx: ctx, st: st}, nil
	}))
	srv.Domain = "ceiling.localhost"
	srv.MaxLineLength = 1 << 20
	addr, err := serveLoopback(srv)
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	return ingest(addr, posts, clients)
}

// spoolSession spools every message it is given, once per recipient, as
// the receive path does.
type spoolSession struct {
	ctx   context.Context
	st    *store.Store
	from  string
	rcpts []string
}

func (s *spoolSession) Reset()        { s.from, s.rcpts = "", s.rcpts[:0] }
func (s *spoolSession) Logout() error { return nil }
func (s *spoolSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *spoolSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *spoolSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msgs := make([]*store.Message, len(s.rcpts))
	for i, to := range s.rcpts {
		msgs[i] = &store.Message{ListAddress: to, Kind: store.KindPost, MailFrom: s.from, Rcpt: to, Raw: raw}
	}
	return s.st.Spool(s.ctx, msgs...)
}

// serveLoopback serves srv on 127.0.0.1:0 and returns its address.
func serveLoopback(srv *smtp.Server) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go srv.Serve(ln)
	return ln.Addr().String(), nil
}
