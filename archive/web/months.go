package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"praxis/listserv/store"
)

// threadsPerMonth bounds a month's page: more threads than a busy list
// starts in a month.
const threadsPerMonth = 1000

// yearMonths is one year of the archive's index: its months that have
// threads.
type yearMonths struct {
	Year   string
	Path   string
	Months []monthLink
}

type monthLink struct {
	store.MonthCount
	Name string // "April"
	Path string
}

// monthIndex groups a list's months by year, newest year first.
func monthIndex(l *store.List, months []store.MonthCount) []yearMonths {
	var out []yearMonths
	for i := len(months) - 1; i >= 0; i-- {
		m := months[i]
		y, mm, _ := strings.Cut(m.Month, "-")
		if len(out) == 0 || out[len(out)-1].Year != y {
			out = append(out, yearMonths{Year: y, Path: listPath(l.Address) + y + "/"})
		}
		n, _ := strconv.Atoi(mm)
		ym := &out[len(out)-1]
		ym.Months = append([]monthLink{{MonthCount: m, Name: time.Month(n).String(), Path: ym.Path + mm + "/"}}, ym.Months...)
	}
	return out
}

// monthOf reads /YYYY/ and /YYYY/MM/ of a request: a year of four digits
// and a month 01 to 12 (0 for a year's page).
func monthOf(r *http.Request) (year, month int, ok bool) {
	ys, ms := r.PathValue("year"), r.PathValue("month")
	if len(ys) != 4 {
		return 0, 0, false
	}
	year, err := strconv.Atoi(ys)
	if err != nil || year < 1970 {
		return 0, 0, false
	}
	if ms == "" {
		return year, 0, true
	}
	if len(ms) != 2 {
		return 0, 0, false
	}
	month, err = strconv.Atoi(ms)
	if err != nil || month < 1 || month > 12 {
		return 0, 0, false
	}
	return year, month, true
}

// monthPage is /l/LIST/YYYY/MM/, the threads started in a month, and
// /l/LIST/YYYY/, a year's months; both beside the index of every year.
func (s *Server) monthPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	year, month, ok := monthOf(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	months, err := s.st.ArchiveMonths(r.Context(), l.ID)
	if err != nil {
		s.fail(w, r, "months", err)
		return
	}
	index := monthIndex(l, months)
	data := map[string]any{"List": l, "Index": index, "Year": strconv.Itoa(year)}
	if month == 0 {
		data["Title"] = fmt.Sprintf("%d · %s", year, l.Name)
		for _, y := range index {
			if y.Year == strconv.Itoa(year) {
				data["Months"] = y.Months
			}
		}
		s.page(w, r, http.StatusOK, "months.html", data)
		return
	}
	since := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	ts, err := s.st.ArchiveThreadsStarted(r.Context(), l.ID, since, since.AddDate(0, 1, 0), threadsPerMonth)
	if err != nil {
		s.fail(w, r, "month", err)
		return
	}
	rows, err := s.threadRows(r, l, ts)
	if err != nil {
		s.fail(w, r, "month", err)
		return
	}
	key := since.Format("2006-01")
	for i, m := range months {
		if m.Month < key {
			data["PrevMonth"] = monthPath(l, months[i].Month)
		}
		if m.Month > key {
			data["NextMonth"] = monthPath(l, m.Month)
			break
		}
	}
	data["Title"] = since.Format("January 2006") + " · " + l.Name
	data["Month"] = since.Format("January 2006")
	data["Threads"] = rows
	data["Full"] = len(ts) == threadsPerMonth
	s.page(w, r, http.StatusOK, "months.html", data)
}

func monthPath(l *store.List, month string) string {
	return listPath(l.Address) + strings.Replace(month, "-", "/", 1) + "/"
}
