package listserv

import (
	"errors"
	"fmt"

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
	RawAnyone                    = store.RawAnyone
	RawMembers                   = store.RawMembers
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

// ErrNoList is ErrNotFound (errors.Is matches both) for a list address,
// so that a caller can say where to look (the CLI: `praxis list ls`).
var ErrNoList = fmt.Errorf("%w", ErrNotFound)

// ValidateList checks every setting of l and returns all problems at once
// (the rules live with the record: store.List.Validate).
func ValidateList(l *List) error { return l.Validate() }

// ValidateMember checks a member's settings (store.Member.Validate).
func ValidateMember(m *Member) error { return m.Validate() }

// CleanName makes a display name given by someone outside safe to store
// (store.CleanName).
func CleanName(name string) string { return store.CleanName(name) }

// ParseAddress checks that s is one bare addr-spec (local@domain) and
// returns it with the domain in lower case (store.ParseAddress).
func ParseAddress(s string) (string, error) { return store.ParseAddress(s) }

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
