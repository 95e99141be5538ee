package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"mime"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/mbox"
	"praxis/archive/web"
)

// The archive tests of issue 4: threading, search, import and recovery,
// each checked against the corpora themselves. What a message says is read
// here, independently of package archive (a plain header scan, net/mail
// and go-message for decoding), so that a mistake there cannot hide in
// the expectation too.

// corpusMail is what a test knows of one message, read without the
// archive's own parser.
type corpusMail struct {
	file      string
	raw       []byte    // the bytes the archive should store
	id        string    // the Message-ID without <>; "" when it has none
	irt       []string  // In-Reply-To ids, as written
	refs      []string  // References ids, as written
	parent    string    // In-Reply-To's first id, else the last of References; never id itself
	from      string    // the author's address, lower case: Reply-To where Mailman rewrote From
	fromField string    // the From field's address as written, lower case
	date      time.Time // the Date field; zero when missing or unreadable
	subject   string    // decoded, blanks collapsed
}

var (
	angleIDRE   = regexp.MustCompile(`<([^<>\s]+)>`)
	fieldNameRE = regexp.MustCompile(`^[!-9;-~]+[ \t]*$`) // RFC 5322 §3.6.8 ftext, §4.5.3 obs-optional blanks
	separatorRE = regexp.MustCompile(`^From \S+(\s*$|\s+(.*\d.*))`)
	wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}
)

// headerFields scans a message's header by hand: fields up to the first
// empty line, continuation lines unfolded, names lower-cased.
func headerFields(raw []byte) map[string][]string {
	h := map[string][]string{}
	last := ""
	for len(raw) > 0 {
		ln := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			ln = raw[:i+1]
		}
		raw = raw[len(ln):]
		s := strings.TrimRight(string(ln), "\r\n")
		if s == "" {
			break
		}
		if s[0] == ' ' || s[0] == '\t' {
			if last != "" { // a continuation of nothing is skipped
				vs := h[last]
				vs[len(vs)-1] += " " + strings.TrimSpace(s)
			}
			continue
		}
		name, value, ok := strings.Cut(s, ":")
		if !ok || !fieldNameRE.MatchString(name) {
			// Neither a field nor a continuation: the header has ended
			// without its empty line (as Python's email package reads it).
			break
		}
		last = strings.ToLower(strings.TrimRight(name, " \t"))
		h[last] = append(h[last], strings.TrimSpace(value))
	}
	return h
}

// angleIDs returns the message ids in a field: RFC 5322 §3.6.4's
// "<left@right>". Words in angle brackets without an "@" are not ids:
// git send-email, asked which message to reply to, wrote "<yes>" into
// In-Reply-To and References of whole LKML patch series.
func angleIDs(v string) []string {
	var out []string
	for _, m := range angleIDRE.FindAllStringSubmatch(v, -1) {
		if strings.Contains(m[1], "@") {
			out = append(out, m[1])
		}
	}
	return out
}

func readCorpusMail(file string, raw []byte) corpusMail {
	h := headerFields(raw)
	first := func(name string) string {
		if vs := h[name]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	m := corpusMail{file: file, raw: raw}
	if ids := angleIDs(first("message-id")); len(ids) > 0 {
		m.id = ids[0]
	} else if v := strings.Trim(first("message-id"), "<> \t"); v != "" && !strings.ContainsAny(v, " \t") {
		m.id = v
	}
	m.irt = angleIDs(first("in-reply-to"))
	m.refs = angleIDs(strings.Join(h["references"], " "))
	var cands []string
	if len(m.irt) > 0 {
		cands = append(cands, m.irt[0])
	}
	for i := len(m.refs) - 1; i >= 0; i-- {
		cands = append(cands, m.refs[i])
	}
	for _, c := range cands {
		if c != m.id {
			m.parent = c
			break
		}
	}
	ap := mail.AddressParser{WordDecoder: wordDecoder}
	if as, err := ap.ParseList(first("from")); err == nil && len(as) > 0 {
		m.from = strings.ToLower(as[0].Address)
		m.fromField = m.from
		// Mailman rewrote From to the list ("Name via USRP-users") for
		// DMARC and kept the author in Reply-To; the archive counts the
		// author.
		if strings.HasSuffix(as[0].Name, " via USRP-users") {
			if rt, err := ap.ParseList(first("reply-to")); err == nil && len(rt) == 1 {
				m.from = strings.ToLower(rt[0].Address)
			}
		}
	}
	if d, err := mail.ParseDate(first("date")); err == nil {
		m.date = d
	}
	subj := first("subject")
	if dec, err := wordDecoder.DecodeHeader(subj); err == nil {
		subj = dec
	}
	m.subject = strings.Join(strings.Fields(subj), " ")
	return m
}

// archivedDate is the date the archive sorts and searches a post by: its
// Date, unless that is missing or before 1990 or more than a day ahead,
// when the import's time stands in (archive.Read's documented rule).
func (m corpusMail) archivedDate(importedAt time.Time) time.Time {
	if m.date.IsZero() || m.date.Year() < 1990 || m.date.After(importedAt.Add(24*time.Hour)) {
		return importedAt
	}
	return m.date.UTC()
}

// splitMboxrd splits an mboxrd file whose every "From " line is a
// separator (as the usrp archive's SOURCE.md says of it), undoing the
// ">From " quoting and dropping the empty line before each separator.
func splitMboxrd(data []byte) [][]byte {
	var out [][]byte
	var cur []byte
	in := false
	end := func() {
		if in {
			if bytes.HasSuffix(cur, []byte("\n\n")) {
				cur = cur[:len(cur)-1]
			}
			out = append(out, cur)
		}
	}
	quoted := regexp.MustCompile(`^>+From `)
	for len(data) > 0 {
		ln := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln = data[:i+1]
		}
		data = data[len(ln):]
		if bytes.HasPrefix(ln, []byte("From ")) {
			end()
			cur, in = nil, true
			continue
		}
		if quoted.Match(ln) {
			ln = ln[1:]
		}
		cur = append(cur, ln...)
	}
	end()
	return out
}

// splitMboxo splits a classic mbox, where body lines starting "From " were
// not always quoted. A "From " line is a separator when it reads as one,
// "From SENDER" and maybe a date (something with digits after the sender),
// and either follows an empty line (or starts the file) and is dated, or
// is followed by a header field. "From Russia with love" stays in the body.
func splitMboxo(data []byte) [][]byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var lines [][]byte
	for len(data) > 0 {
		ln := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln = data[:i+1]
		}
		data = data[len(ln):]
		lines = append(lines, ln)
	}
	fieldRE := regexp.MustCompile(`^[!-9;-~]+:`)
	var out [][]byte
	var cur []byte
	in := false
	for i, ln := range lines {
		m := separatorRE.FindSubmatch(bytes.TrimRight(ln, "\r\n"))
		afterBlank := i == 0 || len(bytes.TrimRight(lines[i-1], "\r\n")) == 0
		headerNext := i+1 < len(lines) && fieldRE.Match(lines[i+1])
		dated := m != nil && len(m[2]) > 0
		if m != nil && ((dated && afterBlank) || headerNext) {
			if in {
				out = append(out, cur)
			}
			cur, in = nil, true
			continue
		}
		cur = append(cur, ln...)
	}
	if in {
		out = append(out, cur)
	}
	return out
}

// startsWithSeparator tells an mbox (of one message or more) from a
// message: it starts with "From SENDER" ("From  : John Doe" is RFC 822's
// obsolete spelling of a From field).
func startsWithSeparator(raw []byte) bool {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(raw, []byte("\n"))
	return separatorRE.Match(bytes.TrimRight(first, "\r"))
}

// asWritten is a message as the archive keeps it after a trip through
// mbox.Writer and the Reader: with a final newline (the file's own kind).
func asWritten(raw []byte) []byte {
	if len(raw) == 0 || raw[len(raw)-1] == '\n' {
		return raw
	}
	eol := "\n"
	if i := bytes.IndexByte(raw, '\n'); i > 0 && raw[i-1] == '\r' {
		eol = "\r\n"
	}
	return append(append([]byte(nil), raw...), eol...)
}

func sha(raw []byte) string {
	s := sha256.Sum256(raw)
	return hex.EncodeToString(s[:])
}

// writeMbox writes messages to a new mbox file with the archive's Writer.
func writeMbox(t *testing.T, path string, raws [][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := mbox.NewWriter(f)
	for _, raw := range raws {
		if err := w.Write("corpus@example.org", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// textOf returns the decoded text of every text/plain part (or untyped
// leaf) of a message, lower-cased, blanks collapsed.
func textOf(raw []byte) string {
	ent, _ := message.Read(bytes.NewReader(raw))
	if ent == nil {
		return ""
	}
	var parts []string
	var walk func(e *message.Entity, depth int)
	walk = func(e *message.Entity, depth int) {
		if depth > 8 {
			return
		}
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err != nil || p == nil {
					return
				}
				walk(p, depth+1)
			}
		}
		if mt, _, _ := e.Header.ContentType(); mt == "" || mt == "text/plain" {
			b, _ := io.ReadAll(io.LimitReader(e.Body, 1<<20))
			parts = append(parts, string(b))
		}
	}
	walk(ent, 0)
	return strings.ToLower(strings.Join(strings.Fields(strings.Join(parts, "\n")), " "))
}

// ownText is the first text/plain part's own lines (not "> " quotes, not
// after the "-- " signature line), lower-cased, blanks collapsed: what a
// b: search is documented to look in.
func ownText(raw []byte) string {
	ent, _ := message.Read(bytes.NewReader(raw))
	if ent == nil {
		return ""
	}
	var body []byte
	found := false
	var walk func(e *message.Entity, depth int)
	walk = func(e *message.Entity, depth int) {
		if found || depth > 8 {
			return
		}
		if mr := e.MultipartReader(); mr != nil {
			for !found {
				p, err := mr.NextPart()
				if err != nil || p == nil {
					return
				}
				walk(p, depth+1)
			}
			return
		}
		if mt, _, _ := e.Header.ContentType(); mt == "" || mt == "text/plain" {
			body, _ = io.ReadAll(io.LimitReader(e.Body, 256<<10))
			found = true
		}
	}
	walk(ent, 0)
	var own []string
	for _, ln := range strings.Split(string(body), "\n") {
		ln = strings.TrimRight(ln, "\r")
		if ln == "-- " {
			break
		}
		if !strings.HasPrefix(ln, ">") {
			own = append(own, ln)
		}
	}
	return strings.ToLower(strings.Join(strings.Fields(strings.Join(own, "\n")), " "))
}

// ---- the archive, read back ----

type archRow struct {
	id                              int64
	messageID, hash, thread, parent string
	from                            string
	date                            int64
}

func archiveRows(t *testing.T, data, list string) []archRow {
	t.Helper()
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []archRow
	probe(t, st, func(scan func(...any) error) error {
		var r archRow
		if err := scan(&r.id, &r.messageID, &r.hash, &r.thread, &r.parent, &r.from, &r.date); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, `SELECT a.id, a.message_id, a.hash, a.thread_id, a.parent_id, a.from_addr, a.date
		FROM archive a JOIN lists l ON l.id = a.list_id WHERE l.address = ? ORDER BY a.id`, list)
	return out
}

func searchJSON(t *testing.T, data, list, q string, limit int, extra ...string) archive.SearchResult {
	t.Helper()
	args := append([]string{"search", list, q, "--json", "--limit", strconv.Itoa(limit)}, extra...)
	out := praxis(t, data, args...)
	var res archive.SearchResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search %q: %v\n%s", q, err, out)
	}
	return res
}

// praxisWithin runs a command like praxisRun, but kills it after d: a
// reference loop must not hang the thread view.
func praxisWithin(d time.Duration, data string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"--data", data}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %s: %w", d, ctx.Err())
	}
	return stdout.String(), stderr.String(), err
}

func threadOf(t *testing.T, data, list, id string) threadJSON {
	t.Helper()
	out, errOut, err := praxisWithin(30*time.Second, data, "thread", list, "<"+id+">", "--json")
	if err != nil {
		t.Fatalf("praxis thread %s %s: %v\n%s", list, id, err, errOut)
	}
	var th threadJSON
	if err := json.Unmarshal([]byte(out), &th); err != nil {
		t.Fatalf("praxis thread %s: %v\n%s", id, err, out)
	}
	return th
}

func noPanic(t *testing.T, what, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "goroutine ") {
		t.Fatalf("%s panicked:\n%s", what, stderr)
	}
}

// ---- the usrp archive, read once and imported once ----

var usrp struct {
	read     sync.Once
	mails    []corpusMail
	imported sync.Once
	data     string
	at       time.Time // when it was imported
	err      error
}

const usrpList = "usrp@lists.example.org"

// usrpMails parses the usrp archive independently of package mbox.
func usrpMails(t *testing.T) []corpusMail {
	t.Helper()
	path := usrpPath(t)
	usrp.read.Do(func() {
		data, err := os.ReadFile(path)
		if err != nil {
			usrp.err = err
			return
		}
		for i, raw := range splitMboxrd(data) {
			usrp.mails = append(usrp.mails, readCorpusMail(fmt.Sprintf("usrp#%d", i+1), raw))
		}
	})
	if usrp.err != nil {
		t.Fatal(usrp.err)
	}
	if len(usrp.mails) != 3568 {
		t.Fatalf("the usrp archive split into %d messages, SOURCE.md says 3568", len(usrp.mails))
	}
	return usrp.mails
}

// usrpArchive is a data dir with the usrp archive imported into
// usrpList and indexed, shared by the tests that only read it. It lives
// next to the test binary, which TestMain removes at the end.
func usrpArchive(t *testing.T) string {
	t.Helper()
	path := usrpPath(t)
	usrp.imported.Do(func() {
		dir, err := os.MkdirTemp(filepath.Dir(binary), "usrp-")
		if err != nil {
			usrp.err = err
			return
		}
		if _, errOut, err := praxisRun(dir, "list", "create", usrpList, "--name", "USRP users"); err != nil {
			usrp.err = fmt.Errorf("list create: %v %s", err, errOut)
			return
		}
		usrp.at = time.Now()
		out, errOut, err := praxisRun(dir, "import", "mbox", usrpList, path)
		if err != nil || !strings.Contains(out, "3568 messages") {
			usrp.err = fmt.Errorf("import: %v %s %s", err, out, errOut)
			return
		}
		usrp.data = dir
	})
	if usrp.data == "" {
		t.Fatalf("importing the usrp archive: %v", usrp.err)
	}
	return usrp.data
}

// ---- 1. threading ----

// unionFind groups message ids (and the ghosts they name).
type unionFind map[string]string

func (u unionFind) find(x string) string {
	for {
		p, ok := u[x]
		if !ok || p == x {
			u[x] = x
			return x
		}
		u[x] = u[p] // path halving
		x = u[p]
	}
}

func (u unionFind) union(a, b string) { u[u.find(a)] = u.find(b) }

// replyMarkerRE finds a reply marker among a subject's leading list tags
// and markers: such a post without references may be threaded by subject.
var replyMarkerRE = regexp.MustCompile(`(?i)^\s*(\[[^\]]*\]\s*|(fwd?|fw)\s*:\s*)*(re|aw|sv|antw|vs|odp)(\[\d+\]|\(\d+\))?\s*:`)

// checkThreading compares the archive's threads with the ones the corpus's
// headers give:
//
//   - every message is stored byte for byte under its own Message-ID and
//     its From address;
//   - its parent_id is its parent (In-Reply-To, else the last References
//     id), whether archived or a ghost, and "" without either;
//   - a reply whose parent is archived shares the parent's thread;
//   - messages joined by references (directly, or through a ghost they
//     both name) share a thread (posts sharing a Message-ID are left to
//     checkDuplicateThreads);
//   - and, the other way, a thread holds more than one such group only when
//     the others could have been joined by subject: a "Re:" without any
//     references.
func checkThreading(t *testing.T, mails []corpusMail, rows []archRow) {
	t.Helper()
	rowByHash := map[string]archRow{}
	rowsByID := map[string][]archRow{}
	for _, r := range rows {
		rowByHash[r.hash] = r
		rowsByID[r.messageID] = append(rowsByID[r.messageID], r)
	}
	stored := map[string]bool{}
	for _, m := range mails {
		stored[sha(m.raw)] = true
	}
	if len(rows) != len(stored) {
		t.Errorf("the archive has %d rows for %d distinct messages", len(rows), len(stored))
	}
	uf := unionFind{}
	copies := map[string]map[string]bool{} // Message-ID → hashes
	for _, m := range mails {
		if copies[m.id] == nil {
			copies[m.id] = map[string]bool{}
		}
		copies[m.id][sha(m.raw)] = true
	}
	node := func(m corpusMail) string {
		if m.id == "" || len(copies[m.id]) > 1 {
			return "hash:" + sha(m.raw)
		}
		return m.id
	}
	// ufAll joins the copies of a Message-ID too: the other way round, a
	// thread may hold them all without being wrong.
	ufAll := unionFind{}
	nodeAll := func(m corpusMail) string {
		if m.id == "" {
			return "hash:" + sha(m.raw)
		}
		return m.id
	}
	checkedParents := 0
	for _, m := range mails {
		r, ok := rowByHash[sha(m.raw)]
		if !ok {
			t.Errorf("%s (<%s>) is not stored byte for byte", m.file, m.id)
			continue
		}
		if m.id != "" && r.messageID != m.id {
			t.Errorf("%s is stored as <%s>, its Message-ID is <%s>", m.file, r.messageID, m.id)
		}
		// The store keeps the From field as written (IMAP FROM answers
		// for it); the de-munged author is the index's and the pages'.
		if m.fromField != "" && r.from != m.fromField {
			t.Errorf("%s <%s>: from %q, want %q", m.file, m.id, r.from, m.fromField)
		}
		if r.parent != m.parent {
			t.Errorf("%s <%s>: parent_id %q, want %q (In-Reply-To %v, References %v)", m.file, m.id, r.parent, m.parent, m.irt, m.refs)
		}
		if ps := rowsByID[m.parent]; m.parent != "" && len(ps) > 0 {
			checkedParents++
			if !slices.ContainsFunc(ps, func(p archRow) bool { return p.thread == r.thread }) {
				t.Errorf("%s <%s> is in thread %q, its parent <%s> in %q", m.file, m.id, r.thread, m.parent, ps[0].thread)
			}
		}
		for _, u := range []struct {
			uf unionFind
			n  string
		}{{uf, node(m)}, {ufAll, nodeAll(m)}} {
			u.uf.find(u.n)
			if len(m.irt) > 0 {
				u.uf.union(u.n, m.irt[0])
			}
			for _, ref := range m.refs {
				u.uf.union(u.n, ref)
			}
		}
	}
	t.Logf("%d messages, %d rows; %d replies with their parent in the corpus", len(mails), len(rows), checkedParents)

	// Groups joined by references, and the threads they landed in.
	threadsOfGroup := map[string]map[string]bool{}
	groupsOfThread := map[string]map[string]bool{}
	joinable := map[string]bool{} // groups a subject could have joined
	members := map[string][]string{}
	for _, m := range mails {
		r, ok := rowByHash[sha(m.raw)]
		if !ok {
			continue
		}
		g, gAll := uf.find(node(m)), "all:"+ufAll.find(nodeAll(m))
		if threadsOfGroup[g] == nil {
			threadsOfGroup[g] = map[string]bool{}
		}
		threadsOfGroup[g][r.thread] = true
		if groupsOfThread[r.thread] == nil {
			groupsOfThread[r.thread] = map[string]bool{}
		}
		groupsOfThread[r.thread][gAll] = true
		if len(m.irt) == 0 && len(m.refs) == 0 && replyMarkerRE.MatchString(m.subject) {
			joinable[gAll] = true
		}
		desc := fmt.Sprintf("%s <%s>", m.file, m.id)
		members[g] = append(members[g], desc)
		members[gAll] = append(members[gAll], desc)
	}
	split := 0
	for g, ths := range threadsOfGroup {
		if len(ths) > 1 {
			split++
			if split <= 10 {
				t.Errorf("messages joined by their references are in %d threads %v: %v", len(ths), sortedKeys(ths), members[g])
			}
		}
	}
	if split > 10 {
		t.Errorf("... %d groups split in all", split)
	}
	merged := 0
	for th, gs := range groupsOfThread {
		unjoinable := 0
		for g := range gs {
			if !joinable[g] {
				unjoinable++
			}
		}
		if unjoinable > 1 {
			merged++
			if merged <= 10 {
				var ms [][]string
				for g := range gs {
					ms = append(ms, members[g])
				}
				t.Errorf("thread %q joins %d unrelated groups: %v", th, unjoinable, ms)
			}
		}
	}
	if merged > 10 {
		t.Errorf("... %d threads join unrelated groups in all", merged)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkDuplicateThreads checks that posts sharing a Message-ID (different
// bytes) are in one thread, and that `praxis thread` of that id shows every
// one of them: a Message-ID names one message, and a reply to it can only
// be threaded with all of its copies.
func checkDuplicateThreads(t *testing.T, data, list string, rows []archRow) {
	t.Helper()
	byID := map[string][]archRow{}
	for _, r := range rows {
		byID[r.messageID] = append(byID[r.messageID], r)
	}
	dups := 0
	for id, rs := range byID {
		if len(rs) < 2 {
			continue
		}
		dups++
		threads := map[string]bool{}
		for _, r := range rs {
			threads[r.thread] = true
		}
		if len(threads) > 1 {
			t.Errorf("the %d posts with Message-ID <%s> are in %d threads %v", len(rs), id, len(threads), sortedKeys(threads))
		}
		shown := 0
		for _, m := range threadOf(t, data, list, id).Messages {
			if m.MessageID == id {
				shown++
			}
		}
		if shown != len(rs) {
			t.Errorf("praxis thread <%s> shows %d of its %d posts", id, shown, len(rs))
		}
	}
	if dups == 0 {
		t.Fatal("no duplicate Message-IDs in the corpus")
	}
}

// checkThreadViews asks `praxis thread` for a message of every thread of
// two or more messages: it shows exactly the thread's posts, each once,
// every parent before its children.
func checkThreadViews(t *testing.T, data, list string, rows []archRow) {
	t.Helper()
	byThread := map[string][]archRow{}
	for _, r := range rows {
		byThread[r.thread] = append(byThread[r.thread], r)
	}
	views := 0
	for th, rs := range byThread {
		if len(rs) < 2 {
			continue
		}
		views++
		got := threadOf(t, data, list, rs[len(rs)-1].messageID)
		if got.ThreadID != th {
			t.Errorf("thread of <%s>: id %q, want %q", rs[len(rs)-1].messageID, got.ThreadID, th)
		}
		want := map[string]int{}
		for _, r := range rs {
			want[r.messageID]++
		}
		pos := map[string]int{}
		for i, m := range got.Messages {
			want[m.MessageID]--
			if _, ok := pos[m.MessageID]; !ok {
				pos[m.MessageID] = i
			}
		}
		for id, n := range want {
			if n != 0 {
				t.Errorf("thread %q: <%s> shown %+d times too many (%d posts, %d shown)", th, id, -n, len(rs), len(got.Messages))
			}
		}
		for i, m := range got.Messages {
			if j, ok := pos[m.ParentID]; ok && j > i && m.Depth > 0 {
				t.Errorf("thread %q: <%s> at %d before its parent <%s> at %d", th, m.MessageID, i, m.ParentID, j)
			}
		}
	}
	t.Logf("%d threads of 2 or more checked with praxis thread", views)
}

// notmuchMails reads every message of the notmuch corpora: maildir files,
// one message each. A leading "From " line is an mbox envelope, not part
// of the message, and is dropped.
func notmuchMails(t *testing.T) []corpusMail {
	t.Helper()
	var out []corpusMail
	for _, f := range corpusFiles(t) {
		if !strings.Contains(filepath.ToSlash(f), "/notmuch-corpora/") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if startsWithSeparator(raw) {
			_, raw, _ = bytes.Cut(raw, []byte("\n"))
		}
		out = append(out, readCorpusMail(strings.TrimPrefix(filepath.ToSlash(f), "../../../shared/corpora/"), asWritten(raw)))
	}
	if len(out) < 300 {
		t.Fatalf("only %d notmuch messages", len(out))
	}
	return out
}

// TestArchiveThreadingNotmuch imports notmuch's threading corpora (loops,
// ghost roots, In-Reply-To against References, duplicate Message-IDs,
// real LKML threads) in three orders, and checks every list's threads
// against the headers.
func TestArchiveThreadingNotmuch(t *testing.T) {
	mails := notmuchMails(t)
	data := t.TempDir()
	dir := t.TempDir()
	rev := slices.Clone(mails)
	slices.Reverse(rev)
	shuffled := slices.Clone(mails)
	rand.New(rand.NewSource(4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	orders := []struct {
		name  string
		mails []corpusMail
	}{{"file-order", mails}, {"reversed", rev}, {"shuffled", shuffled}}
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			list := o.name + "@lists.example.org"
			praxis(t, data, "list", "create", list, "--name", o.name)
			path := filepath.Join(dir, o.name+".mbox")
			raws := make([][]byte, len(o.mails))
			for i, m := range o.mails {
				raws[i] = m.raw
			}
			writeMbox(t, path, raws)
			out, errOut, err := praxisRun(data, "import", "mbox", list, path)
			noPanic(t, "import", errOut)
			if err != nil || !strings.Contains(out, fmt.Sprintf(" %d messages read", len(raws))) {
				t.Fatalf("import: %v %s %s", err, out, errOut)
			}
			rows := archiveRows(t, data, list)
			checkThreading(t, o.mails, rows)

			thread := map[string]string{}
			for _, r := range rows {
				thread[r.messageID] = r.thread
			}
			same := func(what string, ids ...string) {
				t.Helper()
				for _, id := range ids {
					if th, ok := thread[id]; !ok || th != thread[ids[0]] {
						t.Errorf("%s: <%s> in thread %q (archived %v), <%s> in %q", what, id, th, ok, ids[0], thread[ids[0]])
					}
				}
			}
			// The cases the corpus was made for, by name.
			same("ghost root", "000-real-root@example.org", "001-child@example.org", "001-grand-child@example.org",
				"001-grand-child2@example.org", "001-great-grand-child@example.org", "001-fake-message-root@example.org")
			same("RT ticket ghost", "87bmc6lp3h.fsf@len.workgroup",
				"rt-4.2.8-22046-1529425595-591.33575-211-0@xxxxxxx-xxxxxxxxxxxxxxxxx-xxxxxxxxx-xxxxxxxxx.de",
				"rt-4.2.8-6644-1530017064-1465.33575-215-0@xxxxxxx-xxxxxxxxxxxxxxxxx-xxxxxxxxx-xxxxxxxxx.de")
			same("parent priority", "B00-root@example.org", "B01-child@example.org", "B01-grand-child@example.org")
			same("loop", "mid-loop-12@example.org", "mid-loop-21@example.org")

			// A reference loop: both posts shown, once each, promptly.
			th := threadOf(t, data, list, "mid-loop-12@example.org")
			var ids []string
			for _, m := range th.Messages {
				ids = append(ids, m.MessageID)
			}
			sort.Strings(ids)
			if !slices.Equal(ids, []string{"mid-loop-12@example.org", "mid-loop-21@example.org"}) {
				t.Errorf("the loop's thread shows %v", ids)
			}
			// Duplicate Message-IDs: every copy is kept and retrievable.
			for _, m := range o.mails {
				if strings.Contains(m.file, "/duplicate/") {
					found := false
					for _, r := range rows {
						found = found || (r.messageID == m.id && r.hash == sha(m.raw))
					}
					if !found {
						t.Errorf("duplicate %s <%s> not kept", m.file, m.id)
					}
				}
			}
			checkThreadViews(t, data, list, rows)
			t.Run("duplicate ids share a thread", func(t *testing.T) {
				checkDuplicateThreads(t, data, list, rows)
			})
		})
	}
}

// TestArchiveThreadingUSRP checks the usrp archive's threads against its
// headers: 2,502 replies have their parent in the file (SOURCE.md).
func TestArchiveThreadingUSRP(t *testing.T) {
	mails := usrpMails(t)
	data := usrpArchive(t)
	rows := archiveRows(t, data, usrpList)
	if len(rows) != 3568 {
		t.Fatalf("%d rows, want 3568", len(rows))
	}
	checkThreading(t, mails, rows)
	// SOURCE.md's count of replies "whose parent is in this file" is of
	// those that name any message of the file: a check of the reading here.
	ids := map[string]bool{}
	for _, m := range mails {
		ids[m.id] = true
	}
	naming := 0
	for _, m := range mails {
		if slices.ContainsFunc(append(slices.Clone(m.irt), m.refs...), func(id string) bool { return ids[id] }) {
			naming++
		}
	}
	if naming != 2502 {
		t.Errorf("%d replies name a message of the file; SOURCE.md counts 2502", naming)
	}
}

// ---- 2. search against the corpus ----

func hitIDs(res archive.SearchResult) map[string]int {
	out := map[string]int{}
	for _, h := range res.Hits {
		out[h.MessageID]++
	}
	return out
}

// sameHits compares a search's hits with the messages expected, as
// multisets of Message-IDs (the usrp archive has one id twice).
func sameHits(t *testing.T, q string, res archive.SearchResult, want []corpusMail) {
	t.Helper()
	if int(res.Total) != len(want) {
		t.Errorf("%s: total %d, want %d", q, res.Total, len(want))
	}
	if len(want) > 1000 {
		return
	}
	wantIDs := map[string]int{}
	for _, m := range want {
		wantIDs[m.id]++
	}
	got := hitIDs(res)
	var missing, extra []string
	for id, n := range wantIDs {
		if got[id] < n {
			missing = append(missing, id)
		}
	}
	for id, n := range got {
		if wantIDs[id] < n {
			extra = append(extra, id)
		}
	}
	if len(missing)+len(extra) > 0 {
		t.Errorf("%s: %d hits; missing %d %v; not expected %d %v", q, len(res.Hits), len(missing), firstN(missing, 5), len(extra), firstN(extra, 5))
	}
}

func firstN(s []string, n int) []string { return s[:min(n, len(s))] }

func TestArchiveSearchUSRP(t *testing.T) {
	mails := usrpMails(t)
	data := usrpArchive(t)
	byID := map[string]corpusMail{}
	for _, m := range mails {
		byID[m.id] = m
	}
	where := func(f func(m corpusMail) bool) []corpusMail {
		var out []corpusMail
		for _, m := range mails {
			if f(m) {
				out = append(out, m)
			}
		}
		return out
	}

	t.Run("from", func(t *testing.T) {
		// Authors whose From Mailman rewrote to the list ("Name via
		// USRP-users") for DMARC are found by their own address, kept in
		// Reply-To.
		for _, addr := range []string{"patchvonbraun@gmail.com", "rkossler@nd.edu",
			"marcus.mueller@ettus.com", "wade.fife@ettus.com", "Jonathon.Pendlum@Ettus.com"} {
			q := "f:" + addr
			want := where(func(m corpusMail) bool { return m.from == strings.ToLower(addr) })
			if len(want) < 15 {
				t.Fatalf("%s: only %d messages; pick a busier address", addr, len(want))
			}
			res := searchJSON(t, data, usrpList, q, 1000)
			sameHits(t, q, res, want)
			for _, h := range res.Hits {
				if m := byID[h.MessageID]; m.from != strings.ToLower(addr) {
					t.Errorf("%s found <%s> from %q", q, h.MessageID, m.from)
				}
			}
			t.Logf("%s: %d", q, res.Total)
		}
	})

	t.Run("date", func(t *testing.T) {
		// Days are UTC days: find posts whose own time zone puts them on
		// another day, so that a range in local time would differ.
		var behind, ahead *corpusMail // local day before / after the UTC day
		for i := range mails {
			m := &mails[i]
			if m.date.IsZero() {
				continue
			}
			local, utc := m.date.Format("2006-01-02"), m.date.UTC().Format("2006-01-02")
			if local < utc && behind == nil {
				behind = m
			}
			if local > utc && ahead == nil {
				ahead = m
			}
		}
		if behind == nil || ahead == nil {
			t.Fatal("no post whose time zone moves it to another day")
		}
		day := func(tm time.Time) time.Time {
			tm = tm.UTC()
			return time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC)
		}
		bStart := day(behind.date)
		aDay := day(ahead.date)
		cases := []struct {
			q        string
			from, to time.Time // [from, to)
			mustFind *corpusMail
			zeroFrom bool
			openEnd  bool
		}{
			// behind's local day is the day before the range starts.
			{q: "d:" + bStart.Format("2006-01-02") + ".." + bStart.AddDate(0, 0, 2).Format("2006-01-02"), from: bStart, to: bStart.AddDate(0, 0, 3), mustFind: behind},
			// ahead's local day is the day after this one.
			{q: "d:" + aDay.Format("2006-01-02"), from: aDay, to: aDay.AddDate(0, 0, 1), mustFind: ahead},
			{q: "d:" + aDay.AddDate(0, 0, -1).Format("20060102") + ".." + aDay.Format("20060102"), from: aDay.AddDate(0, 0, -1), to: aDay.AddDate(0, 0, 1), mustFind: ahead},
			{q: "d:2021-02", from: time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC), to: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)},
			{q: "d:2020-12-24..2021-01-02", from: time.Date(2020, 12, 24, 0, 0, 0, 0, time.UTC), to: time.Date(2021, 1, 3, 0, 0, 0, 0, time.UTC)},
			{q: "d:..2020-07-03", to: time.Date(2020, 7, 4, 0, 0, 0, 0, time.UTC), zeroFrom: true},
			{q: "d:2021-12-28..", from: time.Date(2021, 12, 28, 0, 0, 0, 0, time.UTC), openEnd: true},
		}
		for _, c := range cases {
			want := where(func(m corpusMail) bool {
				d := m.archivedDate(usrp.at)
				return (c.zeroFrom || !d.Before(c.from)) && (c.openEnd || d.Before(c.to))
			})
			if len(want) == 0 {
				t.Fatalf("%s: no message in range; pick another", c.q)
			}
			if !c.openEnd {
				// The range's last day counts: make sure it has posts.
				last := where(func(m corpusMail) bool {
					d := m.archivedDate(usrp.at)
					return !d.Before(c.to.AddDate(0, 0, -1)) && d.Before(c.to)
				})
				if len(last) == 0 {
					t.Fatalf("%s: no post on the last day; pick another range", c.q)
				}
			}
			res := searchJSON(t, data, usrpList, c.q, 1000)
			sameHits(t, c.q, res, want)
			if c.mustFind != nil && hitIDs(res)[c.mustFind.id] == 0 {
				t.Errorf("%s: <%s> (Date %s) not found", c.q, c.mustFind.id, c.mustFind.date)
			}
			t.Logf("%s: %d", c.q, res.Total)
		}
	})

	t.Run("subject", func(t *testing.T) {
		// Model numbers: no stemming to think of. The analyser splits
		// words at anything but letters and digits ("USRP-X410", "X410/X440").
		for _, w := range []string{"x410", "e320", "n321", "dpdk"} {
			re := regexp.MustCompile(`(?i)(^|[^\pL\pN_])` + w + `($|[^\pL\pN_])`)
			want := where(func(m corpusMail) bool { return re.MatchString(m.subject) })
			if len(want) < 5 {
				t.Fatalf("s:%s: only %d subjects", w, len(want))
			}
			res := searchJSON(t, data, usrpList, "s:"+w, 1000)
			sameHits(t, "s:"+w, res, want)
			for _, h := range res.Hits {
				if !re.MatchString(h.Subject) {
					t.Errorf("s:%s found %q", w, h.Subject)
				}
			}
			t.Logf("s:%s: %d", w, res.Total)
		}
	})

	t.Run("body phrase", func(t *testing.T) {
		const phrase = "rfnoc block"
		const known = "CACjmV_nm2ODGd7i_Qd+yQDd5az3s-qKChz1Cev6Ae8PeCiJsvg@mail.gmail.com"
		m, ok := byID[known]
		if !ok || !strings.Contains(ownText(m.raw), phrase) {
			t.Fatalf("<%s> does not say %q in its own text", known, phrase)
		}
		var said []corpusMail
		for _, m := range mails {
			if strings.Contains(ownText(m.raw), phrase) {
				said = append(said, m)
			}
		}
		q := `b:"` + phrase + `"`
		res := searchJSON(t, data, usrpList, q, 1000)
		if res.Total > 1000 || len(res.Hits) != int(res.Total) {
			t.Fatalf("%s: %d hits of %d", q, len(res.Hits), res.Total)
		}
		got := hitIDs(res)
		if got[known] == 0 {
			t.Errorf("%s: <%s> not found", q, known)
		}
		// Stemming may find more ("RFNoC blocks"), never fewer.
		for _, m := range said {
			if got[m.id] == 0 {
				t.Errorf("%s: <%s> says it and was not found", q, m.id)
			}
		}
		for _, h := range res.Hits {
			text := textOf(byID[h.MessageID].raw)
			if !strings.Contains(text, "rfnoc") || !strings.Contains(text, "block") {
				t.Errorf("%s found <%s>, which lacks the words", q, h.MessageID)
			}
		}
		t.Logf("%s: %d found, %d say it exactly", q, res.Total, len(said))
	})

	t.Run("newest first", func(t *testing.T) {
		// Many hits: the page must still be the newest of all of them.
		for _, q := range []string{"f:patchvonbraun@gmail.com", "d:2020-07-01..2021-12-31"} {
			var want []time.Time
			for _, m := range mails {
				d := m.archivedDate(usrp.at)
				if (strings.HasPrefix(q, "f:") && m.from == "patchvonbraun@gmail.com") ||
					(strings.HasPrefix(q, "d:") && d.Year() >= 2020 && d.Year() <= 2021) {
					want = append(want, d)
				}
			}
			sort.Slice(want, func(i, j int) bool { return want[i].After(want[j]) })
			res := searchJSON(t, data, usrpList, q, 40)
			if int(res.Total) != len(want) || len(res.Hits) != 40 {
				t.Fatalf("%s: total %d, %d hits; want %d", q, res.Total, len(res.Hits), len(want))
			}
			for i, h := range res.Hits {
				d, err := time.Parse(time.RFC3339, h.Date)
				if err != nil || !d.Equal(want[i]) {
					t.Errorf("%s: hit %d dated %s, want %s", q, i, h.Date, want[i].Format(time.RFC3339))
				}
			}
			rel := searchJSON(t, data, usrpList, q, 5, "--sort", "relevance")
			if rel.Total != res.Total {
				t.Errorf("%s: %d by relevance, %d by date", q, rel.Total, res.Total)
			}
		}
	})
}

// TestArchivePrivateListInvisible imports posts into a private list and
// others into a public one: no search of the public list finds a private
// post, however exactly the query names it, whether the command opens the
// index itself or asks a running serve.
func TestArchivePrivateListInvisible(t *testing.T) {
	mails := usrpMails(t)
	data := t.TempDir()
	const pub, priv = "pub@lists.example.org", "priv@lists.example.org"
	praxis(t, data, "list", "create", pub, "--name", "Public")
	praxis(t, data, "list", "create", priv, "--name", "Private", "--archive", "private")
	privMails, pubMails := mails[:60], mails[60:120]
	dir := t.TempDir()
	for _, x := range []struct {
		list  string
		mails []corpusMail
	}{{priv, privMails}, {pub, pubMails}} {
		var raws [][]byte
		for _, m := range x.mails {
			raws = append(raws, m.raw)
		}
		path := filepath.Join(dir, x.list+".mbox")
		writeMbox(t, path, raws)
		praxis(t, data, "import", "mbox", x.list, path)
	}

	// Queries that match private posts exactly: their Message-IDs and
	// senders (none of which the public posts have) must find nothing on
	// the public list; subject words may find public posts too (stemming
	// makes "problems" match "problem"), but only public ones.
	pubIDs := map[string]bool{}
	pubFrom := map[string]bool{}
	pubSubjects := ""
	for _, m := range pubMails {
		pubIDs[m.id] = true
		pubFrom[m.from] = true
		pubSubjects += " " + strings.ToLower(m.subject)
	}
	var none, onlyPublic []string
	for _, m := range privMails[:10] {
		if !pubIDs[m.id] {
			none = append(none, "m:"+m.id, `m:"<`+m.id+`>"`)
		}
	}
	// Words as the index cuts them: "_" joins ("set_thread_priority_safe").
	wordRE := regexp.MustCompile(`[\pL\pN_]+`)
	words := map[string]bool{}
	for _, m := range privMails {
		for _, w := range wordRE.FindAllString(strings.ToLower(m.subject), -1) {
			if len(w) >= 6 && len(words) < 6 && !words[w] && !strings.Contains(pubSubjects, w) {
				words[w] = true
				onlyPublic = append(onlyPublic, "s:"+w, w)
			}
		}
		if !pubFrom[m.from] && m.from != "" {
			none = append(none, "f:"+m.from)
			pubFrom[m.from] = true
		}
	}
	if len(words) < 3 || len(none) < 20 {
		t.Fatalf("only %d words and %d ids and senders unique to the private posts", len(words), len(none))
	}
	first, last := privMails[0].date.UTC(), privMails[len(privMails)-1].date.UTC()
	days := "d:" + first.Format("2006-01-02") + ".." + last.Format("2006-01-02")
	pubInDays := 0
	for _, m := range pubMails {
		if d := m.date.UTC(); !d.Before(first.Truncate(24*time.Hour)) && d.Before(last.Truncate(24*time.Hour).AddDate(0, 0, 1)) {
			pubInDays++
		}
	}

	check := func(t *testing.T, search func(list, q string) archive.SearchResult) {
		for _, q := range slices.Concat(none, onlyPublic, []string{days}) {
			if res := search(priv, q); res.Total == 0 {
				t.Errorf("%s finds nothing on the private list itself", q)
			}
			res := search(pub, q)
			for _, h := range res.Hits {
				if !pubIDs[h.MessageID] || h.List != pub {
					t.Errorf("search of %s for %s found <%s> of %s", pub, q, h.MessageID, h.List)
				}
			}
			switch {
			case slices.Contains(none, q) && res.Total != 0:
				t.Errorf("search of %s for %s: total %d, want 0", pub, q, res.Total)
			case q == days && int(res.Total) != pubInDays:
				t.Errorf("search of %s for %s: %d, want the %d public posts", pub, q, res.Total, pubInDays)
			case int(res.Total) != len(res.Hits):
				t.Errorf("search of %s for %s: total %d counts %d posts not shown", pub, q, res.Total, int(res.Total)-len(res.Hits))
			}
		}
	}
	t.Run("shell", func(t *testing.T) {
		check(t, func(list, q string) archive.SearchResult { return searchJSON(t, data, list, q, 100) })
	})
	t.Run("serve", func(t *testing.T) {
		rec := newRecorder(t)
		srv := serve(t, data, rec.sink.Addr())
		// One search through the command, the rest straight to serve's
		// admin socket with the command's client (the command waits for
		// the index lock first, which would make this slow).
		if res := searchJSON(t, data, pub, none[0], 100); res.Total != 0 {
			t.Errorf("praxis search %s %s beside serve: %d found", pub, none[0], res.Total)
		}
		check(t, func(list, q string) archive.SearchResult {
			res, err := web.AdminSearch(context.Background(), data, list, q, 100, "date")
			if err != nil {
				t.Fatalf("search %s %s: %v", list, q, err)
			}
			return *res
		})
		srv.stop(t)
	})
	t.Logf("%d queries", len(none)+len(onlyPublic)+1)
}

// ---- 3. import every fixture ----

type fixtureSet struct {
	folder  string
	list    string
	wrapped []corpusMail // single messages, wrapped in an mbox by the test
	asIs    []string     // files that are mboxes themselves ("From " first)
	inAsIs  []corpusMail // the messages in those, split independently
	counts  map[string]int
}

func fixtureSets(t *testing.T) []*fixtureSet {
	t.Helper()
	sets := map[string]*fixtureSet{}
	var order []string
	for _, f := range corpusFiles(t) {
		rel := strings.TrimPrefix(filepath.ToSlash(f), "../../../shared/corpora/")
		folder, _, _ := strings.Cut(rel, "/")
		s := sets[folder]
		if s == nil {
			s = &fixtureSet{folder: folder, list: strings.TrimSuffix(folder, "-testdata") + "@lists.example.org"}
			sets[folder] = s
			order = append(order, folder)
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if startsWithSeparator(raw) {
			s.asIs = append(s.asIs, f)
			if s.counts == nil {
				s.counts = map[string]int{}
			}
			s.counts[f] = len(splitMboxo(raw))
			for i, m := range splitMboxo(raw) {
				s.inAsIs = append(s.inAsIs, readCorpusMail(fmt.Sprintf("%s#%d", rel, i+1), m))
			}
			continue
		}
		s.wrapped = append(s.wrapped, readCorpusMail(rel, asWritten(raw)))
	}
	var out []*fixtureSet
	for _, f := range order {
		out = append(out, sets[f])
	}
	return out
}

// importFixtures imports every set into its list, the wrapped messages as
// one mbox and the mbox files as they are, and returns the command's
// output, after checking that it neither failed nor panicked.
func importFixtures(t *testing.T, data, dir string, s *fixtureSet) string {
	t.Helper()
	mboxPath := filepath.Join(dir, s.folder+".mbox")
	if _, err := os.Stat(mboxPath); err != nil {
		var raws [][]byte
		for _, m := range s.wrapped {
			raws = append(raws, m.raw)
		}
		writeMbox(t, mboxPath, raws)
	}
	args := append([]string{"import", "mbox", s.list, mboxPath}, s.asIs...)
	out, errOut, err := praxisWithin(2*time.Minute, data, args...)
	noPanic(t, "import of "+s.folder, errOut)
	if err != nil {
		t.Fatalf("import of %s: %v\n%s%s", s.folder, err, out, errOut)
	}
	return out
}

type rowKey struct{ messageID, hash, thread, parent string }

func rowKeys(rows []archRow) []rowKey {
	out := make([]rowKey, len(rows))
	for i, r := range rows {
		out[i] = rowKey{r.messageID, r.hash, r.thread, r.parent}
	}
	return out
}

// TestArchiveImportCorpora imports every fixture in ../shared/corpora:
// nothing fails, every message is kept byte for byte and found by its
// Message-ID (those without one get a made-up id, and are counted), a
// second import changes nothing, and an export imported elsewhere gives
// the same messages.
func TestArchiveImportCorpora(t *testing.T) {
	sets := fixtureSets(t)
	data, dir := t.TempDir(), t.TempDir()
	for _, s := range sets {
		praxis(t, data, "list", "create", s.list, "--name", s.folder)
	}
	before := map[string][]rowKey{}
	for _, s := range sets {
		t.Run(s.folder, func(t *testing.T) {
			out := importFixtures(t, data, dir, s)
			// The wrapped mbox holds exactly one message per file.
			if want := fmt.Sprintf(".mbox: %d messages read", len(s.wrapped)); !strings.Contains(out, want) {
				t.Errorf("import said %q, want %q", out, want)
			}
			// Each mbox file splits as the test splits it.
			for f, n := range s.counts {
				if want := fmt.Sprintf("%s: %d messages read", f, n); !strings.Contains(out, want) {
					t.Errorf("import said %q, want %q", out, want)
				}
			}
			rows := archiveRows(t, data, s.list)
			before[s.list] = rowKeys(rows)
			byHash := map[string]archRow{}
			byID := map[string][]archRow{}
			for _, r := range rows {
				byHash[r.hash] = r
				byID[r.messageID] = append(byID[r.messageID], r)
			}
			known := map[string]bool{}
			for _, m := range append(slices.Clone(s.wrapped), s.inAsIs...) {
				known[m.id] = true
			}
			noID := map[string]bool{}
			for _, m := range s.wrapped {
				r, ok := byHash[sha(m.raw)]
				switch {
				case !ok:
					t.Errorf("%s is not stored byte for byte", m.file)
				case m.id != "" && r.messageID != m.id:
					t.Errorf("%s stored as <%s>, its Message-ID is <%s>", m.file, r.messageID, m.id)
				case m.id == "":
					noID[m.hash()] = true
					if known[r.messageID] || r.messageID == "" {
						t.Errorf("%s has no Message-ID and was stored as <%s>", m.file, r.messageID)
					}
				}
			}
			for _, m := range s.inAsIs {
				if m.id == "" {
					noID[m.hash()] = true
				} else if len(byID[m.id]) == 0 {
					t.Errorf("%s <%s> is not in the archive", m.file, m.id)
				}
			}
			made := 0
			for _, r := range rows {
				if !known[r.messageID] {
					made++
				}
			}
			if made != len(noID) {
				t.Errorf("%d posts with a made-up Message-ID, %d messages without one", made, len(noID))
			}
			if n := len(s.wrapped) + len(s.inAsIs); len(rows) > n {
				t.Errorf("%d rows for %d messages", len(rows), n)
			}
			// Every post found by its Message-ID with praxis thread.
			ids := map[string]bool{}
			for _, r := range rows {
				ids[r.messageID] = true
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failed []string
			sem := make(chan struct{}, 4)
			for id := range ids {
				wg.Add(1)
				sem <- struct{}{}
				go func(id string) {
					defer func() { <-sem; wg.Done() }()
					out, errOut, err := praxisWithin(30*time.Second, data, "thread", s.list, "<"+id+">", "--json")
					var th threadJSON
					if err == nil {
						err = json.Unmarshal([]byte(out), &th)
					}
					if err == nil && !slices.ContainsFunc(th.Messages, func(m threadMessage) bool { return m.MessageID == id }) {
						err = fmt.Errorf("not in its own thread %q", th.ThreadID)
					}
					if err != nil {
						mu.Lock()
						failed = append(failed, fmt.Sprintf("<%s>: %v %s", id, err, errOut))
						mu.Unlock()
					}
				}(id)
			}
			wg.Wait()
			for _, f := range failed {
				t.Errorf("praxis thread %s", f)
			}
			t.Logf("%d files (%d wrapped, %d mboxes holding %d): %d posts, %d without a Message-ID",
				len(s.wrapped)+len(s.asIs), len(s.wrapped), len(s.asIs), len(s.inAsIs), len(rows), made)
		})
	}

	t.Run("again", func(t *testing.T) {
		for _, s := range sets {
			out := importFixtures(t, data, dir, s)
			if regexp.MustCompile(`, [1-9]\d* new`).MatchString(out) {
				t.Errorf("%s: the second import added posts: %s", s.folder, out)
			}
			if got := rowKeys(archiveRows(t, data, s.list)); !slices.Equal(got, before[s.list]) {
				t.Errorf("%s: the second import changed the archive (%d rows before, %d after)", s.folder, len(before[s.list]), len(got))
			}
		}
	})

	t.Run("export round trip", func(t *testing.T) {
		data2 := t.TempDir()
		for _, s := range sets {
			out, errOut, err := praxisRun(data, "export", "mbox", s.list)
			noPanic(t, "export", errOut)
			if err != nil {
				t.Fatalf("export %s: %v %s", s.list, err, errOut)
			}
			path := filepath.Join(dir, s.folder+".export.mbox")
			if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			praxis(t, data2, "list", "create", s.list, "--name", s.folder)
			_, errOut, err = praxisRun(data2, "import", "mbox", s.list, path)
			noPanic(t, "import of the export", errOut)
			if err != nil {
				t.Fatalf("import of the export of %s: %v %s", s.list, err, errOut)
			}
			type post struct{ messageID, hash, parent string }
			set := func(rows []archRow) []post {
				var ps []post
				for _, r := range rows {
					ps = append(ps, post{r.messageID, r.hash, r.parent})
				}
				slices.SortFunc(ps, func(a, b post) int { return strings.Compare(a.hash+a.messageID, b.hash+b.messageID) })
				return ps
			}
			a, b := set(archiveRows(t, data, s.list)), set(archiveRows(t, data2, s.list))
			if !slices.Equal(a, b) {
				t.Errorf("%s: %d posts exported, %d came back, or they differ", s.list, len(a), len(b))
				for i := 0; i < min(len(a), len(b)); i++ {
					if a[i] != b[i] {
						t.Errorf("first difference: %+v, came back %+v", a[i], b[i])
						break
					}
				}
			}
		}
	})
}

func (m corpusMail) hash() string { return sha(m.raw) }

// ---- 4. a crash mid-index ----

// allQuery matches every post the usrp archive has (all dated 2020-2021).
const allQuery = "d:1990-01-01.."

// TestArchiveImportKilled kills `praxis import` while it stores and
// indexes, then runs it again: everything is archived once, and the index
// has every post, once.
func TestArchiveImportKilled(t *testing.T) {
	path := usrpPath(t)
	data := t.TempDir()
	praxis(t, data, "list", "create", usrpList, "--name", "USRP users")
	cmd := exec.Command(binary, "--data", data, "import", "mbox", usrpList, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Kill it once it has stored two batches, while it indexes them and
	// stores more, or after 1.5 s whatever it did.
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	for {
		select {
		case err := <-done:
			st.Close()
			t.Fatalf("the import ended before it was killed (%v); kill it sooner", err)
		case <-time.After(50 * time.Millisecond):
		}
		var stored int
		probe(t, st, func(scan func(...any) error) error { return scan(&stored) }, `SELECT COUNT(*) FROM archive`)
		if stored >= 2*importBatch || time.Since(started) > 1500*time.Millisecond {
			break
		}
	}
	st.Close()
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	noPanic(t, "import", stderr.String())
	rows := archiveRows(t, data, usrpList)
	t.Logf("killed after %s: %d posts archived, %d of them indexed", time.Since(started).Round(time.Millisecond), len(rows), indexCount(t, data))
	if len(rows) >= 3568 {
		t.Fatalf("the import had finished storing when it was killed")
	}

	out := praxis(t, data, "import", "mbox", usrpList, path)
	if want := fmt.Sprintf("3568 messages read into %s, %d new", usrpList, 3568-len(rows)); !strings.Contains(out, want) {
		t.Errorf("import said %q, want %q", out, want)
	}
	checkComplete(t, data)
}

// checkComplete checks the usrp archive in data is whole, and wholly and
// singly indexed.
func checkComplete(t *testing.T, data string, extra ...string) {
	t.Helper()
	if rows := archiveRows(t, data, usrpList); len(rows) != 3568 {
		t.Errorf("%d posts archived, want 3568", len(rows))
	}
	// A serve that holds the index may still be catching up.
	for i := 0; ; i++ {
		res := searchJSON(t, data, usrpList, allQuery, 1, extra...)
		if res.Total == 3568 {
			break
		}
		if res.Total > 3568 || i == 100 {
			t.Errorf("%s: %d found, want 3568", allQuery, res.Total)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mails := usrpMails(t)
	n := 0
	for _, m := range mails {
		if m.from == "patchvonbraun@gmail.com" {
			n++
		}
	}
	if res := searchJSON(t, data, usrpList, "f:patchvonbraun@gmail.com", 1, extra...); int(res.Total) != n {
		t.Errorf("f:patchvonbraun@gmail.com: %d found, want %d", res.Total, n)
	}
}

// TestArchiveServeKilledMidIndex imports while serve holds the index (the
// import only stores; serve indexes), kills serve before it can have
// indexed everything, and starts it again: the index catches up.
func TestArchiveServeKilledMidIndex(t *testing.T) {
	path := usrpPath(t)
	data := t.TempDir()
	praxis(t, data, "list", "create", usrpList, "--name", "USRP users")
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	out, errOut, err := praxisRun(data, "import", "mbox", usrpList, path)
	if err != nil || !strings.Contains(out, "3568 messages") {
		t.Fatalf("import: %v %s %s", err, out, errOut)
	}
	if !strings.Contains(errOut, "serve holds the index") {
		t.Errorf("the import did not leave the indexing to serve: %s", errOut)
	}
	srv.kill()
	noPanic(t, "serve", srv.stderr.String())
	rows := archiveRows(t, data, usrpList)
	indexed := indexCount(t, data)
	t.Logf("serve killed with %d of %d posts indexed", indexed, len(rows))
	if indexed == uint64(len(rows)) {
		t.Log("serve had indexed everything already; the restart has nothing to catch up")
	}

	srv = serve(t, data, rec.sink.Addr())
	start := time.Now()
	for {
		o, e, err := praxisRun(data, "search", usrpList, allQuery, "--json", "--limit", "1")
		if err != nil {
			t.Fatalf("search: %v %s", err, e)
		}
		var res archive.SearchResult
		json.Unmarshal([]byte(o), &res)
		if res.Total == 3568 {
			break
		}
		if res.Total > 3568 {
			t.Fatalf("%d found, more than were archived", res.Total)
		}
		if time.Since(start) > 60*time.Second {
			t.Fatalf("after 60 s the index has %d of 3568 posts\n%s", res.Total, srv.stderr)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("caught up %s after the restart", time.Since(start).Round(time.Millisecond))
	checkComplete(t, data)
	srv.stop(t)
}

// indexCount counts the posts in data's index, which no process holds.
func indexCount(t *testing.T, data string) uint64 {
	t.Helper()
	idx, err := index.Open(filepath.Join(data, "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	n, err := idx.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
