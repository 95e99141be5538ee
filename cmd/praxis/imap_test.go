package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/emersion/go-smtp"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"praxis/archive/mbox"
)

// python3 is Debian's interpreter: imaplib is the independent IMAP client.
func python3(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("python3 is not installed; .ci/run installs it")
	}
	t.Skip("python3 not installed")
	return ""
}

// imaplibSession is the script Python's imaplib runs against the archive:
// it prints one JSON object per step, and "IDLING" when it idles, so that
// the test posts then.
const imaplibSession = `
import base64, imaplib, json, sys
host, port, listaddr, private = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
out = {}
def err(f):
    try:
        typ, data = f()
        return "%s %r" % (typ, data)
    except imaplib.IMAP4.error as e:
        return "error " + str(e)

M = imaplib.IMAP4(host, port)
out["caps"] = list(M.capabilities)
typ, _ = M.login("anonymous", "imaplib")
out["login"] = typ
typ, data = M.list()
out["list"] = [d.decode() for d in data if d]
# A private list answers as no list at all.
for what, name in (("private", private), ("none", "nosuch@example.org")):
    out["status_" + what] = err(lambda: M.status(name, "(MESSAGES)")).replace(name, "NAME")
    out["select_" + what] = err(lambda: M.select(name)).replace(name, "NAME")
    out["examine_" + what] = err(lambda: M.select(name, readonly=True)).replace(name, "NAME")
typ, data = M.select(listaddr)
out["exists"] = int(data[0])
typ, data = M.uid("SEARCH", None, "ALL")
uids = data[0].split()
out["uids"] = [int(u) for u in uids]
typ, data = M.search(None, "ALL")
out["seqs"] = [int(s) for s in data[0].split()]
typ, data = M.search(None, "SUBJECT", '"post 2"')
out["subject"] = [int(s) for s in data[0].split()]
msgs = []
for u in uids:
    typ, data = M.uid("FETCH", u, "(RFC822.SIZE INTERNALDATE BODY.PEEK[])")
    meta, body = data[0]
    size = int(meta.split(b"RFC822.SIZE ")[1].split()[0])
    msgs.append({"uid": int(u), "size": size, "body": base64.b64encode(body).decode()})
out["messages"] = msgs
typ, data = M.store("1", "+FLAGS", "(\\Flagged)")
out["store"] = [d.decode() for d in data if d]
typ, data = M.fetch("1", "(FLAGS)")
out["flags"] = data[0].decode()
out["append"] = err(lambda: M.append(listaddr, None, None, b"Subject: x\r\n\r\nx\r\n"))
out["copy"] = err(lambda: M.copy("1", listaddr))
out["expunge"] = err(lambda: M.expunge())
# IDLE by hand (imaplib has idle() only from Python 3.14).
tag = M._new_tag()
M.send(tag + b" IDLE\r\n")
line = M.readline()
out["idle_start"] = line.decode().strip()
print("IDLING", flush=True)
M.sock.settimeout(30)
seen = []
while True:
    line = M.readline().decode().strip()
    seen.append(line)
    if line.endswith("EXISTS"):
        break
out["idle_saw"] = seen
M.send(b"DONE\r\n")
line = M.readline().decode().strip()
while not line.startswith(tag.decode()):
    line = M.readline().decode().strip()
out["idle_end"] = line
typ, data = M.noop()
out["noop"] = typ
M.logout()
print(json.dumps(out), flush=True)
`

// imaplibMember is a member's session: login with an app password, the
// lists it sees, the private list's size, and a flag stored in one
// session and read in the next.
const imaplibMember = `
import imaplib, json, sys
host, port, user, pw, private = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
out = {}
M = imaplib.IMAP4(host, port)
try:
    out["login"] = M.login(user, pw)[0]
except imaplib.IMAP4.error as e:
    out["login"] = "error " + str(e)
    print(json.dumps(out)); sys.exit(0)
out["list"] = [d.decode() for d in M.list()[1] if d]
typ, data = M.select(private)
out["select"] = "%s %s" % (typ, data[0].decode())
if typ == "OK":
    typ, data = M.store("1", "+FLAGS", "(\\Seen \\Flagged)")
    out["store"] = typ
M.logout()
M = imaplib.IMAP4(host, port)
M.login(user, pw)
typ, data = M.select(private)
if typ == "OK":
    out["flags_next_session"] = M.fetch("1", "(FLAGS)")[1][0].decode()
M.logout()
print(json.dumps(out), flush=True)
`

func crlf(b []byte) []byte {
	var out []byte
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// sendSMTP posts msg to rcpt through serve's SMTP listener.
func sendSMTP(t *testing.T, addr, from, rcpt, msg string) {
	t.Helper()
	cl, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.SendMail(from, []string{rcpt}, strings.NewReader(msg)); err != nil {
		t.Fatalf("sending to %s: %v", rcpt, err)
	}
}

// exported returns the list's posts as `praxis export mbox` writes them,
// each unescaped by the mboxrd reader.
func exported(t *testing.T, data, list string) [][]byte {
	t.Helper()
	out := praxis(t, data, "export", "mbox", list)
	r, err := mbox.NewReader(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var raws [][]byte
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, m.Raw)
	}
	return raws
}

// TestIMAPWithImaplib: Python's imaplib against `praxis serve`: anonymous
// login, the public list only, every post byte for byte as exported (in
// CRLF form, RFC822.SIZE its length), the private list answering as no
// list, the read-only answers, and IDLE hearing a post sent over SMTP.
func TestIMAPWithImaplib(t *testing.T) {
	py := python3(t)
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers CoP", "--post", "open")
	praxis(t, data, "list", "create", "secret@example.org", "--name", "Secret", "--archive", "private", "--post", "open")
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	if srv.imap == "" {
		t.Fatalf("serve announced no imap listener:\n%s", srv.stderr)
	}
	for i, body := range []string{"First post.\nFrom the start of a line.\n", "Second post.\n>From quoted.\n"} {
		sendSMTP(t, srv.smtp, "ann@example.net", "cop@example.org", fmt.Sprintf(
			"From: Ann <ann@example.net>\r\nTo: cop@example.org\r\nSubject: post %d\r\nMessage-ID: <p%d@example.net>\r\nDate: Mon, 2 Mar 2026 10:0%d:00 +0000\r\n\r\n%s", i+1, i+1, i, body))
	}
	sendSMTP(t, srv.smtp, "ann@example.net", "secret@example.org", "From: ann@example.net\r\nTo: secret@example.org\r\nSubject: hush\r\nMessage-ID: <s1@example.net>\r\n\r\nsecret\r\n")
	// Wait until both posts are archived (the export shows them).
	var want [][]byte
	for deadline := time.Now().Add(30 * time.Second); ; {
		if want = exported(t, data, "cop@example.org"); len(want) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("posts not archived: %d", len(want))
		}
		time.Sleep(50 * time.Millisecond)
	}

	host, port, _ := net.SplitHostPort(srv.imap)
	script := filepath.Join(t.TempDir(), "session.py")
	if err := os.WriteFile(script, []byte(imaplibSession), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, host, port, "cop@example.org", "secret@example.org")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 1<<20)
	var result string
	for lines.Scan() {
		switch l := lines.Text(); {
		case l == "IDLING":
			sendSMTP(t, srv.smtp, "ann@example.net", "cop@example.org", "From: ann@example.net\r\nTo: cop@example.org\r\nSubject: post 3\r\nMessage-ID: <p3@example.net>\r\n\r\nThird.\r\n")
		case strings.HasPrefix(l, "{"):
			result = l
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("imaplib session: %v\n%s\nserve:\n%s", err, stderr.String(), srv.stderr)
	}
	var got struct {
		Caps     []string
		Login    string
		List     []string
		Exists   int
		UIDs     []int
		Seqs     []int
		Subject  []int
		Messages []struct {
			UID, Size int
			Body      string
		}
		Store                        []string
		Flags, Append, Copy, Expunge string
		IdleStart                    string   `json:"idle_start"`
		IdleSaw                      []string `json:"idle_saw"`
		IdleEnd                      string   `json:"idle_end"`
		Noop                         string
	}
	if err := json.Unmarshal([]byte(result), &got); err != nil {
		t.Fatalf("imaplib said %q: %v\n%s", result, err, stderr.String())
	}
	var m map[string]any
	json.Unmarshal([]byte(result), &m)
	str := func(k string) string { s, _ := m[k].(string); return s }

	if got.Login != "OK" || len(got.List) != 1 || !strings.Contains(got.List[0], `"cop@example.org"`) && !strings.Contains(got.List[0], "cop@example.org") {
		t.Errorf("login %q, LIST %q: want the public list alone", got.Login, got.List)
	}
	for _, k := range []string{"status", "select", "examine"} {
		p, n := str(k+"_private"), str(k+"_none")
		if p != n || !strings.Contains(p, "NONEXISTENT") {
			t.Errorf("%s: the private list answers %q, no list %q", k, p, n)
		}
	}
	if got.Exists != 2 || len(got.UIDs) != 2 || len(got.Seqs) != 2 || got.Seqs[0] != 1 || got.Seqs[1] != 2 {
		t.Errorf("EXISTS %d, UID SEARCH %v, SEARCH %v", got.Exists, got.UIDs, got.Seqs)
	}
	if len(got.Subject) != 1 || got.Subject[0] != 2 {
		t.Errorf(`SEARCH SUBJECT "post 2" = %v, want [2]`, got.Subject)
	}
	if len(got.Messages) != len(want) {
		t.Fatalf("imaplib fetched %d messages, the export has %d", len(got.Messages), len(want))
	}
	for i, msg := range got.Messages {
		body, _ := base64.StdEncoding.DecodeString(msg.Body)
		if !bytes.Equal(body, crlf(want[i])) {
			t.Errorf("message %d: IMAP gave\n%q\nthe export (CRLF)\n%q", i+1, body, crlf(want[i]))
		}
		if msg.Size != len(body) {
			t.Errorf("message %d: RFC822.SIZE %d, BODY[] %d bytes", i+1, msg.Size, len(body))
		}
	}
	if !strings.Contains(got.Flags, `\Flagged`) {
		t.Errorf("FLAGS after STORE: %q", got.Flags)
	}
	for k, v := range map[string]string{"APPEND": got.Append, "COPY": got.Copy, "EXPUNGE": got.Expunge} {
		if !strings.Contains(v, "NOPERM") || !strings.Contains(v, "read-only") {
			t.Errorf("%s: %q", k, v)
		}
	}
	// Members: the private list's member sees it and keeps flags across
	// sessions; a member of another list gets what anonymous gets.
	praxis(t, data, "member", "add", "secret@example.org", "bob@example.net")
	praxis(t, data, "member", "add", "cop@example.org", "carol@example.net")
	bobPass := strings.TrimSpace(praxis(t, data, "member", "app-password", "secret@example.org", "bob@example.net"))
	carolPass := strings.TrimSpace(praxis(t, data, "member", "app-password", "cop@example.org", "carol@example.net"))
	memberScript := filepath.Join(t.TempDir(), "member.py")
	if err := os.WriteFile(memberScript, []byte(imaplibMember), 0o644); err != nil {
		t.Fatal(err)
	}
	member := func(user, pass string) map[string]any {
		out, err := exec.Command(py, memberScript, host, port, user, pass, "secret@example.org").CombinedOutput()
		if err != nil {
			t.Fatalf("imaplib as %s: %v\n%s", user, err, out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("imaplib as %s said %q", user, out)
		}
		return m
	}
	bob := member("bob@example.net", bobPass)
	if bob["login"] != "OK" || !strings.Contains(fmt.Sprint(bob["list"]), "secret@example.org") || bob["select"] != "OK 1" {
		t.Errorf("the private list's member: %v", bob)
	}
	if f := fmt.Sprint(bob["flags_next_session"]); !strings.Contains(f, `\Seen`) || !strings.Contains(f, `\Flagged`) {
		t.Errorf("flags in the member's next session: %q", f)
	}
	carol := member("carol@example.net", carolPass)
	if carol["login"] != "OK" || strings.Contains(fmt.Sprint(carol["list"]), "secret") || !strings.Contains(fmt.Sprint(carol["select"]), "NONEXISTENT") {
		t.Errorf("a member of another list: %v", carol)
	}
	if wrong := member("bob@example.net", "wrong-password"); !strings.Contains(fmt.Sprint(wrong["login"]), "AUTHENTICATIONFAILED") {
		t.Errorf("a wrong password: %v", wrong)
	}

	if !strings.HasPrefix(got.IdleStart, "+") || len(got.IdleSaw) == 0 || got.IdleSaw[len(got.IdleSaw)-1] != "* 3 EXISTS" || !strings.Contains(got.IdleEnd, "OK") || got.Noop != "OK" {
		t.Errorf("IDLE: %q, saw %q, ended %q; NOOP %q", got.IdleStart, got.IdleSaw, got.IdleEnd, got.Noop)
	}
	srv.stop(t)
}

// TestIMAPWithMbsync: mbsync (Debian isync) pulls a list's whole mailbox
// into a maildir; its messages equal `praxis export mbox`'s (line endings
// and the mboxrd ">From " escaping aside), and a second run with a new
// post fetches just that one.
func TestIMAPWithMbsync(t *testing.T) {
	mbsync, err := exec.LookPath("mbsync")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mbsync is not installed; .ci/run installs isync")
		}
		t.Skip("mbsync not installed (apt-get install isync)")
	}
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers CoP", "--post", "open")
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	post := func(i int, body string) {
		sendSMTP(t, srv.smtp, "ann@example.net", "cop@example.org", fmt.Sprintf(
			"From: Ann <ann@example.net>\r\nTo: cop@example.org\r\nSubject: post %d\r\nMessage-ID: <m%d@example.net>\r\n\r\n%s", i, i, body))
	}
	waitExported := func(n int) [][]byte {
		for deadline := time.Now().Add(30 * time.Second); ; {
			if got := exported(t, data, "cop@example.org"); len(got) == n {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("posts not archived")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for i := 1; i <= 5; i++ {
		post(i, fmt.Sprintf("Post %d.\nFrom here on a line that mboxrd escapes.\n>From one already quoted.\n", i))
	}
	want := waitExported(5)

	host, port, _ := net.SplitHostPort(srv.imap)
	dir := t.TempDir()
	conf := filepath.Join(dir, "mbsyncrc")
	maildir := filepath.Join(dir, "mail")
	os.MkdirAll(maildir, 0o700)
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`IMAPAccount praxis
Host %s
Port %s
User anonymous
Pass mbsync
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account praxis

MaildirStore local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel cop
Far :remote:"cop@example.org"
Near :local:cop
Sync Pull
Create Near
SyncState *
`, host, port, maildir, maildir)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() string {
		out, err := exec.Command(mbsync, "-c", conf, "-V", "cop").CombinedOutput()
		if err != nil {
			t.Fatalf("mbsync: %v\n%s\nserve:\n%s", err, out, srv.stderr)
		}
		return string(out)
	}
	run()
	check := func(want [][]byte) {
		t.Helper()
		got := maildirMessages(t, filepath.Join(maildir, "cop"))
		if len(got) != len(want) {
			t.Fatalf("maildir has %d messages, the export %d", len(got), len(want))
		}
		for i := range want {
			// mbsync marks what it stored with an X-TUID field of its own.
			g := xtuid.ReplaceAll(lf(got[i]), nil)
			if w := lf(want[i]); !bytes.Equal(g, w) {
				t.Errorf("message %d: maildir\n%q\nexport\n%q", i+1, g, w)
			}
		}
	}
	check(want)

	post(6, "A sixth.\n")
	want = waitExported(6)
	out := run()
	check(want)
	if !strings.Contains(out, "far side: 6 messages") {
		t.Errorf("second run:\n%s", out)
	}
}

var xtuid = regexp.MustCompile(`(?m)^X-TUID: [^\n]*\n`)

// lf returns b with CRLF line endings made LF.
func lf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// maildirMessages returns a maildir folder's messages in UID order (mbsync
// names each file ,U=<uid>).
func maildirMessages(t *testing.T, dir string) [][]byte {
	t.Helper()
	type file struct {
		uid  int
		data []byte
	}
	var files []file
	for _, sub := range []string{"cur", "new"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range ents {
			name := e.Name()
			i := strings.Index(name, ",U=")
			if i < 0 {
				t.Fatalf("maildir file without a UID: %s", name)
			}
			var uid int
			fmt.Sscanf(name[i+3:], "%d", &uid)
			b, err := os.ReadFile(filepath.Join(dir, sub, name))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, file{uid, b})
		}
	}
	slices.SortFunc(files, func(a, b file) int { return a.uid - b.uid })
	var out [][]byte
	for _, f := range files {
		out = append(out, f.data)
	}
	return out
}

// imapHostile throws malformed commands, huge literals, an endless line
// and many connections at once at the server, then checks that a clean
// session still works. It prints "ALIVE" at the end.
const imapHostile = `
import socket, sys, threading
host, port, listaddr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def conn():
    s = socket.create_connection((host, port)); s.settimeout(20)
    s.recv(4096)
    return s
def until(s, tag):
    buf = b""
    while tag not in buf:
        d = s.recv(65536)
        if not d: return buf
        buf += d
    return buf
s = conn()
for c in [b"", b"FOO", b"LOGIN", b"UID", b"SELECT", b"FETCH 1 BODY[", b"SEARCH (((", b'LOGIN "x', b"\x00\xff\xfe",
          b"a" * 4000, b"LOGIN anonymous x", b"SELECT " + listaddr.encode(), b"FETCH 1:* (BODY[]<-1.5>)",
          b"FETCH * (BODY[1.2.3.4.5.6.7.8.9])", b"SEARCH " + b"NOT " * 500 + b"ALL", b"SEARCH " + b"(" * 300 + b"ALL" + b")" * 300,
          b"STORE 1:* +FLAGS (" + b"k " * 500 + b")", b"SEARCH SUBJECT {99999999}", b"SEARCH SUBJECT {99999999+}", b"APPEND x {10+}\r\n0123456789"]:
    s.sendall(b"h " + c + b"\r\nn NOOP\r\n")
    out = until(s, b"n OK")
    if b"n OK" not in out:
        print("no answer after", c[:40]); sys.exit(1)
long = conn()
try:
    for i in range(100):
        long.sendall(b"A" * 4096)
except OSError:
    pass
def hammer():
    try:
        c = conn()
        c.sendall(b"x LOGIN anonymous x\r\ny SELECT " + listaddr.encode() + b"\r\nz FETCH 1:* (RFC822)\r\n")
        until(c, b"z OK")
        c.sendall(b"w " + b"(" * 5000 + b"\r\n")
        c.close()
    except OSError:
        pass
ts = [threading.Thread(target=hammer) for _ in range(60)]
for t in ts: t.start()
for t in ts: t.join()
s = conn()
s.sendall(b"a LOGIN anonymous x\r\nb SELECT " + listaddr.encode() + b"\r\nc FETCH 1 (UID)\r\n")
out = until(s, b"c OK")
if b"c OK" in out and b"EXISTS" in out:
    print("ALIVE")
else:
    print("DEAD", out)
`

// TestIMAPHostileClients: a scripted run of malformed commands, huge
// literals, an endless line and sixty connections at once leaves `praxis
// serve` up and answering.
func TestIMAPHostileClients(t *testing.T) {
	py := python3(t)
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers CoP", "--post", "open")
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	sendSMTP(t, srv.smtp, "ann@example.net", "cop@example.org", "From: ann@example.net\r\nTo: cop@example.org\r\nSubject: one\r\nMessage-ID: <h1@example.net>\r\n\r\nOne.\r\n")
	for deadline := time.Now().Add(30 * time.Second); len(exported(t, data, "cop@example.org")) < 1; {
		if time.Now().After(deadline) {
			t.Fatal("post not archived")
		}
		time.Sleep(50 * time.Millisecond)
	}
	host, port, _ := net.SplitHostPort(srv.imap)
	script := filepath.Join(t.TempDir(), "hostile.py")
	if err := os.WriteFile(script, []byte(imapHostile), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, host, port, "cop@example.org").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ALIVE") {
		t.Fatalf("hostile run: %v\n%s\nserve:\n%s", err, out, srv.stderr)
	}
	srv.stop(t)
	if strings.Contains(srv.stderr.String(), "panic") {
		t.Errorf("serve panicked:\n%s", srv.stderr)
	}
}

// TestIMAPWithCurl: curl, a third IMAP client of its own making, lists
// the public list, finds its posts by UID SEARCH, fetches each equal to
// the export, and gets nothing of a private list.
func TestIMAPWithCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not installed; .ci/run installs it")
		}
		t.Skip("curl not installed")
	}
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers CoP", "--post", "open")
	praxis(t, data, "list", "create", "secret@example.org", "--name", "Secret", "--archive", "private", "--post", "open")
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	for i, list := range []string{"cop@example.org", "cop@example.org", "secret@example.org"} {
		sendSMTP(t, srv.smtp, "ann@example.net", list, fmt.Sprintf(
			"From: Ann <ann@example.net>\r\nTo: %s\r\nSubject: post %d\r\nMessage-ID: <c%d@example.net>\r\n\r\nPost %d.\nFrom a line start.\n", list, i, i, i))
	}
	var want [][]byte
	for deadline := time.Now().Add(30 * time.Second); len(want) < 2; want = exported(t, data, "cop@example.org") {
		if time.Now().After(deadline) {
			t.Fatal("posts not archived")
		}
		time.Sleep(50 * time.Millisecond)
	}
	base := "imap://anonymous:curl@" + srv.imap + "/"
	run := func(args ...string) (string, error) {
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "20"}, args...)...).CombinedOutput()
		return string(out), err
	}
	out, err := run(base)
	if err != nil || !strings.Contains(out, "cop@example.org") || strings.Contains(out, "secret") {
		t.Errorf("curl LIST: %v\n%s", err, out)
	}
	out, err = run(base+"cop%40example.org", "-X", "UID SEARCH ALL")
	if err != nil {
		t.Fatalf("curl UID SEARCH: %v\n%s", err, out)
	}
	uids := strings.Fields(strings.TrimPrefix(strings.TrimSpace(out), "* SEARCH"))
	if len(uids) != 2 {
		t.Fatalf("curl UID SEARCH ALL: %q", out)
	}
	for i, uid := range uids {
		body, err := run(base + "cop%40example.org;UID=" + uid)
		if err != nil {
			t.Fatalf("curl fetch UID %s: %v\n%s", uid, err, body)
		}
		if body != string(crlf(want[i])) {
			t.Errorf("UID %s: curl got\n%q\nthe export (CRLF)\n%q", uid, body, crlf(want[i]))
		}
	}
	if out, err := run(base + "secret%40example.org;UID=1"); err == nil {
		t.Errorf("curl fetched from the private list: %q", out)
	}
	if out, err := run(base+"secret%40example.org", "-X", "UID SEARCH ALL"); err == nil {
		t.Errorf("curl searched the private list: %q", out)
	}
}
