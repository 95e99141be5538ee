package listserv

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"praxis/listserv/store"
)

// List and Member are the stored records; the domain rules live here.
type (
	List   = store.List
	Member = store.Member
)

// The settings' values, defined with the record in store.
const (
	PostMembers                  = store.PostMembers
	PostOpen                     = store.PostOpen
	PostModerated                = store.PostModerated
	PostAnnounce                 = store.PostAnnounce
	SubscribeOpen                = store.SubscribeOpen
	SubscribeConfirm             = store.SubscribeConfirm
	SubscribeModerate            = store.SubscribeModerate
	SubscribeConfirmThenModerate = store.SubscribeConfirmThenModerate
	ArchivePublic                = store.ArchivePublic
	ArchivePrivate               = store.ArchivePrivate
	ArchiveNone                  = store.ArchiveNone
	ActionHold                   = store.ActionHold
	ActionReject                 = store.ActionReject
	ActionDiscard                = store.ActionDiscard
	ActionAccept                 = store.ActionAccept
	DMARCMunge                   = store.DMARCMunge
	DMARCWrap                    = store.DMARCWrap
	RosterModerators             = store.RosterModerators
	RosterMembers                = store.RosterMembers
	RosterPublic                 = store.RosterPublic
	RoleMember                   = store.RoleMember
	RoleModerator                = store.RoleModerator
	RoleOwner                    = store.RoleOwner
	DeliverEach                  = store.DeliverEach
	DeliverDigest                = store.DeliverDigest
	DeliverSummary               = store.DeliverSummary
	DeliverNomail                = store.DeliverNomail
	StatusEnabled                = store.StatusEnabled
	StatusDisabledBounce         = store.StatusDisabledBounce
	StatusDisabledUser           = store.StatusDisabledUser
	StatusDisabledModerator      = store.StatusDisabledModerator
)

// ErrInvalid marks bad input from a user (CLI, web, mail).
var ErrInvalid = store.ErrInvalid

// Re-exported store sentinels so callers need not import store.
var (
	ErrNotFound  = store.ErrNotFound
	ErrDuplicate = store.ErrDuplicate
)

func oneOf(what, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%w: %s %q: use one of %s", ErrInvalid, what, v, strings.Join(allowed, ", "))
}

// ValidateList checks every setting of l and returns all problems at once.
func ValidateList(l *List) error {
	var errs []error
	if _, err := ParseAddress(l.Address); err != nil {
		errs = append(errs, err)
	} else if local, _, _ := strings.Cut(l.Address, "@"); reservedSuffix(local) {
		errs = append(errs, fmt.Errorf("%w: list address %q ends in a reserved suffix (-request, -join, -leave, -owner, -confirm, -bounces)", ErrInvalid, l.Address))
	}
	if strings.TrimSpace(l.Name) == "" {
		errs = append(errs, fmt.Errorf("%w: the list needs a --name", ErrInvalid))
	}
	if strings.ContainsAny(l.Name+l.Prefix, "\r\n") {
		errs = append(errs, fmt.Errorf("%w: name and prefix must be one line", ErrInvalid))
	}
	if err := oneOf("--subscribe", l.SubscribePolicy, SubscribeOpen, SubscribeConfirm, SubscribeModerate, SubscribeConfirmThenModerate); err != nil {
		errs = append(errs, err)
	}
	if err := oneOf("--post", l.PostPolicy, PostMembers, PostOpen, PostModerated, PostAnnounce); err != nil {
		errs = append(errs, err)
	}
	if err := oneOf("--archive", l.ArchivePolicy, ArchivePublic, ArchivePrivate, ArchiveNone); err != nil {
		errs = append(errs, err)
	}
	if err := oneOf("--nonmember-action", l.NonmemberAction, ActionHold, ActionReject, ActionDiscard, ActionAccept); err != nil {
		errs = append(errs, err)
	}
	if err := oneOf("--dmarc", l.DMARCAction, DMARCMunge, DMARCWrap); err != nil {
		errs = append(errs, err)
	}
	if err := oneOf("--roster", l.Roster, RosterModerators, RosterMembers, RosterPublic); err != nil {
		errs = append(errs, err)
	}
	if l.MaxMessageKB < 0 || l.MaxRecipients < 0 || l.HoldDays < 0 || l.DigestSizeKB < 0 {
		errs = append(errs, fmt.Errorf("%w: limits cannot be negative", ErrInvalid))
	}
	if _, err := time.LoadLocation(l.TimeZone); err != nil || l.TimeZone == "" || l.TimeZone == "Local" {
		errs = append(errs, fmt.Errorf("%w: --time-zone %q is not an IANA time zone such as Europe/Berlin or UTC", ErrInvalid, l.TimeZone))
	}
	if l.DigestHour < 0 || l.DigestHour > 23 {
		errs = append(errs, fmt.Errorf("%w: --digest-hour is 0 to 23", ErrInvalid))
	}
	if l.SummaryWeekday < 0 || l.SummaryWeekday > 6 {
		errs = append(errs, fmt.Errorf("%w: --summary-weekday is 0 (Sunday) to 6 (Saturday)", ErrInvalid))
	}
	return errors.Join(errs...)
}

// ValidateMember checks a member's settings.
func ValidateMember(m *Member) error {
	var errs []error
	if _, err := ParseAddress(m.Address); err != nil {
		errs = append(errs, err)
	}
	if err := oneOf("--role", m.Role, RoleMember, RoleModerator, RoleOwner); err != nil {
		errs = append(errs, err)
	}
	if err := oneOf("--delivery", m.Delivery, DeliverEach, DeliverDigest, DeliverSummary, DeliverNomail); err != nil {
		errs = append(errs, err)
	}
	if err := oneOf("--status", m.Status, StatusEnabled, StatusDisabledBounce, StatusDisabledUser, StatusDisabledModerator); err != nil {
		errs = append(errs, err)
	}
	if strings.IndexFunc(m.Name+m.Expertise, unicode.IsControl) >= 0 {
		// CR/LF would fake lines in `member ls`, `who` and headers; other
		// control characters (ESC) would drive the terminal showing them.
		errs = append(errs, fmt.Errorf("%w: name and expertise must be one line of printable text", ErrInvalid))
	}
	return errors.Join(errs...)
}

// maxNameRunes bounds a display name taken from mail or a web form.
const maxNameRunes = 200

// CleanName makes a display name given by someone outside (a From field, a
// web form) safe to store: control characters become spaces, runs of space
// one, and it is cut to maxNameRunes.
func CleanName(name string) string {
	name = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, name)), " ")
	if r := []rune(name); len(r) > maxNameRunes {
		name = string(r[:maxNameRunes])
	}
	return name
}

// ParseAddress checks that s is one bare addr-spec (local@domain) and returns
// it with the domain in lower case.
func ParseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || strings.Trim(a.Address, "<>") != strings.Trim(s, "<>") {
		return "", fmt.Errorf("%w: %q is not an email address (want local@domain)", ErrInvalid, s)
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") && domain != "localhost" || strings.ContainsAny(domain, "[] ") {
		return "", fmt.Errorf("%w: %q is not an email address (want local@domain)", ErrInvalid, s)
	}
	return local + "@" + strings.ToLower(domain), nil
}

var reservedSuffixes = []string{"-request", "-join", "-leave", "-owner", "-confirm", "-bounces"}

func reservedSuffix(local string) bool {
	l := strings.ToLower(local)
	for _, s := range reservedSuffixes {
		if strings.HasSuffix(l, s) {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
