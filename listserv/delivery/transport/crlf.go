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
	// Every line break is a CRLF exactly when there are as many CRLFs
	// as CRs and as LFs; counting is fast, and it is all the common case
	// needs.
	lf := bytes.Count(msg, []byte{'\n'})
	crlf := bytes.Count(msg, []byte("\r\n"))
	cr := bytes.Count(msg, []byte{'\r'})
	if crlf == lf && crlf == cr {
		return msg
	}
	// Each lone CR and each lone LF grows by one byte.
	out := make([]byte, 0, len(msg)+(lf-crlf)+(cr-crlf))
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
