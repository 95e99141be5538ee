package learn

import (
	"math"
	"sort"
	"strings"
)

// LexRank damping: the share of a sentence's score that flows from the
// sentences like it; the rest comes from the bias (relevance to the
// question). 0.85 is PageRank's and LexRank's usual value.
const damping = 0.85

// LexRank scores sentences by biased continuous LexRank (Erkan & Radev
// 2004; the query bias as in Otterbacher et al. 2005): a random walk over
// the sentences, stepping from one to another with probability
// proportional to their cosine similarity (TF-IDF vectors), and jumping
// with probability 1-damping to a sentence chosen by the bias. A sentence
// scores high when the sentences around it say the same thing (it is
// central) and when it is close to the question.
//
// The bias of sentence i is 0.05 + cos(i, question) + 0.15/(i+1): the
// floor lets every sentence be reached, the cosine favours what answers
// the question, and the small position prior reflects that answers tend to
// lead with the answer. The returned scores sum to 1.
func LexRank(vecs []Vector, question Vector) []float64 {
	n := len(vecs)
	if n == 0 {
		return nil
	}
	// Row-normalised similarity matrix, no self loops.
	w := make([][]float64, n)
	for i := range w {
		w[i] = make([]float64, n)
		sum := 0.0
		for j := range vecs {
			if i != j {
				w[i][j] = cosine(vecs[i], vecs[j])
				sum += w[i][j]
			}
		}
		for j := range w[i] {
			switch {
			case sum > 0:
				w[i][j] /= sum
			case i != j:
				w[i][j] = 1 / float64(n-1) // an isolated sentence passes its score on evenly
			}
		}
	}
	bias := make([]float64, n)
	bsum := 0.0
	for i, v := range vecs {
		bias[i] = 0.05 + cosine(v, question) + 0.15/float64(i+1)
		bsum += bias[i]
	}
	for i := range bias {
		bias[i] /= bsum
	}
	p := append([]float64(nil), bias...)
	if n == 1 {
		return []float64{1}
	}
	next := make([]float64, n)
	for iter := 0; iter < 100; iter++ {
		for j := range next {
			next[j] = (1 - damping) * bias[j]
		}
		for i := range p {
			for j, x := range w[i] {
				next[j] += damping * p[i] * x
			}
		}
		delta := 0.0
		for j := range p {
			delta += math.Abs(next[j] - p[j])
		}
		p, next = next, p
		if delta < 1e-10 {
			break
		}
	}
	return p
}

// Gist picks up to k sentences of an answer, the highest by LexRank, and
// returns them in the order written, within a budget of chars. A sentence
// that asks something back ("Can you share the graph?") or is very short
// has its score halved or cut by a third: a gist should tell, not ask. A
// sentence ending in ':' introduces what follows it (code, a list), which
// a gist cannot show: it is taken only when nothing else is left.
func Gist(sents []string, question Vector, df *DocFreq, k, chars int) []string {
	if len(sents) == 0 {
		return nil
	}
	vecs := make([]Vector, len(sents))
	for i, s := range sents {
		vecs[i] = TFIDF(Tokens(s), df)
	}
	score := LexRank(vecs, question)
	for i, s := range sents {
		if IsQuestionSentence(s) {
			score[i] *= 0.5
		}
		if len(s) < 40 {
			score[i] *= 0.7
		}
		if strings.HasSuffix(s, ":") {
			score[i] *= 0.01
		}
	}
	order := make([]int, len(sents))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
	var pick []int
	used := 0
	for _, i := range order {
		if len(pick) == k {
			break
		}
		l := len(sents[i])
		if len(pick) > 0 && used+l > chars {
			continue
		}
		pick = append(pick, i)
		used += l + 1
	}
	sort.Ints(pick)
	parts := make([]string, len(pick))
	for i, j := range pick {
		parts[i] = sents[j]
	}
	return parts
}

// JoinSentences writes sentences as one text; a sentence that ends
// without punctuation (a line of its own in the mail) gets a full stop,
// so two of them do not read as one.
func JoinSentences(ss []string) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			prev := ss[i-1]
			if !strings.ContainsAny(prev[len(prev)-1:], ".!?:;)\"'”…") {
				b.WriteByte('.')
			}
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}
