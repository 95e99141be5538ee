package dnstest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

const (
	// udpPlainLimit is the largest UDP answer to a client that did not
	// offer EDNS (RFC 1035 §4.2.1).
	udpPlainLimit = 512
	// udpOurLimit is the payload size we advertise and the most we send
	// over UDP whatever the client offers: the size DNS Flag Day 2020
	// settled on to avoid fragmentation (and the one Go's resolver uses).
	udpOurLimit = 1232
	// maxCNAMEs bounds a CNAME chain so a looping zone cannot loop us.
	maxCNAMEs = 8
	// tcpIdle closes TCP connections a client leaves open (RFC 7766 §6.2.3).
	tcpIdle = 10 * time.Second
)

// Server is a running authoritative server. Start it with Start; it stops
// when the test ends.
type Server struct {
	udp net.PacketConn
	tcp net.Listener
	wg  sync.WaitGroup

	mu      sync.Mutex
	zone    map[string][]RR
	rcodes  map[string]dnsmessage.RCode
	queries map[string]int
	conns   map[net.Conn]struct{}
	closed  bool
}

// Start serves zone on 127.0.0.1, UDP and TCP on one port, until the test
// (or benchmark) ends.
func Start(t testing.TB, zone Zone) *Server {
	t.Helper()
	s := &Server{
		zone:    make(map[string][]RR, len(zone)),
		rcodes:  map[string]dnsmessage.RCode{},
		queries: map[string]int{},
		conns:   map[net.Conn]struct{}{},
	}
	for name, rrs := range zone {
		s.zone[canonical(name)] = append([]RR(nil), rrs...)
	}
	if err := s.listen(); err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	s.wg.Add(2)
	go s.serveUDP()
	go s.serveTCP()
	t.Cleanup(s.Close)
	return s
}

// listen binds UDP on an ephemeral port and TCP on the same one. Another
// process may hold that TCP port, so it tries a few ports.
func (s *Server) listen() error {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listening on UDP: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			lastErr = err
			continue
		}
		s.udp, s.tcp = pc, ln
		return nil
	}
	return fmt.Errorf("no port free for both UDP and TCP: %w", lastErr)
}

// Addr is the host:port to send queries to, over UDP or TCP.
func (s *Server) Addr() string { return s.udp.LocalAddr().String() }

// Queries reports how many queries for name (any type, over either
// transport) the server has answered. A host look-up counts twice (A and
// AAAA), and a UDP answer retried over TCP counts twice as well.
func (s *Server) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[canonical(name)]
}

// Set replaces the records of name; with no records, the name is removed.
// Tests use it to change the zone under a cache.
func (s *Server) Set(name string, rrs ...RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(rrs) == 0 {
		delete(s.zone, canonical(name))
		return
	}
	s.zone[canonical(name)] = append([]RR(nil), rrs...)
}

// Fail makes every query for name answer with rcode (SERVFAIL, REFUSED…),
// to test how callers handle a failing server. RCodeSuccess undoes it.
func (s *Server) Fail(name string, rcode dnsmessage.RCode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rcode == dnsmessage.RCodeSuccess {
		delete(s.rcodes, canonical(name))
		return
	}
	s.rcodes[canonical(name)] = rcode
}

// Close stops the server and waits for its goroutines. It is safe to call
// more than once; Start already arranges a call at the end of the test.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.udp.Close()
	s.tcp.Close()
	s.wg.Wait()
}

func (s *Server) serveUDP() {
	defer s.wg.Done()
	buf := make([]byte, 65535)
	for {
		n, peer, err := s.udp.ReadFrom(buf)
		if err != nil {
			// Only Close makes a loopback UDP socket fail.
			return
		}
		if resp := s.answer(buf[:n], true); resp != nil {
			s.udp.WriteTo(resp, peer)
		}
	}
}

func (s *Server) serveTCP() {
	defer s.wg.Done()
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

// serveConn answers the queries of one TCP connection, each framed by a
// two-octet length (RFC 1035 §4.2.2).
func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	var size [2]byte
	for {
		c.SetDeadline(time.Now().Add(tcpIdle))
		if _, err := io.ReadFull(c, size[:]); err != nil {
			return
		}
		req := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(c, req); err != nil {
			return
		}
		resp := s.answer(req, false)
		if resp == nil || len(resp) > 65535 {
			return
		}
		out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(resp)), uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

// answer builds the reply to one query, or nil when the query is too broken
// to reply to (no readable header, or a response sent to us).
func (s *Server) answer(req []byte, udp bool) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil || h.Response {
		return nil
	}
	// RFC 1035 §4.1.1: the reply copies ID, opcode and RD; we are the
	// authority for every name we hold, and offer no recursion.
	hdr := dnsmessage.Header{
		ID:               h.ID,
		Response:         true,
		OpCode:           h.OpCode,
		Authoritative:    true,
		RecursionDesired: h.RecursionDesired,
	}
	q, err := p.Question()
	if err != nil {
		hdr.RCode = dnsmessage.RCodeFormatError
		return build(hdr, nil, nil, false)
	}
	if h.OpCode != 0 {
		hdr.RCode = dnsmessage.RCodeNotImplemented
		return build(hdr, &q, nil, false)
	}
	edns, clientLimit := ednsOf(&p)

	rcode, records := s.resolve(q)
	hdr.RCode = rcode
	resp := build(hdr, &q, records, edns)
	if udp {
		limit := udpPlainLimit
		if edns {
			limit = max(udpPlainLimit, min(clientLimit, udpOurLimit))
		}
		if len(resp) > limit {
			// RFC 2181 §9: a truncated answer holds no partial
			// RRset; the client asks again over TCP.
			hdr.Truncated = true
			resp = build(hdr, &q, nil, edns)
		}
	}
	return resp
}

// ednsOf reports whether the query carries an OPT record (RFC 6891 §6.1),
// and the UDP payload size it offers.
func ednsOf(p *dnsmessage.Parser) (bool, int) {
	if p.SkipAllQuestions() != nil || p.SkipAllAnswers() != nil || p.SkipAllAuthorities() != nil {
		return false, 0
	}
	for {
		rh, err := p.AdditionalHeader()
		if err != nil {
			return false, 0
		}
		if rh.Type == dnsmessage.TypeOPT {
			return true, int(rh.Class)
		}
		if p.SkipAdditional() != nil {
			return false, 0
		}
	}
}

// answerRR is a record with the owner name it is given in the answer.
type answerRR struct {
	owner dnsmessage.Name
	rr    RR
}

// resolve finds the answer to q in the zone, following CNAMEs inside it
// (RFC 1034 §4.3.2 step 3a).
func (s *Server) resolve(q dnsmessage.Question) (dnsmessage.RCode, []answerRR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := canonical(q.Name.String())
	s.queries[name]++
	if rc, ok := s.rcodes[name]; ok {
		return rc, nil
	}
	if q.Class != dnsmessage.ClassINET && q.Class != dnsmessage.ClassANY {
		return dnsmessage.RCodeRefused, nil
	}
	owner := q.Name // answer in the case the client asked in
	var out []answerRR
	for range maxCNAMEs {
		rrs, ok := s.zone[name]
		if !ok {
			if s.hasChildren(name) {
				// An empty non-terminal exists: NODATA, not
				// NXDOMAIN (RFC 8020 §2).
				return dnsmessage.RCodeSuccess, out
			}
			// RFC 6604 §3: the RCODE speaks for the last name in
			// a CNAME chain.
			return dnsmessage.RCodeNameError, out
		}
		if q.Type != dnsmessage.TypeCNAME {
			if i := cnameIndex(rrs); i >= 0 {
				out = append(out, answerRR{owner, rrs[i]})
				target, err := dnsmessage.NewName(canonical(rrs[i].Host))
				if err != nil {
					return dnsmessage.RCodeServerFailure, nil
				}
				owner, name = target, canonical(rrs[i].Host)
				continue
			}
		}
		for _, rr := range rrs {
			if rr.Type == q.Type || q.Type == dnsmessage.TypeALL {
				out = append(out, answerRR{owner, rr})
			}
		}
		return dnsmessage.RCodeSuccess, out
	}
	return dnsmessage.RCodeServerFailure, nil
}

func cnameIndex(rrs []RR) int {
	for i, rr := range rrs {
		if rr.Type == dnsmessage.TypeCNAME {
			return i
		}
	}
	return -1
}

// hasChildren reports whether some name in the zone lies below name.
func (s *Server) hasChildren(name string) bool {
	for n := range s.zone {
		if strings.HasSuffix(n, "."+name) || name == "." {
			return true
		}
	}
	return false
}

// build packs a reply. A record that cannot be packed turns the reply into
// a SERVFAIL rather than a silently shorter answer.
func build(hdr dnsmessage.Header, q *dnsmessage.Question, records []answerRR, edns bool) []byte {
	msg, err := pack(hdr, q, records, edns)
	if err != nil {
		hdr.RCode = dnsmessage.RCodeServerFailure
		msg, err = pack(hdr, q, nil, edns)
		if err != nil {
			return nil
		}
	}
	return msg
}

func pack(hdr dnsmessage.Header, q *dnsmessage.Question, records []answerRR, edns bool) ([]byte, error) {
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), hdr)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if q != nil {
		if err := b.Question(*q); err != nil {
			return nil, err
		}
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	for _, a := range records {
		if err := a.rr.add(&b, a.owner); err != nil {
			return nil, err
		}
	}
	if edns {
		// RFC 6891 §7: a responder that understands EDNS includes OPT
		// in its reply to a query that had one.
		if err := b.StartAdditionals(); err != nil {
			return nil, err
		}
		var rh dnsmessage.ResourceHeader
		if err := rh.SetEDNS0(udpOurLimit, dnsmessage.RCodeSuccess, false); err != nil {
			return nil, err
		}
		if err := b.OPTResource(rh, dnsmessage.OPTResource{}); err != nil {
			return nil, err
		}
	}
	msg, err := b.Finish()
	if err != nil {
		return nil, fmt.Errorf("packing reply: %w", err)
	}
	return msg, nil
}
