package learn

import (
	"math"
	"testing"
)

func TestLexRank(t *testing.T) {
	df := NewDocFreq()
	sents := []string{
		"The overflows come from the disk writes.",
		"Write the samples to a RAM disk to avoid disk overflows.",
		"A RAM disk keeps up with the sample rate.",
		"My cat likes the sun.",
	}
	for _, s := range sents {
		df.Add(s)
	}
	vecs := make([]Vector, len(sents))
	for i, s := range sents {
		vecs[i] = TFIDF(Tokens(s), df)
	}
	score := LexRank(vecs, TFIDF(Tokens("How do I avoid overflows when writing samples to disk?"), df))
	sum := 0.0
	for _, x := range score {
		sum += x
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Errorf("scores sum to %v", sum)
	}
	if score[3] >= score[0] || score[3] >= score[1] || score[3] >= score[2] {
		t.Errorf("the off-topic sentence scores %v, not lowest: %v", score[3], score)
	}
	g := JoinSentences(Gist(sents, TFIDF(Tokens("avoid overflows disk"), df), df, 1, 360))
	if g != sents[1] {
		t.Errorf("gist = %q, want %q", g, sents[1])
	}
}

func TestJoinSentences(t *testing.T) {
	got := JoinSentences([]string{"I had the same problem on the RPi4", "Add -latomic to the CMake call:", "it links.", "Done"})
	if want := "I had the same problem on the RPi4. Add -latomic to the CMake call: it links. Done"; got != want {
		t.Errorf("joinSentences = %q, want %q", got, want)
	}
}
