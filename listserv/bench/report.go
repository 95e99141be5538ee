package bench

import (
	"fmt"
	"io"
)

// WriteText prints res as the lines `praxis bench` shows without --json.
func WriteText(w io.Writer, res *Result) {
	if res.IngestMsgsPerS > 0 { // not with --only imap
		fmt.Fprintf(w, "ingest:   %8.0f posts/s (%d posts, %d clients, durable before 250)\n", res.IngestMsgsPerS, res.IngestMessages, res.IngestClients)
		fmt.Fprintf(w, "ceiling:  %8.0f posts/s (bare go-smtp receiver, same spool commit) → %.0f%%\n", res.IngestCeilingMsgsPerS, 100*res.IngestRatioOfCeiling)
	}
	if res.FanoutRcptsPerS > 0 {
		fmt.Fprintf(w, "fan-out:  %8.0f copies/s (%d members, VERP, %d connections)\n", res.FanoutRcptsPerS, res.FanoutRecipients, res.DeliveryConnections)
		fmt.Fprintf(w, "ceiling:  %8.0f copies/s (bare go-smtp client, same sink) → %.0f%%\n", res.FanoutCeilingRcptsPerS, 100*res.FanoutRatioOfCeiling)
	}
	if res.IndexMsgsPerS != nil {
		if res.IndexRatioOfCeiling != nil { // not with --only imap
			fmt.Fprintf(w, "archive:  %8.0f messages/s imported, stored, threaded and indexed (%d messages) → %.0f%% of bare Bleve (%.0f/s)\n",
				*res.IndexMsgsPerS, res.ArchiveMessages, 100**res.IndexRatioOfCeiling, *res.IndexCeilingMsgsPerS)
		}
		if res.IndexSizeRatio != nil {
			fmt.Fprintf(w, "index:    %8.2fx the mbox\n", *res.IndexSizeRatio)
		}
		if res.SearchP50Ms != nil {
			fmt.Fprintf(w, "search:   %8.2f ms p50, %.2f ms p99 (newest first, in-process)\n", *res.SearchP50Ms, *res.SearchP99Ms)
		}
		if res.HTTPSearchP50Ms != nil {
			fmt.Fprintf(w, "web:      %8.2f ms p50, %.2f ms p99 (the search page over HTTP, a new connection each)\n", *res.HTTPSearchP50Ms, *res.HTTPSearchP99Ms)
		}
		if res.IMAPSessionP50Ms != nil {
			fmt.Fprintf(w, "imap:     %8.2f ms p50, %.2f ms p99 (a whole session: LOGIN, SELECT, UID SEARCH, 50 headers, LOGOUT)\n", *res.IMAPSessionP50Ms, *res.IMAPSessionP99Ms)
		}
	}
	if res.IMAPIdleRSSMB != nil {
		fmt.Fprintf(w, "idle:     %8.1f MB peak RSS of serve with %d IMAP clients idling on the archive (%d posts); %d of them told of a new post within a second, %d at all (the last after %.0f ms)\n",
			*res.IMAPIdleRSSMB, res.IMAPIdleClients, res.ArchiveMessages, *res.IMAPIdleNotified, *res.IMAPIdleReached, *res.IMAPIdleSlowestMs)
	}
	if res.AnswersP99Ms != nil {
		fmt.Fprintf(w, "answers:  %8.1f ms p99 (the answers library's page, 16 clients)\n", *res.AnswersP99Ms)
	}
	if res.HealthMs != nil {
		fmt.Fprintf(w, "health:   %8.0f ms (the review of the whole archive, month by month)\n", *res.HealthMs)
	}
	if res.RelatedMs != nil {
		fmt.Fprintf(w, "related:  %8.1f ms p99 (related threads for one new question)\n", *res.RelatedMs)
	}
	if res.SummaryMs != nil {
		fmt.Fprintf(w, "summary:  %8.0f ms (one member's learning summary of the busiest week)\n", *res.SummaryMs)
	}
	if res.SummaryQuestionF1 != nil {
		fmt.Fprintf(w, "summary judgements on the weeks kept apart: question F1 %.2f, solved P %.2f R %.2f, answers %.2f, topic splits F1 %.2f, resources P %.2f R %.2f\n",
			*res.SummaryQuestionF1, *res.SummarySolvedPrecision, *res.SummarySolvedRecall, *res.SummaryAnswerAccuracy,
			*res.SummaryThreadSplitF1, *res.SummaryResourcePrecision, *res.SummaryResourceRecall)
	}
	fmt.Fprintf(w, "memory:   %8.1f MB peak RSS of the bench", res.PeakRSSMB)
	if res.FanoutPeakRSSMB > 0 {
		fmt.Fprintf(w, "; %.1f MB of serve fanning out to %d members", res.FanoutPeakRSSMB, res.FanoutRecipients)
	}
	if res.ImportPeakRSSMB != nil {
		fmt.Fprintf(w, "; %.1f MB of the import and searches (%d messages)", *res.ImportPeakRSSMB, res.ArchiveMessages)
	}
	fmt.Fprintln(w)
	if res.BigpostPeakRSSMB != nil {
		WriteBigpost(w, *res.BigpostPeakRSSMB)
	}
}

// WriteBigpost prints the big-post line.
func WriteBigpost(w io.Writer, peakMB float64) {
	fmt.Fprintf(w, "bigpost:  %8.1f MB peak RSS of serve taking %d posts of 25 MB at once (archived, %d copies each)\n", peakMB, BigpostCount, 1+len(bigpostMembers))
}

// WriteScaleText prints the scale curve as a table, one line a size.
func WriteScaleText(w io.Writer, sr *ScaleResult) {
	opt := func(v *float64, format string) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf(format, *v)
	}
	fmt.Fprintf(w, "%-8s %9s %10s %11s %11s %10s %11s %8s %8s %9s\n", "archive", "posts", "import/s", "search p99", "http p99", "summary", "import RSS", "index", "related", "health")
	for _, r := range sr.Archive {
		fmt.Fprintf(w, "%-8s %9d %10s %11s %11s %10s %11s %8s %8s %9s\n", fmt.Sprintf("%dx", r.Replay), r.ArchiveMessages,
			opt(r.IndexMsgsPerS, "%.0f"), opt(r.SearchP99Ms, "%.1f ms"), opt(r.HTTPSearchP99Ms, "%.1f ms"), opt(r.SummaryMs, "%.0f ms"),
			opt(r.ImportPeakRSSMB, "%.0f MB"), opt(r.IndexSizeRatio, "%.2fx"), opt(r.RelatedMs, "%.1f ms"), opt(r.HealthMs, "%.0f ms"))
	}
	for _, f := range sr.Fanout {
		fmt.Fprintf(w, "fan-out  %9d members: %.0f copies/s, serve's peak RSS %.0f MB\n", f.Members, f.RcptsPerS, f.PeakRSSMB)
	}
	if sr.Plot != "" {
		fmt.Fprintf(w, "plot: %s\n", sr.Plot)
	}
}
