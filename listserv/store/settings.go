package store

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Setting is one of a list's settings as an owner changes it: the flag of
// `praxis list create` and `list set`, and the field of the owners' web
// form, both made from this table, so that the two name, read and parse
// each setting the same way. What a value may be is decided afterwards,
// for all settings at once, by List.Validate, which
// listserv.Service.UpdateList applies whoever asks.
type Setting struct {
	Name    string   // the flag's and the form field's name: "post"
	Usage   string   // what it is, for --help and the form
	Kind    string   // SettingText, SettingInt, SettingNumber, SettingBool or SettingChoice
	Choices []string // a choice's values, in the order they are offered
	get     func(l *List) string
	set     func(l *List, v string) error
}

// The kinds of setting, as a form shows them.
const (
	SettingText   = "text"
	SettingInt    = "int"
	SettingNumber = "number" // a decimal: a score
	SettingBool   = "bool"
	SettingChoice = "choice"
)

// Get is the setting's value on l, as text.
func (s *Setting) Get(l *List) string { return s.get(l) }

// Set gives l the setting's value v, parsed from text; a number or a
// switch that does not parse is ErrInvalid.
func (s *Setting) Set(l *List, v string) error { return s.set(l, v) }

func textSetting(name, usage string, field func(*List) *string, choices ...string) Setting {
	kind := SettingText
	if len(choices) > 0 {
		kind = SettingChoice
	}
	return Setting{Name: name, Usage: usage, Kind: kind, Choices: choices,
		get: func(l *List) string { return *field(l) },
		set: func(l *List, v string) error { *field(l) = v; return nil }}
}

func intSetting(name, usage string, field func(*List) *int) Setting {
	return Setting{Name: name, Usage: usage, Kind: SettingInt,
		get: func(l *List) string { return strconv.Itoa(*field(l)) },
		set: func(l *List, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%w: --%s %q is not a whole number", ErrInvalid, name, v)
			}
			*field(l) = n
			return nil
		}}
}

func floatSetting(name, usage string, field func(*List) *float64) Setting {
	return Setting{Name: name, Usage: usage, Kind: SettingNumber,
		get: func(l *List) string { return strconv.FormatFloat(*field(l), 'g', -1, 64) },
		set: func(l *List, v string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("%w: --%s %q is not a number", ErrInvalid, name, v)
			}
			*field(l) = f
			return nil
		}}
}

func boolSetting(name, usage string, field func(*List) *bool) Setting {
	return Setting{Name: name, Usage: usage, Kind: SettingBool,
		get: func(l *List) string { return strconv.FormatBool(*field(l)) },
		set: func(l *List, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%w: --%s %q is not true or false", ErrInvalid, name, v)
			}
			*field(l) = b
			return nil
		}}
}

// ListSettings are a list's settings, in the order --help and the form
// show them.
var ListSettings = []Setting{
	textSetting("name", "the list's title", func(l *List) *string { return &l.Name }),
	textSetting("description", "one line on what the community is about", func(l *List) *string { return &l.Description }),
	textSetting("subscribe", "open, confirm, moderate or confirm_then_moderate", func(l *List) *string { return &l.SubscribePolicy },
		SubscribeOpen, SubscribeConfirm, SubscribeModerate, SubscribeConfirmThenModerate),
	textSetting("post", "members, open, moderated or announce", func(l *List) *string { return &l.PostPolicy },
		PostMembers, PostOpen, PostModerated, PostAnnounce),
	textSetting("archive", "public, private or none", func(l *List) *string { return &l.ArchivePolicy },
		ArchivePublic, ArchivePrivate, ArchiveNone),
	textSetting("prefix", `subject prefix, e.g. "[cop] "`, func(l *List) *string { return &l.Prefix }),
	textSetting("nonmember-action", "what happens to posts from non-members: hold, reject, discard or accept", func(l *List) *string { return &l.NonmemberAction },
		ActionHold, ActionReject, ActionDiscard, ActionAccept),
	intSetting("max-message-kb", "hold posts larger than this (0: no limit)", func(l *List) *int { return &l.MaxMessageKB }),
	intSetting("max-recipients", "hold posts with more To/Cc addresses (0: no limit)", func(l *List) *int { return &l.MaxRecipients }),
	boolSetting("emergency", "hold every post", func(l *List) *bool { return &l.Emergency }),
	boolSetting("require-explicit-destination", "hold posts that do not name the list in To or Cc", func(l *List) *bool { return &l.RequireExplicitDestination }),
	textSetting("dmarc", "for authors whose domain has DMARC p=reject/quarantine: munge (From rewritten) or wrap", func(l *List) *string { return &l.DMARCAction },
		DMARCMunge, DMARCWrap),
	textSetting("roster", "who may ask `who`: moderators, members or public", func(l *List) *string { return &l.Roster },
		RosterModerators, RosterMembers, RosterPublic),
	intSetting("hold-days", "held posts expire after this many days (0: never)", func(l *List) *int { return &l.HoldDays }),
	textSetting("time-zone", "the list's time zone for digests and summaries (IANA name, e.g. Europe/Berlin)", func(l *List) *string { return &l.TimeZone }),
	intSetting("digest-hour", "the hour (0-23, in the list's time zone) the daily digest goes", func(l *List) *int { return &l.DigestHour }),
	intSetting("summary-weekday", "the day the weekly learning summary goes: 0 Sunday … 6 Saturday", func(l *List) *int { return &l.SummaryWeekday }),
	intSetting("digest-size-kb", "send the digest early once this many KB of posts wait (0: only daily; Mailman uses 30)", func(l *List) *int { return &l.DigestSizeKB }),
	textSetting("raw-access", "who may download posts as they came, addresses unhidden (raw, attachments, mbox, anonymous IMAP): anyone or members (signed in)", func(l *List) *string { return &l.RawAccess },
		RawAnyone, RawMembers),
	textSetting("spam-action", "a live post the content filter scores at --spam-score or more: hold, discard, reject (550 at DATA) or accept; a member's is at most held", func(l *List) *string { return &l.SpamAction },
		SpamHold, SpamDiscard, SpamReject, SpamAccept),
	floatSetting("spam-score", "the content filter's score from which --spam-action applies (0: the filter's own threshold)", func(l *List) *float64 { return &l.SpamScore }),
	textSetting("blocklist-action", "a live post from an address on a --dnsbl zone: hold, discard, reject (550 at DATA) or accept; a member's is at most held", func(l *List) *string { return &l.BlocklistAction },
		SpamHold, SpamDiscard, SpamReject, SpamAccept),
	textSetting("spf-fail-action", "a live post whose envelope sender's SPF says fail: hold, discard, reject (550 at DATA) or accept; a member's is at most held", func(l *List) *string { return &l.SPFFailAction },
		SpamHold, SpamDiscard, SpamReject, SpamAccept),
	textSetting("suggest-related", "private: the asker of a new question gets one private mail of the list's related answered threads (members who turned suggestions off excepted); off", func(l *List) *string { return &l.SuggestRelated },
		SuggestPrivate, SuggestOff),
}

// ListSetting finds a setting by name.
func ListSetting(name string) (*Setting, bool) {
	for i := range ListSettings {
		if ListSettings[i].Name == name {
			return &ListSettings[i], true
		}
	}
	return nil, false
}

// SettingsChanged says what differs between two versions of a list's
// settings, one `name: "old" → "new"` a setting, for the audit log.
func SettingsChanged(before, after *List) string {
	var out []string
	for i := range ListSettings {
		s := &ListSettings[i]
		if a, b := s.get(before), s.get(after); a != b {
			out = append(out, fmt.Sprintf("%s: %q → %q", s.Name, a, b))
		}
	}
	return strings.Join(out, "; ")
}
