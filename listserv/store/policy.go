package store

// The values of a list's and a member's settings. listserv gives them to
// its callers under the same names; the rooms that read a List or a Member
// (the checks, delivery) use them from here.

// Posting policies: who may post without a moderator.
const (
	PostMembers   = "members"   // members post; non-members are held
	PostOpen      = "open"      // anyone posts
	PostModerated = "moderated" // every post is held
	PostAnnounce  = "announce"  // owners and moderators only
)

// Subscription policies (the email robot that applies them comes later).
const (
	SubscribeOpen                = "open"
	SubscribeConfirm             = "confirm"
	SubscribeModerate            = "moderate"
	SubscribeConfirmThenModerate = "confirm_then_moderate"
)

// Archive policies.
const (
	ArchivePublic  = "public"
	ArchivePrivate = "private"
	ArchiveNone    = "none"
)

// What happens to a non-member's post (Mailman's default_nonmember_action).
const (
	ActionHold    = "hold"
	ActionReject  = "reject"
	ActionDiscard = "discard"
	ActionAccept  = "accept"
)

// What happens to a live post a spam check flags (List.SpamAction,
// BlocklistAction, SPFFailAction). A member's post is at most held.
const (
	SpamHold    = "hold"    // held, with what the checks found
	SpamDiscard = "discard" // kept, not relayed, nobody told
	SpamReject  = "reject"  // refused at DATA (550), before the 250
	SpamAccept  = "accept"  // the check does nothing on this list
)

// How a post from a strict-DMARC domain is relayed.
const (
	DMARCMunge = "munge" // From: "Alice via CoP" <list>, author in Reply-To
	DMARCWrap  = "wrap"  // the post attached as message/rfc822
)

// Who may see the roster with the `who` command.
const (
	RosterModerators = "moderators"
	RosterMembers    = "members"
	RosterPublic     = "public"
)

// Who may take a list's archived posts as they came (List.RawAccess).
const (
	RawAnyone  = "anyone"  // every reader of the archive
	RawMembers = "members" // members signed in only
)

// Roles of a member.
const (
	RoleMember    = "member"
	RoleModerator = "moderator"
	RoleOwner     = "owner"
)

// Delivery modes of a member.
const (
	DeliverEach    = "each"
	DeliverDigest  = "digest"
	DeliverSummary = "summary"
	DeliverNomail  = "nomail"
)

// Member statuses.
const (
	StatusEnabled           = "enabled"
	StatusDisabledBounce    = "disabled_bounce"
	StatusDisabledUser      = "disabled_user"
	StatusDisabledModerator = "disabled_moderator"
)
