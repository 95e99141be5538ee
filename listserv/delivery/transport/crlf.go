package transport

import "bytes"

// CRLF returns msg with every line ending in CRLF: a CR not followed by LF,
// and an LF not preceded by CR, each become CRLF. A message already in that
// form is returned as it is, without a copy.
//
// RFC 5321 §2.3.8 lets lines end only in CRLF, and servers differ in what
// they make of a lone CR or LF: some end a line there, so "\r.\r\n" inside a
// post is an end of data to them and what follows would be read as SMTP
// commands of ours (SMTP smuggling). Sending only CRLF leaves every server
// one reading. The queue calls it before signing, so the bytes signed are
// the bytes sent; Send calls it again for any other caller.
func CRLF(msg []byte) []byte {
	extra := 0
	for i, c := range msg {
		switch c {
		case '\r':
			if i+1 == len(msg) || msg[i+1] != '\n' {
				extra++
			}
		case '\n':
			if i == 0 || msg[i-1] != '\r' {
				extra++
			}
		}
	}
	if extra == 0 {
		return msg
	}
	out := make([]byte, 0, len(msg)+extra)
	for len(msg) > 0 {
		i := bytes.IndexAny(msg, "\r\n")
		if i < 0 {
			out = append(out, msg...)
			break
		}
		out = append(out, msg[:i]...)
		out = append(out, '\r', '\n')
		if msg[i] == '\r' && i+1 < len(msg) && msg[i+1] == '\n' {
			i++
		}
		msg = msg[i+1:]
	}
	return out
}
