package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// IngestURL is one --imap-ingest source, parsed:
// imaps://user:pass@host:port/MAILBOX?list=ADDR[&after=seen|move:FOLDER|delete].
type IngestURL struct {
	TLS      bool   // imaps: TLS from the first byte; imap: STARTTLS when offered
	Addr     string // host:port (993 for imaps, 143 for imap by default)
	User     string
	Password string
	Mailbox  string
	List     string // the list's posting address
	After    string // AfterSeen, AfterMove or AfterDelete
	Folder   string // the folder of after=move:FOLDER
}

// What is done to a message on the server once it is posted.
const (
	AfterSeen   = "seen"
	AfterMove   = "move"
	AfterDelete = "delete"
)

// ParseIngestURL parses and checks one --imap-ingest URL. Its errors
// never hold the password.
func ParseIngestURL(raw string) (*IngestURL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url's error quotes the whole URL, password included.
		return nil, errors.New("imap-ingest: not a URL (percent-encode special characters in the user and password)")
	}
	where := "imap-ingest " + redactURL(u)
	var in IngestURL
	switch u.Scheme {
	case "imaps":
		in.TLS = true
	case "imap":
	default:
		return nil, fmt.Errorf("%s: the scheme must be imaps:// or imap://", where)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, fmt.Errorf("%s: no host", where)
	}
	if port == "" {
		port = map[bool]string{true: "993", false: "143"}[in.TLS]
	}
	in.Addr = net.JoinHostPort(host, port)
	if u.User == nil || u.User.Username() == "" {
		return nil, fmt.Errorf("%s: no user (imaps://USER:PASSWORD@host/MAILBOX)", where)
	}
	in.User = u.User.Username()
	pass, ok := u.User.Password()
	if !ok || pass == "" {
		return nil, fmt.Errorf("%s: no password (imaps://USER:PASSWORD@host/MAILBOX)", where)
	}
	in.Password = pass
	in.Mailbox = strings.TrimPrefix(u.Path, "/")
	if in.Mailbox == "" {
		return nil, fmt.Errorf("%s: no mailbox (imaps://user:pass@host/MAILBOX, e.g. /INBOX)", where)
	}
	q := u.Query()
	for k := range q {
		if k != "list" && k != "after" {
			return nil, fmt.Errorf("%s: unknown parameter %q (list=, after=)", where, k)
		}
	}
	in.List = strings.ToLower(strings.TrimSpace(q.Get("list")))
	if in.List == "" {
		return nil, fmt.Errorf("%s: no list (?list=LIST@DOMAIN)", where)
	}
	if at := strings.LastIndexByte(in.List, '@'); at <= 0 || at == len(in.List)-1 {
		return nil, fmt.Errorf("%s: list %q is not an address", where, in.List)
	}
	after := q.Get("after")
	switch {
	case after == "" || after == AfterSeen:
		in.After = AfterSeen
	case after == AfterDelete:
		in.After = AfterDelete
	case strings.HasPrefix(after, AfterMove+":"):
		in.After, in.Folder = AfterMove, strings.TrimPrefix(after, AfterMove+":")
		if in.Folder == "" {
			return nil, fmt.Errorf("%s: after=move: needs a folder (after=move:Done)", where)
		}
		if in.Folder == in.Mailbox {
			return nil, fmt.Errorf("%s: after=move:%s moves to the mailbox itself", where, in.Folder)
		}
	default:
		return nil, fmt.Errorf("%s: after=%q: use seen, move:FOLDER or delete", where, after)
	}
	return &in, nil
}

// Source names the mailbox for good, without the password: the key under
// which its messages are recorded as taken. The list and after= are not
// part of it, so that changing them never takes old mail again; nor are
// the scheme and port, which say how the mailbox is reached, not which
// it is: moving from imap:// on 143 to imaps:// on 993 must not post
// again what the first way took but had not yet marked \Seen.
func (in *IngestURL) Source() string {
	return in.source("imap", in.host())
}

// LegacySources are the names older Praxis recorded this mailbox under
// (with the scheme and port), the one this URL's scheme gave first:
// their records are adopted under Source when a serve starts.
func (in *IngestURL) LegacySources() []string {
	schemes := []string{"imap", "imaps"}
	if in.TLS {
		schemes[0], schemes[1] = schemes[1], schemes[0]
	}
	return []string{in.source(schemes[0], strings.ToLower(in.Addr)), in.source(schemes[1], strings.ToLower(in.Addr))}
}

func (in *IngestURL) source(scheme, host string) string {
	u := url.URL{Scheme: scheme, User: url.User(in.User), Host: host, Path: "/" + in.Mailbox}
	return u.String()
}

// host is the server's name without the port, lower-cased, an IPv6
// address in brackets.
func (in *IngestURL) host() string {
	host, _, err := net.SplitHostPort(in.Addr)
	if err != nil {
		host = in.Addr
	}
	host = strings.ToLower(host)
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host
}

// Loopback tells whether the server is on this machine: the only place
// imap:// may send a password without TLS.
func (in *IngestURL) Loopback() bool {
	host, _, _ := net.SplitHostPort(in.Addr)
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	return c.Redacted()
}

// StringList is a setting that may be written in the file as one string
// or as an array of strings (imap-ingest).
type StringList []string

// UnmarshalTOML takes a string or an array of strings.
func (l *StringList) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*l = StringList{v}
	case []any:
		out := make(StringList, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("want strings, got %T", e)
			}
			out = append(out, s)
		}
		*l = out
	default:
		return fmt.Errorf("want a string or an array of strings, got %T", v)
	}
	return nil
}

// URLListFlag is a flag.Value over a list of URLs: each use of the flag
// adds one (no comma splitting, as a password may hold a comma). String
// joins them with spaces, which a URL cannot hold, and Set splits on
// them, so a flag replayed through String gives the same list. The first
// Set replaces what the file said.
type URLListFlag struct {
	list *StringList
	set  bool
}

// NewURLListFlag binds a URLListFlag to list.
func NewURLListFlag(list *StringList) *URLListFlag { return &URLListFlag{list: list} }

func (f *URLListFlag) String() string {
	if f == nil || f.list == nil {
		return ""
	}
	return strings.Join(*f.list, " ")
}

// Set adds value's URLs.
func (f *URLListFlag) Set(value string) error {
	if !f.set {
		*f.list, f.set = nil, true
	}
	*f.list = append(*f.list, strings.Fields(value)...)
	return nil
}
