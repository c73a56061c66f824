package mailer

import (
	"context"
	"time"

	"github.com/sethvargo/go-retry"
)

// Reconnect delays: 1 s doubling to 2 min, ±20 % jitter so that replicas restarted together do
// not hammer the server in step.
const (
	backoffBase = time.Second
	backoffMax  = 2 * time.Minute
)

// newBackoff returns a fresh exponential back-off between base and max (jitter included).
func newBackoff(base, max time.Duration) retry.Backoff {
	// Cap before the jitter at 5/6 of max so that +20 % never passes max.
	return retry.WithJitterPercent(20, retry.WithCappedDuration(max*5/6, retry.NewExponential(base)))
}

// sleep waits for d or until ctx is done; it reports whether the whole delay passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
