package store

import (
	"slices"
	"testing"
)

// EachTerm gives the terms TermList lists, in order, however they were
// kept: split from a pack's joined terms (empty ones too, as
// strings.Split makes them) or as a list.
func TestEachTermAsTermList(t *testing.T) {
	cases := []PostFeatures{
		{},
		{terms: "usrp"},
		{terms: "usrp x310 rfnoc"},
		{terms: "a  b"},
		{terms: " lead"},
		{terms: "trail "},
		{terms: " "},
		{Terms: []string{}},
		{Terms: []string{"kept", "list"}, terms: "not read"},
		{Terms: []string{"", "x"}},
	}
	for _, f := range cases {
		var got []string
		f.EachTerm(func(s string) { got = append(got, s) })
		if want := f.TermList(); !slices.Equal(got, want) {
			t.Errorf("%+v: EachTerm gave %q, TermList %q", f, got, want)
		}
	}
}
