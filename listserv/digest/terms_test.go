package digest

import (
	"strings"
	"testing"

	"praxis/archive/learn"
)

func TestMatchTerms(t *testing.T) {
	words := func(s string) []string {
		var out []string
		for _, tk := range learn.Tokens(s) {
			out = append(out, tk.Term)
		}
		return out
	}
	text := words("Building GNU Radio blocks for RFNoC on the E312 with Python")
	got := matchTerms(text, []string{"gnu radio", "rfnoc block", "python", "FPGA", "E312"})
	want := []string{"gnu radio", "python", "E312"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("matchTerms = %q, want %q", got, want)
	}
}
