package learn

// FeaturesVersion names the rules Judge and PostText follow. A post's
// features are worked out once, when it is archived, and kept with this
// number; a summary works out again those of an older number (and keeps
// the new ones), so changing a rule here means raising it.
const FeaturesVersion = 36

// Features are the judgements of one post's own words that summaries ask
// of every post they read: the same whichever period or topic it is read
// in, so worked out once (Judge) and kept with the post.
type Features uint32

const (
	// FeatAsks: read as a topic's first post, it asks for help (by a
	// question, words of trouble or of asking, in its subject or prose),
	// and its subject is not an announcement's. See Reading.HelpRequest.
	FeatAsks Features = 1 << iota
	// FeatConfirms: read as an asker's reply, it says an answer worked
	// or made things clear, and nothing after that takes it back.
	FeatConfirms
	// FeatAcknowledges: read as an asker's reply, it is a short thanks
	// that closes the matter ("OK, thanks for the information.") without
	// saying anything worked (see acknowledgement).
	FeatAcknowledges
	// FeatReasks: read as an asker's later reply, it says the trouble is
	// still there or reports trouble and asks again.
	FeatReasks
	// FeatThanks: its prose thanks someone ("thanks in advance" aside).
	FeatThanks
	// FeatMeToo: it mostly asks, or tells of the poster's own similar
	// trouble: never credited as an answer.
	FeatMeToo
	// FeatQuotable: it has a sentence worth quoting.
	FeatQuotable
	// FeatRaises: a sentence of its prose asks or reports trouble and
	// does not suggest (Reading.asks); FeatRaisesOwn: one such in the
	// first person (Reading.asksOwn).
	FeatRaises
	FeatRaisesOwn
	// FeatAlsoMe: it tells of the trouble as its author's too (alsoMe);
	// FeatSameTrouble: it calls it the same trouble (Reading.sameTrouble).
	FeatAlsoMe
	FeatSameTrouble

	// featJudged marks Features worked out (the zero value is not).
	featJudged Features = 1 << 31
)

// Has tells whether all of the flags in g are set.
func (f Features) Has(g Features) bool { return f&g == g }

// Judge works out a post's Features from its subject, author and Body.
func Judge(p *Post) Features {
	prose := ProseText(p.Body, p.Author())
	sents := Sentences(prose)
	said := said(p.Body)
	f := featJudged
	help, raised, own := asksOf(p.Subject, sents)
	if help {
		f |= FeatAsks
	}
	conf, ack := confirmation(said), acknowledgement(said)
	if conf {
		f |= FeatConfirms
	}
	if ack {
		f |= FeatAcknowledges
	}
	if reasks(said, conf || ack) {
		f |= FeatReasks
	}
	if Thanked(prose) {
		f |= FeatThanks
	}
	if len(sents) > 0 {
		f |= FeatQuotable
		if metoo(sents) {
			f |= FeatMeToo
		}
	}
	// What splitting a thread into topics asks of a post whose author is
	// new to it: at a hundred times usrp-users' traffic, asking it of
	// each such post of a summary's weeks was a third of the topics' time.
	if raised {
		f |= FeatRaises
	}
	if own {
		f |= FeatRaisesOwn
	}
	if alsoMe.MatchString(p.Body) {
		f |= FeatAlsoMe
	}
	if sameTrouble(sents) {
		f |= FeatSameTrouble
	}
	return f
}

// judged answers one of the questions Judge answers of q's own words
// (the flag f): from the Features q was loaded with, else by asking work
// of its sentences (a Post made by hand, as a thread page's, is asked
// only what is asked of it, not all of Judge).
func (r *Reading) judged(q *Post, f Features, work func(sents []string) bool) bool {
	if q.Features.Has(featJudged) {
		return q.Features.Has(f)
	}
	return work(r.Sentences(q))
}

// MaxTermsSize is the largest post whose text counts towards document
// frequencies: a bigger one is mostly attachment, and counts by its
// subject alone.
const MaxTermsSize = 256 << 10

// PostText works out what a summary reads of a stored post, once: its own
// text (OwnText) and the set of its terms (of subject and own text; of the subject
// alone for a post over MaxTermsSize bytes).
func PostText(subject string, raw []byte) (own string, terms []string) {
	own = OwnText(QuickText(raw))
	if len(raw) > MaxTermsSize {
		return own, TermSet(subject)
	}
	return own, TermSet(subject + "\n" + own)
}

// Features are q's Features: those it was loaded with, else worked out
// now, once a Reading (a Post made by hand, or loaded without).
func (r *Reading) Features(q *Post) Features {
	if q.Features.Has(featJudged) {
		return q.Features
	}
	return once(&r.mu, r.feats, q, func() Features { return Judge(q) })
}
