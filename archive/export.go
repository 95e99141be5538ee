package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"regexp"

	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// ExportBytes are a post's bytes as an export writes them (an mbox of
// the command line, the web's downloads): as archived, with a Message-ID
// field put first when they carry none that names the post as the
// archive does. A post that came without one was archived under an id
// the server made up (at the spool, or from its bytes at an import),
// which every copy the list sent carries but its archived bytes do not;
// without the field, the export imported again was named anew, so it was
// no longer idempotent by Message-ID, and a removed post's export went
// round the tombstone by Message-ID (other mail tools rewrite an mbox
// they read: mutt adds a Status field and a blank line where it takes
// the header to end, formail and Python's mailbox rewrite line ends and
// header fields, so no hash of the bytes stays put).
func ExportBytes(p *store.ArchivedPost, raw []byte) []byte {
	if p.MessageID == "" || !validID(p.MessageID) {
		return raw
	}
	// Most posts name themselves in their own field: found in the header
	// without parsing it, which an export of a big archive would do for
	// every post.
	head := raw
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		head = raw[:i]
	}
	if i := bytes.Index(head, []byte("\n\r\n")); i >= 0 {
		head = head[:i]
	}
	if bytes.Contains(head, []byte("<"+p.MessageID+">")) {
		return raw
	}
	if h := mailmsg.HeaderOf(raw); cleanID(h.Get("Message-Id")) == p.MessageID {
		return raw
	}
	eol := "\n"
	if i := bytes.IndexByte(raw, '\n'); i > 0 && raw[i-1] == '\r' {
		eol = "\r\n"
	}
	out := make([]byte, 0, len(raw)+len(p.MessageID)+16)
	out = append(out, "Message-ID: <"...)
	out = append(out, p.MessageID...)
	out = append(out, '>')
	out = append(out, eol...)
	return append(out, raw...)
}

// validID tells whether id can be written in a Message-ID field as it
// is: no spaces, line ends or angle brackets (a made-up id never has
// them; an id read from a post's own field may, and then is the post's
// own to keep).
func validID(id string) bool {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c == '<' || c == '>' || c == 0x7f {
			return false
		}
	}
	return true
}

// exportedID matches the field ExportBytes puts first, for the ids the
// server makes up (listserv's at the spool, Read's at an import), each
// of which names its post by the start of its bytes' SHA-256.
var exportedID = regexp.MustCompile(`^Message-ID: <(?:praxis\.[0-9]+\.([0-9a-f]{16})|praxis-archive\.([0-9a-f]{24}))@[^<>\s]+>\r?\n`)

// Unexported undoes ExportBytes: for bytes that are one of its exports
// (the field it put first, then bytes whose hash the id names, which
// ExportBytes would give that very field), it gives back the bytes as
// archived and the id; else ok is false. So an export imported as it
// was is the post it was made of, a copy, not another post under the
// same id. The hash makes it certain: a post's own Message-ID field,
// first in its header, never names the bytes after it. An mbox writer
// may have ended the bytes with a line end they did not have (a post
// that ended without one, or in a bare CR): they are taken without it
// then.
func Unexported(raw []byte) (orig []byte, id string, ok bool) {
	if !bytes.HasPrefix(raw, []byte("Message-ID: <praxis")) {
		return nil, "", false
	}
	m := exportedID.FindSubmatchIndex(raw)
	if m == nil {
		return nil, "", false
	}
	var named []byte
	if m[2] >= 0 {
		named = raw[m[2]:m[3]]
	} else {
		named = raw[m[4]:m[5]]
	}
	field, rest := raw[:m[1]], raw[m[1]:]
	id = string(raw[len("Message-ID: <"):bytes.IndexByte(raw, '>')])
	for _, b := range [][]byte{rest, bytes.TrimSuffix(rest, []byte("\n")), bytes.TrimSuffix(rest, []byte("\r\n"))} {
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:len(named)/2]) != string(named) {
			continue
		}
		// Only what ExportBytes itself writes: an id it can write, the
		// bytes' own line ends, and bytes that do not name the post
		// already.
		if out := ExportBytes(&store.ArchivedPost{MessageID: id}, b); len(out) == len(field)+len(b) && bytes.Equal(out[:len(field)], field) {
			return b, id, true
		}
	}
	return nil, "", false
}
