package mailmsg

// CRLFSize is the length of raw with every bare LF made CRLF (a bare CR
// left alone), counted without making it: the form IMAP serves a message
// in and counts RFC822.SIZE on (RFC 3501 §2.3.3), whatever line ends the
// stored bytes have. The archive keeps it beside each post; the IMAP view
// serves and searches by it.
func CRLFSize(raw []byte) int {
	n := len(raw)
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			n++
		}
	}
	return n
}
