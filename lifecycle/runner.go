package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"nasbot/domain"
	"nasbot/store"
	"nasbot/templates"
)

// Actor is the audit log's name for the lifecycle jobs.
const Actor = "lifecycle"

// Job is one lifecycle job: what it reads and how it decides, inside its transaction.
type Job struct {
	Name   string
	Decide func(tx *store.Tx, now time.Time) ([]domain.Effect, error)
}

// Jobs are the lifecycle jobs, in the order Run runs them.
var Jobs = []Job{
	{Name: "leavers", Decide: func(tx *store.Tx, now time.Time) ([]domain.Effect, error) {
		accts, err := tx.LifecycleAccounts()
		return Leavers(accts, now), err
	}},
	{Name: "inactivity", Decide: func(tx *store.Tx, now time.Time) ([]domain.Effect, error) {
		accts, err := tx.LifecycleAccounts()
		return Inactivity(accts, now), err
	}},
	{Name: "dormant_mailboxes", Decide: func(tx *store.Tx, now time.Time) ([]domain.Effect, error) {
		mbs, err := tx.MailboxActivity(MailboxDormant)
		return DormantMailboxes(mbs, now), err
	}},
	// Last, so that it tells what the jobs before it did. A dry run changed nothing before it,
	// so it counts only notices an earlier run left untold.
	{Name: "notices", Decide: func(tx *store.Tx, now time.Time) ([]domain.Effect, error) {
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
	// Decided is every effect the job decided on.
	Decided []domain.Effect
	// Applied is the effects that changed something; a decided effect is left out when the
	// directory changed between the read and the write (e.g. a joiner request won), and every
	// one is left out in a dry run.
	Applied []domain.Effect
	DryRun  bool
	// Err is why the job failed; then nothing of it was changed.
	Err error
}

// Done is what the job did, or in a dry run what it would have done.
func (r Result) Done() []domain.Effect {
	if r.DryRun {
		return r.Decided
	}
	return r.Applied
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
		jobs = append(jobs, Job{Name: "access_reviews", Decide: func(tx *store.Tx, now time.Time) ([]domain.Effect, error) {
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
		for _, e := range decided {
			changed, err := r.apply(tx, e, now)
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
			s := Summarize(e)
			action := strings.ReplaceAll(s.Name, "_", " ")
			if s.Reason != "" {
				action += " " + string(s.Reason)
			}
			if err := tx.Audit(Actor, action, auditSubject(e), s.Detail, now); err != nil {
				return err
			}
			res.Applied = append(res.Applied, e)
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
			attrs = append(attrs, slog.Int(Summarize(k).Name, n))
		}
	}
	r.log.Info("lifecycle job done", attrs...)
	return res, nil
}

// apply makes one effect: the mails here, every other change in the store (store.Tx.Change), which
// says changed is false when the account no longer is as decided (its write's guard did not match).
func (r *Runner) apply(tx *store.Tx, e domain.Effect, now time.Time) (changed bool, err error) {
	switch e := e.(type) {
	case domain.NotifySite:
		err = r.notify(tx, e, now)
	case domain.SendAccessReview:
		err = r.review(tx, e, now)
	case domain.SendDigest:
		err = r.digest(tx, e, now)
	default:
		return tx.Change(e, now)
	}
	return err == nil, err
}

// auditSubject names the subject as the staff desk's history pages look it up.
func auditSubject(e domain.Effect) string {
	s := Summarize(e)
	if d, ok := e.(domain.SendDigest); ok {
		return "digest " + d.To
	}
	if s.Address != "" {
		return "account " + s.Address
	}
	return "site " + s.ODS
}
