package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"nasbot/store"
	"nasbot/templates"
)

// Actor is the audit log's name for the lifecycle jobs.
const Actor = "lifecycle"

// Job is one lifecycle job: what it reads and how it decides, inside its transaction.
type Job struct {
	Name   string
	Decide func(tx *store.Tx, now time.Time) ([]Action, error)
}

// Jobs are the lifecycle jobs, in the order Run runs them.
var Jobs = []Job{
	{Name: "leavers", Decide: func(tx *store.Tx, now time.Time) ([]Action, error) {
		accts, err := tx.LifecycleAccounts()
		return Leavers(accts, now), err
	}},
	{Name: "inactivity", Decide: func(tx *store.Tx, now time.Time) ([]Action, error) {
		accts, err := tx.LifecycleAccounts()
		return Inactivity(accts, now), err
	}},
	{Name: "dormant_mailboxes", Decide: func(tx *store.Tx, now time.Time) ([]Action, error) {
		mbs, err := tx.MailboxActivity(MailboxDormant)
		return DormantMailboxes(mbs, now), err
	}},
	// Last, so that it tells what the jobs before it did. A dry run changed nothing before it,
	// so it counts only notices an earlier run left untold.
	{Name: "notices", Decide: func(tx *store.Tx, now time.Time) ([]Action, error) {
		untold, err := tx.UntoldLifecycleNotices()
		return Notices(untold), err
	}},
}

// Store is what the runner needs of the store: one transaction per job.
type Store interface {
	InTx(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Mailer writes a mail to the outbox in the job's transaction, behind the outbox guards that
// hold a mail past the per-address cap; pipeline.Notifier is the bot's.
type Mailer interface {
	Notify(tx *store.Tx, to, template string, data templates.Message, now time.Time) (outboxID int64, err error)
}

// Result is what one job decided and what it changed.
type Result struct {
	Job string
	// Decided is every action the job decided on.
	Decided []Action
	// Applied is the actions that changed something; a decided action is left out when the
	// directory changed between the read and the write (e.g. a joiner request won), and every
	// one is left out in a dry run.
	Applied []Action
	DryRun  bool
	// Err is why the job failed; then nothing of it was changed.
	Err error
}

// Done is what the job did, or in a dry run what it would have done.
func (r Result) Done() []Action {
	if r.DryRun {
		return r.Decided
	}
	return r.Applied
}

// Count is how many of the actions are of kind k.
func Count(actions []Action, k Kind) int {
	n := 0
	for _, a := range actions {
		if a.Kind == k {
			n++
		}
	}
	return n
}

// Runner runs the jobs against the store.
type Runner struct {
	st   Store
	mail Mailer
	log  *slog.Logger
	// reviewEvery is how often each site is sent its access review; 0: never.
	reviewEvery time.Duration
	// digestCfg is where the daily digest goes; its To is "" when there is none.
	digestCfg DigestConfig
}

// WithDigest makes the runner mail NAS staff the daily digest.
func (r *Runner) WithDigest(cfg DigestConfig) *Runner {
	r.digestCfg = cfg
	return r
}

// WithAccessReviews makes the runner send each active site its list of accounts every so
// often (DefaultAccessReviewEvery); 0 turns the reviews off.
func (r *Runner) WithAccessReviews(every time.Duration) *Runner {
	r.reviewEvery = every
	return r
}

// jobs are the jobs this runner runs: Jobs, then the access reviews and the digest when they
// are on.
func (r *Runner) jobs() []Job {
	jobs := Jobs[:len(Jobs):len(Jobs)]
	if every := r.reviewEvery; every > 0 {
		jobs = append(jobs, Job{Name: "access_reviews", Decide: func(tx *store.Tx, now time.Time) ([]Action, error) {
			sites, err := tx.ReviewSites()
			return AccessReviews(sites, now, every), err
		}})
	}
	if r.digestCfg.To != "" {
		jobs = append(jobs, DigestJob(r.digestCfg))
	}
	return jobs
}

// NewRunner returns a runner; mail writes the sites' notices, and log may be nil.
func NewRunner(st Store, mail Mailer, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{st: st, mail: mail, log: log.With(slog.String("component", "lifecycle"))}
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("lifecycle: dry run")

// Run runs every job once at now, each in its own transaction: a failing job is rolled back and
// the others still run. dryRun decides and reports but changes nothing.
func (r *Runner) Run(ctx context.Context, now time.Time, dryRun bool) ([]Result, error) {
	var results []Result
	var errs []error
	for _, job := range r.jobs() {
		res, err := r.RunJob(ctx, job, now, dryRun)
		results = append(results, res)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return results, errors.Join(errs...)
}

// RunJob runs one job in one transaction.
func (r *Runner) RunJob(ctx context.Context, job Job, now time.Time, dryRun bool) (Result, error) {
	now = now.UTC()
	res := Result{Job: job.Name, DryRun: dryRun}
	err := r.st.InTx(ctx, func(tx *store.Tx) error {
		res.Applied = nil
		if err := tx.LockLifecycleJob(job.Name); err != nil {
			return err
		}
		decided, err := job.Decide(tx, now)
		if err != nil {
			return err
		}
		res.Decided = decided
		if dryRun {
			return errDryRun
		}
		for _, a := range decided {
			changed, err := r.apply(tx, a, now)
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
			if err := remember(tx, a, now); err != nil {
				return err
			}
			action := strings.ReplaceAll(string(a.Kind), "_", " ")
			if a.Reason != "" {
				action += " " + string(a.Reason)
			}
			if err := tx.Audit(Actor, action, auditSubject(a), a.Detail, now); err != nil {
				return err
			}
			res.Applied = append(res.Applied, a)
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		res.Applied, res.Err = nil, err
		r.log.Error("lifecycle job failed; nothing of it was changed", slog.String("job", job.Name),
			slog.String("error", err.Error()))
		return res, fmt.Errorf("lifecycle: %s: %w", job.Name, err)
	}
	attrs := []any{slog.String("job", job.Name), slog.Bool("dry_run", dryRun),
		slog.Int("decided", len(res.Decided)), slog.Int("applied", len(res.Applied))}
	for _, k := range Kinds {
		if n := Count(res.Done(), k); n > 0 {
			attrs = append(attrs, slog.Int(string(k), n))
		}
	}
	r.log.Info("lifecycle job done", attrs...)
	return res, nil
}

// apply makes one action's change; changed is false when the account or site no longer is as
// decided (the guard in the store's write did not match).
func (r *Runner) apply(tx *store.Tx, a Action, now time.Time) (changed bool, err error) {
	switch a.Kind {
	case DeleteAccount:
		return tx.DeleteAccount(a.Address, a.Status, now)
	case ScheduleDeletion:
		return tx.ScheduleDeletion(a.Address, a.DeleteAfter)
	case MarkInactive:
		return tx.MarkInactive(a.Address, a.Status, now, a.DeleteAfter)
	case Reactivate:
		return tx.Reactivate(a.Address)
	case Report:
		_, err := tx.ReportMailbox(a.ODS, a.Reason, a.Detail, now)
		return err == nil, err
	case Notify:
		err := r.notify(tx, a, now)
		return err == nil, err
	case AccessReview:
		err := r.review(tx, a, now)
		return err == nil, err
	case Digest:
		err := r.digest(tx, a, now)
		return err == nil, err
	}
	return false, fmt.Errorf("lifecycle: unknown action %q", a.Kind)
}

// auditSubject names the subject as the staff desk's history pages look it up.
func auditSubject(a Action) string {
	switch {
	case a.Address != "":
		return "account " + a.Address
	case a.Kind == Digest:
		return "digest " + a.Mailbox
	}
	return "site " + a.ODS
}
