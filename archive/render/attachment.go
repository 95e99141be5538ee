package render

import (
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"praxis/listserv/mailmsg"
)

// Attachment is a part of a post that is offered for download rather than
// shown.
type Attachment struct {
	// Index is the part's number: the position of the part among all the
	// leaf parts of the message, depth first, from 1. It does not change
	// when the archive's idea of what to show changes; AttachmentData
	// takes it.
	Index int
	// Filename is the name to save it under: the sender's, decoded,
	// without any directory, control or bidirectional-override
	// characters, at most 150 characters; never empty
	// ("attachment-2.bin" when the sender gave none).
	Filename string
	// ContentType is the media type as declared, in lower case (with the
	// RFC 2045 default, text/plain, when none was).
	ContentType string
	// SafeType is what to serve it as: "text/plain; charset=utf-8" for
	// text, image/png, image/jpeg, image/gif or image/webp for those
	// images, and application/octet-stream for everything else, so that
	// no attachment is ever run by a browser as a page, an SVG or a
	// script. Serve it with "X-Content-Type-Options: nosniff".
	SafeType string
	// Size is the length in bytes of what AttachmentData returns.
	Size int
}

const (
	typeText   = "text/plain; charset=utf-8"
	typeBinary = "application/octet-stream"
)

// safeType decides how an attachment may be served. A declared type of
// application/octet-stream is refined by the file name for plain text
// (when the content is UTF-8) and the four image types browsers show
// inline; nothing is ever served as HTML, XHTML, SVG or script.
func safeType(mediaType, filename string, content []byte) string {
	mt := mediaType
	if mt == "application/octet-stream" || mt == "" {
		switch strings.ToLower(path.Ext(filename)) {
		case ".txt", ".log", ".csv", ".patch", ".diff", ".md":
			if utf8.Valid(content) {
				return typeText
			}
		case ".png":
			mt = "image/png"
		case ".jpg", ".jpeg":
			mt = "image/jpeg"
		case ".gif":
			mt = "image/gif"
		case ".webp":
			mt = "image/webp"
		}
	}
	switch mt {
	case "image/png", "image/gif", "image/webp", "image/jpeg":
		return mt
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	case "text/html", "text/xml", "text/xsl", "text/x-server-parsed-html":
		// A browser that ignored the charset or sniffed would run these.
		return typeBinary
	case "message/delivery-status", "message/disposition-notification", "message/feedback-report":
		// RFC 3464, 8098 and 5965 reports are plain text by definition.
		return typeText
	}
	if strings.HasPrefix(mt, "text/") {
		return typeText
	}
	return typeBinary
}

// extensions gives a file name to an attachment that has none.
var extensions = map[string]string{
	"text/plain":                ".txt",
	"text/html":                 ".html",
	"text/x-patch":              ".patch",
	"text/x-diff":               ".diff",
	"text/calendar":             ".ics",
	"text/csv":                  ".csv",
	"image/png":                 ".png",
	"image/jpeg":                ".jpg",
	"image/gif":                 ".gif",
	"image/webp":                ".webp",
	"application/pdf":           ".pdf",
	"application/zip":           ".zip",
	"application/gzip":          ".gz",
	"application/pgp-signature": ".asc",
	"application/pgp-encrypted": ".asc",
	"application/pgp-keys":      ".asc",
	"message/rfc822":            ".eml",
	"message/global":            ".eml",
	"message/delivery-status":   ".txt",
}

const maxFilename = 150 // characters

// safeFilename cleans a sender's file name so that it can be shown and
// offered for download: only its last path element, no control or
// bidirectional-formatting characters (which can disguise "exe.txt" as
// "txt.exe"), none of the characters Windows forbids, no leading or
// trailing dots or spaces, at most maxFilename characters with the
// extension kept. An empty result becomes "attachment-N.ext".
func safeFilename(name string, index int, mediaType string) string {
	name, _ = mailmsg.DecodeWords(name)
	if !utf8.ValidString(name) {
		name = mailmsg.Windows1252(name)
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Bidi_Control, r), r == '\u200b', r == '\ufeff', unicode.IsControl(r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(strings.Join(strings.Fields(name), " "), ". ")
	if r := []rune(name); len(r) > maxFilename {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = strings.TrimRight(string(r[:maxFilename-len(ext)]), ". ") + string(ext)
	}
	if name == "" {
		ext, ok := extensions[mediaType]
		if !ok {
			ext = ".bin"
		}
		name = "attachment-" + strconv.Itoa(index) + ext
	}
	return name
}
