package pipeline_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"nasbot/internal/testenv"
	"nasbot/pipeline"
)

// BenchmarkDecide stores and decides one genuine request per iteration, the whole pipeline
// and its transaction, on SQLite and on PostgreSQL — with the store's one-round-trip queries,
// and with lib/pq's default of preparing each query first, to show what that choice buys.
func BenchmarkDecide(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres", "postgres-prepare-first"} {
		b.Run(backend, func(b *testing.B) {
			var url string
			switch backend {
			case "sqlite":
				url = filepath.Join(b.TempDir(), "nasbot.db")
			case "postgres":
				url = testenv.Postgres(b)
			default:
				url = testenv.Postgres(b) + "&binary_parameters=no"
			}
			f := newFixtureAt(b, url, pipeline.Config{RepliesPerMinute: 1 << 30, RepliesPerHour: 1 << 30})
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				res := f.deliver(mail(mailOpts{from: "care.vn4417@nhs.net", subject: "new", id: fmt.Sprintf("b%d@nhs.net", i), trusted: true,
					body: fmt.Sprintf("Request: Leaver\nAccount: irene.doyle@nhs.net\nODS code: VN4417\n\nRef %d\n", i)}))
				if len(res.Requests) != 1 {
					b.Fatalf("result: %+v", res)
				}
			}
		})
	}
}
