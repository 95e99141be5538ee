package store

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The rules a list's and a member's settings keep, whoever sets them (the
// CLI, a form, a mailed command), live with the records.

func oneOf(what, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%w: %s %q: use one of %s", ErrInvalid, what, v, strings.Join(allowed, ", "))
}

// Validate checks every setting of l and returns all problems at once.
func (l *List) Validate() error {
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
	// Each is shown on every page and in every notice, the prefix in
	// every subject: a form's megabyte must not become one.
	if utf8.RuneCountInString(l.Name) > MaxNameRunes || utf8.RuneCountInString(l.Prefix) > MaxNameRunes || utf8.RuneCountInString(l.Description) > MaxDescriptionRunes {
		errs = append(errs, fmt.Errorf("%w: the name and the prefix are at most %d characters, the description %d", ErrInvalid, MaxNameRunes, MaxDescriptionRunes))
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
	if err := oneOf("--raw-access", l.RawAccess, RawAnyone, RawMembers); err != nil {
		errs = append(errs, err)
	}
	for _, a := range []struct{ flag, v string }{{"--spam-action", l.SpamAction}, {"--blocklist-action", l.BlocklistAction}, {"--spf-fail-action", l.SPFFailAction}} {
		if err := oneOf(a.flag, a.v, SpamHold, SpamDiscard, SpamReject, SpamAccept); err != nil {
			errs = append(errs, err)
		}
	}
	// NaN compares false with everything, so it is refused by name.
	if l.SpamScore < 0 || l.SpamScore > 1000 || l.SpamScore != l.SpamScore {
		errs = append(errs, fmt.Errorf("%w: --spam-score is 0 (the filter's own threshold) to 1000", ErrInvalid))
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

// Validate checks a member's settings.
func (m *Member) Validate() error {
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

// MaxNameRunes bounds a display name taken from mail or a web form, and a
// list's name and prefix.
const MaxNameRunes = 200

// MaxDescriptionRunes bounds a list's description.
const MaxDescriptionRunes = 2000

// CleanName makes a display name given by someone outside (a From field, a
// web form) safe to store: control characters become spaces, runs of space
// one, and it is cut to MaxNameRunes.
func CleanName(name string) string {
	name = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, name)), " ")
	if r := []rune(name); len(r) > MaxNameRunes {
		name = string(r[:MaxNameRunes])
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
