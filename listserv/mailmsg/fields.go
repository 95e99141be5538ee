package mailmsg

import (
	"net/mail"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Subject is the post's subject as every reader shows it: the top-most
// Subject field (a repeated one is ignored, as mail readers do) in Text's
// form, "" when there is none.
func Subject(h textproto.Header) string {
	return Text(h.Get("Subject"))
}

// Author is who the post's From field names: the address as written and
// the display name, decoded. The top-most From is read; see ParseAuthor
// for a value that does not parse.
func Author(h textproto.Header) (addr, name string) {
	return ParseAuthor(h.Get("From"))
}

// addressParser reads addresses whose display names are encoded words in
// any charset.
var addressParser = &mail.AddressParser{WordDecoder: wordDecoder}

// ParseAuthor reads a From value: the first address of the list and its
// display name in Text's form. A value net/mail refuses (unquoted
// specials, bad encoded words, a bare name) gives the last <…> of its
// decoded text, else its last word with an @, as the address, and the
// text without the <address> as the name; a value without any address
// gives "" and its text.
func ParseAuthor(v string) (addr, name string) {
	if strings.TrimSpace(v) == "" {
		return "", ""
	}
	if as, err := addressParser.ParseList(v); err == nil && len(as) > 0 {
		return as[0].Address, Text(as[0].Name)
	}
	text := Text(v)
	addr = looseAddress(text)
	name = strings.Join(strings.Fields(strings.Replace(text, "<"+addr+">", "", 1)), " ")
	name = strings.Trim(name, "\"' ")
	if name == "" {
		name = text
	}
	return addr, name
}

// Addresses reads an address list field (To, Cc, Reply-To …) of the
// top-most such field; ok is false when it does not parse.
func Addresses(h textproto.Header, key string) (as []*mail.Address, ok bool) {
	v := h.Get(key)
	if strings.TrimSpace(v) == "" {
		return nil, true
	}
	return ParseAddresses(v)
}

// ParseAddresses reads an address list value with encoded-word names in
// any charset; ok is false when it does not parse.
func ParseAddresses(v string) ([]*mail.Address, bool) {
	as, err := addressParser.ParseList(v)
	return as, err == nil
}

// ParseAddress reads a single address ("Name <a@b>" or "a@b").
func ParseAddress(v string) (*mail.Address, error) {
	return addressParser.Parse(v)
}

// LooseAddress digs an address out of a field value net/mail refused
// (unquoted specials, bad encoded words): the text of the last <…>, else
// the last word with an @, trimmed of the punctuation around it; "" when
// there is none.
func LooseAddress(v string) string {
	if d, ok := DecodeWords(v); ok {
		v = d
	}
	return looseAddress(v)
}

func looseAddress(v string) string {
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	fields := strings.Fields(v)
	for i := len(fields) - 1; i >= 0; i-- {
		if strings.Contains(fields[i], "@") {
			return strings.Trim(fields[i], "<>(),;\"")
		}
	}
	return ""
}
