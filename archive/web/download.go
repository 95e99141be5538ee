package web

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// Downloads (the export, a thread's or a search's mbox, a raw post, an
// attachment) are written as they are read, never built whole in memory,
// and each chunk must leave within writeStall: a client that stops
// reading is cut after that, instead of holding the handler, its database
// read and its buffers until the server's overall write timeout (or, for
// the export, forever, as a big archive outlasts any overall timeout). A
// client that reads slowly but steadily still gets the whole of it.
//
// How many run at once is bounded per client and in all, so a client
// cannot pin memory by opening many and reading none.

const (
	// defaultWriteStall is how long one chunk may wait for the client.
	defaultWriteStall = 20 * time.Second
	// chunkSize is the most written under one deadline: at the slowest
	// rate that is not cut, 32 KiB per 20 s, a 2 MB post still arrives
	// within half an hour.
	chunkSize = 32 << 10
	// Downloads at once, per client and in all. A raw post or an
	// attachment is held whole while it is written (up to the largest
	// message accepted), an mbox one post at a time plus gzip's window,
	// so the total bounds what all downloads together can pin.
	downloadsPerClient = 2
	downloadsInAll     = 8
)

// deadlineWriter writes to w in chunks of at most chunkSize, each under
// a fresh write deadline.
type deadlineWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := p[:min(len(p), chunkSize)]
		// The deadline is the connection's: real time, not the
		// server's clock that tests may set.
		if err := d.rc.SetWriteDeadline(time.Now().Add(d.stall)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return n, err
		}
		m, err := d.w.Write(c)
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// downloadSlots counts the downloads under way, per client and in all.
type downloadSlots struct {
	mu        sync.Mutex
	perClient int
	inAll     int
	all       int
	byClient  map[string]int
	// refused counts the downloads turned away, cut those ended by a
	// write error (a client gone or not reading), for tests and logs.
	refused, cut int
}

func newDownloadSlots(perClient, inAll int) *downloadSlots {
	return &downloadSlots{perClient: perClient, inAll: inAll, byClient: map[string]int{}}
}

// take reserves a download for key, or refuses with errClientBusy or
// errServerBusy; release gives it back.
func (d *downloadSlots) take(key string) (release func(), err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.byClient[key] >= d.perClient:
		d.refused++
		return nil, errClientBusy
	case d.all >= d.inAll:
		d.refused++
		return nil, errServerBusy
	}
	d.byClient[key]++
	d.all++
	var once sync.Once
	return func() {
		once.Do(func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.all--
			if d.byClient[key]--; d.byClient[key] <= 0 {
				delete(d.byClient, key)
			}
		})
	}, nil
}

func (d *downloadSlots) stats() (active, refused, cut int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.all, d.refused, d.cut
}

func (d *downloadSlots) cutOne() {
	d.mu.Lock()
	d.cut++
	d.mu.Unlock()
}

// download streams a download: it takes a download slot (answering 429 or
// 503 itself when there is none), gives back the request's turn at the
// cores (a download waits on the network, not on a core), sets the
// headers and calls body with a writer that cuts a client that stops
// reading.
func (s *Server) download(w http.ResponseWriter, r *http.Request, ctype, disposition string, body func(io.Writer) error) {
	release, err := s.downloads.take(s.client(r))
	if err != nil {
		s.busyAnswer(w, r, err)
		return
	}
	defer release()
	s.leaveQueue(r)
	w.Header().Set("Content-Type", ctype)
	if disposition != "" {
		w.Header().Set("Content-Disposition", disposition)
	}
	dw := &deadlineWriter{w: w, rc: http.NewResponseController(w), stall: s.writeStall()}
	if err := body(dw); err != nil {
		// Mostly a client that went away or stopped reading.
		s.downloads.cutOne()
		s.log.Info("download cut", "path", r.URL.Path, "remote", s.client(r), "err", err)
	}
}

func (s *Server) writeStall() time.Duration {
	if s.cfg.WriteStall > 0 {
		return s.cfg.WriteStall
	}
	return defaultWriteStall
}
