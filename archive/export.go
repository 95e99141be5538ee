package archive

import (
	"bytes"
	"regexp"
	"strconv"

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
	if !mailmsg.Writable(p.MessageID) {
		return raw
	}
	// Most posts name themselves in their own field: found in the header
	// block without parsing it, which an export of a big archive would
	// do for every post.
	if bytes.Contains(store.HeaderBlock(raw), []byte("<"+p.MessageID+">")) {
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

// exportedID matches the field ExportBytes puts first with an id of the
// shape the server makes up (mailmsg.SpoolID, mailmsg.ContentID): the
// id, and the spool row and host, or the domain.
var exportedID = regexp.MustCompile(`^Message-ID: <(praxis\.([0-9]+)\.[0-9a-f]{16}@([^<>\s]+)|praxis-archive\.[0-9a-f]{24}@([^<>\s]+))>\r?\n`)

// Unexported undoes ExportBytes: for bytes that are one of its exports
// (the field it put first, then bytes the id was made of, which
// ExportBytes would give that very field), it gives back the bytes as
// archived and the id; else ok is false. So an export imported as it
// was is the post it was made of, a copy, not another post under the
// same id. The hash in the id makes it certain: a post's own Message-ID
// field, first in its header, never names the bytes after it. An mbox
// writer may have ended the bytes with a line end they did not have (a
// post that ended without one, or in a bare CR): they are taken without
// it then.
func Unexported(raw []byte) (orig []byte, id string, ok bool) {
	if !bytes.HasPrefix(raw, []byte("Message-ID: <praxis")) {
		return nil, "", false
	}
	m := exportedID.FindSubmatch(raw)
	if m == nil {
		return nil, "", false
	}
	id = string(m[1])
	field, rest := raw[:len(m[0])], raw[len(m[0]):]
	madeOf := func(b []byte) bool {
		if m[2] == nil {
			return mailmsg.ContentID(b, string(m[4])) == id
		}
		n, err := strconv.ParseInt(string(m[2]), 10, 64)
		return err == nil && mailmsg.SpoolID(n, b, string(m[3])) == id
	}
	tries := [][]byte{rest}
	if b, ok := bytes.CutSuffix(rest, []byte("\n")); ok {
		tries = append(tries, b)
		if b, ok := bytes.CutSuffix(b, []byte("\r")); ok {
			tries = append(tries, b)
		}
	}
	for _, b := range tries {
		// Only what ExportBytes itself writes: an id it can write, the
		// bytes' own line ends, and bytes that do not name the post
		// already.
		if madeOf(b) {
			if out := ExportBytes(&store.ArchivedPost{MessageID: id}, b); len(out) == len(field)+len(b) && bytes.Equal(out[:len(field)], field) {
				return b, id, true
			}
		}
	}
	return nil, "", false
}
