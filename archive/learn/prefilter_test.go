package learn

import (
	"slices"
	"testing"
)

// TestPatternAgreesWithRegexp: the words a Pattern looks for first never
// change its answer: on every sentence of the tricky and the plain texts
// below, and on every pattern the judgements use, it says what Go's
// regexp says.
func TestPatternAgreesWithRegexp(t *testing.T) {
	texts := []string{
		"", "Thanks!", "THANK YOU so much", "That did the trick.", "It works now, but the LO still leaks.",
		"I get the following error: UHD_ERROR", "Any ideas?", "any IDEA how to tune it", "Problem SOLVED.",
		"Thanks in advance", "TIA", "thx", "Much appreciated", "it's ſtill broken", "ſtuck at 8 Msps",
		"The ＫＥＬＶＩＮ K sign", "I'll try it tomorrow", "let's hope", "Meanwhile", "does not work", "doesn't seem to",
		"Segmentation fault (core dumped)", "timed out after 3 s", "Release 4.1 now available", "[ANN] GRCon 2021",
		"Job: FPGA engineer", "I have the same problem", "me too", "Perhaps try setting the SPP?", "I also see it",
		"Built fine without any errors.", "No more overflows.", "You were right", "ÉRROR: Ünable to open", "i see now",
		"see https://files.ettus.com/manual/page_usrp_b200.html?x=1 for it", "WWW.ettus.com?", "mail ann@example.org.", "HTTP://X",
	}
	pats := map[string]*Pattern{"stuck": stuck, "asking": asking, "confirms": confirms, "unresolved": unresolved, "trouble": trouble,
		"notYet": notYet, "later": later, "thanking": thanking, "beforeHelp": beforeHelp, "announcement": announcement,
		"sameProblem": sameProblem, "stillStuck": stillStuck, "untried": untried, "helpWanted": helpWanted, "stillLearning": stillLearning, "handedOn": handedOn, "suggests": suggests, "alsoMe": alsoMe, "selfSolved": selfSolved,
		"urlInText": urlInText, "emailInText": emailInText, "takeBack": takeBack, "condition": condition, "forOthers": forOthers, "narrates": narrates, "hedged": hedged, "stillWorks": stillWorks, "othersSame": othersSame}
	for name, p := range pats {
		if p.needs == nil {
			t.Errorf("%s: no words worked out: the pattern would be no faster", name)
		}
		for _, s := range texts {
			if got, want := p.MatchString(s), p.re.MatchString(s); got != want {
				t.Errorf("%s.MatchString(%q) = %v, regexp says %v (needs %q)", name, s, got, want, p.needs)
			}
			if got, want := p.ReplaceAllString(s, ""), p.re.ReplaceAllString(s, ""); got != want {
				t.Errorf("%s.ReplaceAllString(%q) = %q, regexp says %q", name, s, got, want)
			}
		}
	}
}

func TestRequired(t *testing.T) {
	for _, tt := range []struct {
		expr string
		want []string
	}{
		{`(?i)\bthanks?\b`, []string{"thank", "thanks"}},
		{`(?i)\b(errors?|fail(s|ed)?)\b`, []string{"error", "errors", "fail", "failed", "fails"}},
		{`(?i)^(but|however)\b`, []string{"but", "however"}},
		{`(?i)\b(it|\w+)\b`, nil}, // a branch of classes alone
		{`a*`, nil},
		{`(?i)x{2,3}y`, []string{"xxxy", "xxy"}},
		{`(?i)\b(ab\w+cd|ef)`, []string{"ab", "ef"}}, // the best part of a branch
		{`(?i)\bdo(es)? not (\w+ )?work`, []string{"do not ", "does not "}},
		{`ABC`, []string{"abc"}},
	} {
		p := mustPattern(tt.expr)
		if !slices.Equal(p.needs, tt.want) {
			t.Errorf("required(%q) = %q, want %q", tt.expr, p.needs, tt.want)
		}
	}
}
