package render

import (
	"bytes"
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message"

	"praxis/listserv/mailmsg"
)

// Limits that keep a hostile message from costing more than a normal one.
const (
	maxDepth = 20  // nesting of multiparts and attached messages
	maxNodes = 500 // entities in one message
)

// entity is one MIME entity of a post. Leaves keep their body still
// transfer-encoded; decoding happens when the walk needs it.
type entity struct {
	header     message.Header
	mediaType  string // lower case, never empty (RFC 2045 §5.2 defaults applied)
	params     map[string]string
	disp       string // "inline", "attachment" or "" (lower case)
	dispParams map[string]string
	body       []byte    // the raw body (a sub-slice of the message)
	children   []*entity // multipart/*: the parts
	inner      *entity   // message/rfc822: the attached message
	index      int       // leaves: depth-first number, from 1
	decoded    []byte    // transfer-decoded body, filled by content
	didDecode  bool      // decoded is valid
	txt        *string   // text, once computed
}

// tree parses a message into entities; it never fails.
type tree struct {
	nodes  int
	leaves int
}

func parse(raw []byte) *entity {
	t := &tree{}
	return t.entity(raw, "text/plain", 0)
}

// entity parses one entity whose bytes are raw. defType is the type when
// the header names none: text/plain, or message/rfc822 inside a
// multipart/digest (RFC 2046 §5.1.5).
func (t *tree) entity(raw []byte, defType string, depth int) *entity {
	t.nodes++
	h, body := readHeader(raw)
	e := &entity{header: h, body: body}
	var token string
	token, e.params = parseParams(h.Get("Content-Type"))
	e.mediaType = mediaType(token, defType)
	e.disp, e.dispParams = parseParams(h.Get("Content-Disposition"))

	switch {
	case strings.HasPrefix(e.mediaType, "multipart/"):
		parts := splitMultipart(body, e.params["boundary"])
		if parts == nil {
			// RFC 2046 §5.1.1 requires a boundary; without one (or when
			// it never occurs) the body is shown as the text it is.
			e.mediaType, e.params = "text/plain", nil
			break
		}
		if depth >= maxDepth {
			return e // too deep: an empty multipart
		}
		childType := "text/plain"
		if e.mediaType == "multipart/digest" {
			childType = "message/rfc822"
		}
		for _, p := range parts {
			if t.nodes >= maxNodes {
				break
			}
			e.children = append(e.children, t.entity(p, childType, depth+1))
		}
		return e
	}

	t.leaves++
	e.index = t.leaves
	if isMessageType(e.mediaType) && depth < maxDepth && t.nodes < maxNodes {
		// The attached message may itself be base64 or quoted-printable
		// (RFC 2046 §5.2.1 forbids it, some mailers do it anyway).
		e.inner = t.entity(e.content(), "text/plain", depth+1)
	}
	return e
}

func isMessageType(mt string) bool {
	return mt == "message/rfc822" || mt == "message/global"
}

// content returns the entity's body without its transfer encoding.
func (e *entity) content() []byte {
	if !e.didDecode {
		e.decoded = transferDecode(e.header.Get("Content-Transfer-Encoding"), e.body)
		e.didDecode = true
	}
	return e.decoded
}

// filename is the entity's file name as the sender wrote it, decoded:
// Content-Disposition's filename (RFC 2183 §2.3, with RFC 2231
// continuations), else Content-Type's name, which older mailers use.
func (e *entity) filename() string {
	if n := e.dispParams["filename"]; n != "" {
		return n
	}
	return e.params["name"]
}

// readHeader reads an entity's header the way every reader of Praxis
// reads it (mailmsg.ReadHeader: the header ends at the first line that is
// not a field, which starts the body), and returns the body after it.
func readHeader(raw []byte) (message.Header, []byte) {
	h := mailmsg.HeaderOf(raw)
	return message.Header{Header: h}, mailmsg.Split(raw).Body
}

// cutLine returns b's first line with its ending, and the rest.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1], b[i+1:]
	}
	return b, nil
}

var paramRE = regexp.MustCompile(`(?i);\s*([a-z0-9!#$&^_.+-]+\*?)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)`)

// parseParams parses a Content-Type or Content-Disposition value into its
// lower-case first token and its parameters. It takes what
// mime.ParseMediaType gives and, when that fails on broken parameters
// (unquoted spaces, a missing closing quote, duplicates), picks the
// parameters out one by one. Values in RFC 2047 encoded words, which many
// mailers use for file names against RFC 2231, are decoded.
func parseParams(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "", nil
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]))
		params = map[string]string{}
		for _, m := range paramRE.FindAllStringSubmatch(v, -1) {
			k := strings.ToLower(strings.TrimSuffix(m[1], "*"))
			val := strings.TrimSpace(m[2])
			if strings.HasPrefix(val, `"`) {
				val = strings.TrimSuffix(val[1:], `"`)
				val = strings.ReplaceAll(val, `\"`, `"`)
			}
			if _, dup := params[k]; !dup {
				params[k] = val
			}
		}
	}
	for k, pv := range params {
		if strings.Contains(pv, "=?") {
			params[k], _ = mailmsg.DecodeWords(pv)
		}
	}
	return mt, params
}

// mediaType checks a Content-Type token: a type/subtype, or one of the
// bare top-level types some mailers write, which get their RFC 2046
// default subtype; anything else gives defType.
func mediaType(token, defType string) string {
	switch token {
	case "text":
		return "text/plain"
	case "multipart":
		return "multipart/mixed"
	case "message":
		return "message/rfc822"
	}
	typ, sub, ok := strings.Cut(token, "/")
	if !ok || typ == "" || sub == "" || strings.ContainsAny(sub, "/ \t\"=") || strings.ContainsAny(typ, " \t\"=") {
		return defType
	}
	return token
}

// splitMultipart splits a multipart body at its boundary delimiter lines
// (RFC 2046 §5.1.1): "--" boundary, optionally "--" for the last, then
// optional white space. The line break before a delimiter belongs to it.
// A missing close delimiter ends the last part at the end of the body.
// It returns nil when the boundary is empty or never occurs.
//
// go-message's multipart reader stops at the first part whose header it
// cannot read and reports a missing close delimiter as an error; splitting
// the bytes here keeps every part and costs no copies.
func splitMultipart(body []byte, boundary string) [][]byte {
	if boundary == "" {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // offset where the current part's content starts
	off := 0
	for off < len(body) {
		line, _ := cutLine(body[off:])
		lineStart := off
		off += len(line)
		if !bytes.HasPrefix(line, delim) {
			continue
		}
		tail := bytes.TrimRight(line[len(delim):], " \t\r\n")
		closing := bytes.Equal(tail, []byte("--"))
		if len(tail) != 0 && !closing {
			continue // a longer boundary that starts with this one
		}
		if start >= 0 {
			parts = append(parts, trimLineEnd(body[start:lineStart]))
			if len(parts) >= maxNodes {
				return parts
			}
		}
		if closing {
			return parts
		}
		start = off
	}
	if start >= 0 {
		parts = append(parts, body[start:])
	}
	return parts
}

// trimLineEnd drops one trailing line ending, the one that belongs to the
// delimiter after the part.
func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
