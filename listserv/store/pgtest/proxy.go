package pgtest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy stands between a test's code and its PostgreSQL server, so that
// the test can cut the network between them the way a partition does:
// silently, with no reset that would tell either side.
type Proxy struct {
	ln       net.Listener
	upstream string

	mu    sync.Mutex
	conns []*proxied
	// lost is closed when the test ends: what Blackhole cut waits on it.
	lost chan struct{}
}

type proxied struct {
	client, server net.Conn
	cut            chan struct{}
	once           sync.Once
}

// NewProxy starts a proxy on 127.0.0.1:0 to the server of dbURL and
// returns the URL that reaches the same database through it.
func NewProxy(t testing.TB, dbURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("pgtest: proxy: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: proxy: %v", err)
	}
	p := &Proxy{ln: ln, upstream: u.Host, lost: make(chan struct{})}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		close(p.lost)
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.client.Close()
			c.server.Close()
		}
	})
	u.Host = ln.Addr().String()
	return p, u.String()
}

func (p *Proxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.upstream)
		if err != nil {
			client.Close()
			continue
		}
		c := &proxied{client: client, server: server, cut: make(chan struct{})}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		p.mu.Unlock()
		go p.pipe(c, client, server)
		go p.pipe(c, server, client)
	}
}

// pipe copies from src to dst until the connection is cut; then it
// holds what it read, and both sockets stay open, answering nothing.
func (p *Proxy) pipe(c *proxied, src, dst net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-c.cut:
			<-p.lost
			return
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				dst.Close()
			} else if tc, ok := dst.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
	}
}

// Blackhole cuts every connection open now: nothing more passes on them
// either way, and neither side is told (a partition that healed, after
// which the server has forgotten them). Connections made after it pass.
func (p *Proxy) Blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.once.Do(func() { close(c.cut) })
	}
}
