package web

import "time"

// workingAge is how much of the time between from and to fell on a weekday (Monday to Friday)
// in loc, so that a case that came in on Friday afternoon is not overdue on Monday morning.
// Bank holidays count as working days.
func workingAge(from, to time.Time, loc *time.Location) time.Duration {
	if !to.After(from) {
		return 0
	}
	if to.Sub(from) > 366*24*time.Hour {
		return to.Sub(from) * 5 / 7 // long enough that the weekday share is what matters
	}
	from, to = from.In(loc), to.In(loc)
	var total time.Duration
	y, m, d := from.Date()
	for day := time.Date(y, m, d, 0, 0, 0, 0, loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		lo, hi := day, day.AddDate(0, 0, 1)
		if from.After(lo) {
			lo = from
		}
		if to.Before(hi) {
			hi = to
		}
		if hi.After(lo) {
			total += hi.Sub(lo)
		}
	}
	return total
}

// overdue reports whether a case created at since has waited past the target in working time.
func (s *server) overdue(since time.Time) bool {
	return workingAge(since, s.cfg.Now(), s.cfg.Location) > s.cfg.AgeTarget
}
