package web

import (
	"errors"
	"fmt"
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
// client that reads slowly but steadily still gets the whole of it, as
// long as its average rate since the download began stays above a floor
// (minRate, once the first minute is over): a reader taking 32 KiB every
// 20 s never stalls a chunk, and would otherwise hold its slot for hours.
//
// How many run at once is bounded per client and in all, in two pools:
// the posts (a raw post, an attachment), each bounded by the largest
// message accepted, and the exports (the list's export, a thread's or a
// search's mbox), as long as the archive. So clients holding every export
// slot with slow readers leave everyone's attachment and raw links
// working. A slot is taken before anything is loaded, so a refused
// request costs no memory.

const (
	// defaultWriteStall is how long one chunk may wait for the client.
	defaultWriteStall = 20 * time.Second
	// chunkSize is the most written under one deadline.
	chunkSize = 32 << 10
	// Downloads at once, per client and in all, in each pool. A raw post
	// or an attachment is held whole while it is written (up to the
	// largest message accepted), an mbox one post at a time plus gzip's
	// window, so the totals bound what all downloads together can pin.
	downloadsPerClient = 2
	downloadsInAll     = 8
	// defaultMinRate is the floor of a download's average rate: 8 KiB/s
	// (64 kbit/s), below any real link, far above a reader that only
	// keeps a slot. defaultMinRateAfter is how long it is not applied,
	// as a connection starts slowly.
	defaultMinRate      = 8 << 10
	defaultMinRateAfter = time.Minute
)

// errTooSlow ends a download whose average rate fell under the floor.
var errTooSlow = errors.New("web: download read too slowly")

// deadlineWriter writes to w in chunks of at most chunkSize, each under
// a fresh write deadline: writeStall from now, or sooner if by then the
// average rate since start would have fallen under minRate.
type deadlineWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
	// start is when the download began, written what has left since;
	// minRate (bytes per second) applies from start+minAfter on.
	start    time.Time
	written  int64
	minRate  int64
	minAfter time.Duration
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := p[:min(len(p), chunkSize)]
		// The deadline is the connection's: real time, not the
		// server's clock that tests may set.
		now := time.Now()
		deadline := now.Add(d.stall)
		if floor := d.floorDeadline(int64(len(c))); floor.Before(deadline) {
			if !floor.After(now) {
				return n, fmt.Errorf("%w: %d bytes in %s", errTooSlow, d.written, now.Sub(d.start).Round(time.Second))
			}
			deadline = floor
		}
		if err := d.rc.SetWriteDeadline(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return n, err
		}
		m, err := d.w.Write(c)
		n += m
		d.written += int64(m)
		if err != nil {
			if time.Now().After(deadline) && deadline.Before(now.Add(d.stall)) {
				err = fmt.Errorf("%w: %d bytes in %s: %w", errTooSlow, d.written, time.Since(d.start).Round(time.Second), err)
			}
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// floorDeadline is the latest time by which the next size bytes must
// have left for the average rate to stay at minRate: the time at which
// written+size bytes is exactly minRate per second, and never before
// minAfter has passed.
func (d *deadlineWriter) floorDeadline(size int64) time.Time {
	if d.minRate <= 0 {
		return d.start.Add(100 * 365 * 24 * time.Hour)
	}
	// In float, so that no size overflows; a year is as good as never.
	secs := min(float64(d.written+size)/float64(d.minRate), 365*24*3600)
	return d.start.Add(max(time.Duration(secs*float64(time.Second)), d.minAfter))
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

// download streams a download from pool that body writes as it reads
// it, with its type and Content-Disposition (none when empty).
func (s *Server) download(w http.ResponseWriter, r *http.Request, pool *downloadSlots, ctype, disposition string, body func(io.Writer) error) {
	s.loadAndDownload(w, r, pool, func() *downloadBody { return &downloadBody{ctype, disposition, body} })
}

// loadAndDownload streams a download from pool: it takes a slot
// (answering 429 or 503 itself when there is none) before anything else,
// then calls load, which reads what is sent (answering itself and
// returning nil when there is nothing to send), gives back the request's
// turn at the cores (a download waits on the network, not on a core),
// sets the headers and calls the body it got with a writer that cuts a
// client that stops reading or reads too slowly.
func (s *Server) loadAndDownload(w http.ResponseWriter, r *http.Request, pool *downloadSlots, load func() *downloadBody) {
	release, err := pool.take(s.client(r))
	if err != nil {
		s.busyAnswer(w, r, err)
		return
	}
	defer release()
	b := load()
	if b == nil {
		return
	}
	s.leaveQueue(r)
	w.Header().Set("Content-Type", b.ctype)
	if b.disposition != "" {
		w.Header().Set("Content-Disposition", b.disposition)
	}
	dw := &deadlineWriter{w: w, rc: http.NewResponseController(w), stall: s.writeStall(),
		start: time.Now(), minRate: s.minRate(), minAfter: s.minRateAfter()}
	if err := b.write(dw); err != nil {
		// Mostly a client that went away, stopped reading or read too
		// slowly. The slot is given back before the cut is counted, so
		// that whoever sees the cut sees the slot free too.
		release()
		pool.cutOne()
		s.log.Info("download cut", "path", r.URL.Path, "remote", s.client(r), "err", err)
	}
}

// downloadBody is what a download sends: its type, its
// Content-Disposition (none when empty) and what writes it.
type downloadBody struct {
	ctype, disposition string
	write              func(io.Writer) error
}

// bytesBody sends data, loaded whole.
func bytesBody(ctype, disposition string, data []byte) *downloadBody {
	return &downloadBody{ctype: ctype, disposition: disposition, write: func(out io.Writer) error {
		_, err := out.Write(data)
		return err
	}}
}

func (s *Server) writeStall() time.Duration {
	if s.cfg.WriteStall > 0 {
		return s.cfg.WriteStall
	}
	return defaultWriteStall
}

func (s *Server) minRate() int64 {
	if s.cfg.DownloadMinRate > 0 {
		return s.cfg.DownloadMinRate
	}
	return defaultMinRate
}

func (s *Server) minRateAfter() time.Duration {
	if s.cfg.DownloadMinRateAfter > 0 {
		return s.cfg.DownloadMinRateAfter
	}
	return defaultMinRateAfter
}
