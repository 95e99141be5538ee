package learn

import "embed"

// EvalSet is the summary evaluation set: labelled weeks of the usrp-users
// archive (testdata/eval, whose RULES.md says how they were labelled),
// built into the binary so that `praxis bench` can score the summary's
// judgements on the weeks kept apart.
//
//go:embed testdata/eval/*.json
var EvalSet embed.FS

// EvalDir is where EvalSet's files are inside it.
const EvalDir = "testdata/eval"
