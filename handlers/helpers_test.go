package handlers_test

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"nasbot/domain"
	"nasbot/handlers"
	"nasbot/handlers/handlerstest"
)

// now is the corpus clock (--now 2026-03-02T09:00:00Z).
var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fixture loads testdata/fixture: sites and people of our own, unlike the corpus's.
//
//	FA111 pharmacy  Oak Tree Pharmacy, Derby   sole owner jane.smith; tom.baker, jose.garcia members;
//	                                           rita.oneill inactive; paul.hale leaver
//	FB222 pharmacy  Kingsway Chemist, Ripon    9 active + 1 inactive (full) + 1 leaver
//	FC333 pharmacy  Harbour Pharmacy, Whitby   8 active + 1 inactive + 3 leavers (one place left)
//	FN999 pharmacy  known code, no mailbox yet
//	FX404 pharmacy  mailbox closed; ivan.petrov unlinked
//	G9911 dac       owner wendy.cho; raj.mehta; mark.dunn leaver
//	D4455 dental    owner ellen.frost; nia.evans (alias mary.jones); dev.patel unlinked
//	C7788 care      two owners ann.wood, bob.wood; kim.lowe
//	OP123 optometry owner otto.berg; lena.fox
func fixture(tb testing.TB) *handlerstest.Directory {
	tb.Helper()
	return load(tb, "testdata/fixture")
}

// corpusDirectory loads a copy of the corpus's directory (corpus/directory/*.csv).
func corpusDirectory(tb testing.TB) *handlerstest.Directory {
	tb.Helper()
	return load(tb, "../testdata/corpus/directory")
}

func load(tb testing.TB, dir string) *handlerstest.Directory {
	tb.Helper()
	d, err := handlerstest.Load(dir)
	if err != nil {
		tb.Fatalf("load %s: %v", dir, err)
	}
	return d
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// by is a Requested by line.
func by(address string) *domain.Person { return &domain.Person{Name: "Someone", Address: address} }

// want is what a decision must be. Effects are compared only when checkEffects is set (a nil
// effects list then means none).
type want struct {
	outcome      domain.Outcome
	reasons      []domain.Reason
	account      string
	effects      []domain.Effect
	checkEffects bool
	summaryHas   []string
	// field is the field a missing_field or invalid_field decision must name.
	field string
}

// decide runs Decide for mail from the address and, when the decision is done, applies its
// effects to the directory, as the pipeline does between the requests of one email.
func decide(t *testing.T, dir *handlerstest.Directory, from string, req domain.Request) domain.Decision {
	t.Helper()
	got, err := handlers.Decide(dir.Context(from, now), req, dir)
	if err != nil {
		t.Fatalf("Decide(%s %s): %v", req.Type, req.Account, err)
	}
	if got.Outcome == domain.Done {
		if err := dir.Apply(got.Effects...); err != nil {
			t.Fatalf("apply %s: %v", req.Type, err)
		}
	}
	return got
}

// deskDecide is decide for a staff decision on the desk, approving past the rules given.
func deskDecide(t *testing.T, dir *handlerstest.Directory, from string, req domain.Request, approved []domain.Reason) domain.Decision {
	t.Helper()
	ctx := dir.Context(from, now)
	ctx.Desk, ctx.Approved = true, approved
	got, err := handlers.Decide(ctx, req, dir)
	if err != nil {
		t.Fatalf("Decide(%s %s): %v", req.Type, req.Account, err)
	}
	if got.Outcome == domain.Done {
		if err := dir.Apply(got.Effects...); err != nil {
			t.Fatalf("apply %s: %v", req.Type, err)
		}
	}
	return got
}

var (
	reasonCode = regexp.MustCompile(`\b[a-z]+(_[a-z]+)+\b`)
	// A long run of digits is an unmasked mobile, unless it follows a dash: a social care
	// provider's ODS code (1-2000000001).
	longNumber  = regexp.MustCompile(`(^|[^\d-])\d{6,}`)
	allOutcomes = []domain.Outcome{domain.Done, domain.Rejected, domain.Review}
)

// check compares a decision with what is wanted and checks what every decision must be: reasons
// never nil, no effects unless done, a plain summary with no reason codes and no mobile number.
func check(t *testing.T, got domain.Decision, w want) {
	t.Helper()
	if got.Outcome != w.outcome {
		t.Errorf("outcome = %q, want %q (reasons %v; %s)", got.Outcome, w.outcome, got.Reasons, got.Summary)
	}
	if got.Reasons == nil {
		t.Errorf("reasons is nil, want a slice")
	}
	wantReasons := w.reasons
	if wantReasons == nil {
		wantReasons = []domain.Reason{}
	}
	if !slices.Equal(got.Reasons, wantReasons) {
		t.Errorf("reasons = %v, want %v (%s)", got.Reasons, wantReasons, got.Summary)
	}
	if !strings.EqualFold(got.Account, w.account) {
		t.Errorf("account = %q, want %q", got.Account, w.account)
	}
	// Every missing_field and invalid_field names its field (docs/spec/requests.md "Readings decided").
	namesField := slices.Contains(got.Reasons, domain.MissingField) || slices.Contains(got.Reasons, domain.InvalidField)
	if (namesField || w.field != "") && got.Field != w.field {
		t.Errorf("field = %q, want %q", got.Field, w.field)
	}
	if namesField && got.Field == "" {
		t.Errorf("%v names no field", got.Reasons)
	}
	if w.checkEffects && !reflect.DeepEqual(got.Effects, w.effects) {
		t.Errorf("effects = %#v\nwant %#v", got.Effects, w.effects)
	}
	if got.Outcome != domain.Done && len(got.Effects) > 0 {
		t.Errorf("%s decision carries effects %#v", got.Outcome, got.Effects)
	}
	if !slices.Contains(allOutcomes, got.Outcome) {
		t.Errorf("outcome %q is not an outcome", got.Outcome)
	}
	checkSummary(t, got.Summary)
	for _, s := range w.summaryHas {
		if !strings.Contains(got.Summary, s) {
			t.Errorf("summary %q does not mention %q", got.Summary, s)
		}
	}
}

func checkSummary(t *testing.T, summary string) {
	t.Helper()
	if strings.TrimSpace(summary) == "" {
		t.Errorf("summary is empty")
	}
	// Addresses hold dots and @, not underscores, so an underscored word is a reason code.
	if code := reasonCode.FindString(summary); code != "" {
		t.Errorf("summary shows the code %q: %s", code, summary)
	}
	if n := longNumber.FindString(summary); n != "" {
		t.Errorf("summary shows the number %q unmasked: %s", n, summary)
	}
}

// reasons is shorthand for a reason list.
func reasons(rs ...domain.Reason) []domain.Reason { return rs }

// effects is shorthand for a wanted effect list (nil when none).
func effects(es ...domain.Effect) []domain.Effect { return es }
