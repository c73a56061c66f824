package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// With -profile the bot is built from cmd/nasbot's own files plus one more that serves
// net/http/pprof on BENCH_PPROF_ADDR (on the default mux, which the bot does not use), so its
// code is profiled unchanged and cmd/nasbot needs no profiling switch. The copy lives in a
// folder whose name starts with "_", which `go build ./...`, `go vet ./...` and `go test ./...`
// skip, and is removed once built.

const pprofHook = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("BENCH_PPROF_ADDR"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
`

// buildProfiled builds the profiling variant of the bot, from the repository root, into out. The
// copy goes under root/out, so that it builds in the main module (not in bench's, when -out is
// under bench/).
func buildProfiled(root, out string) (string, error) {
	src := filepath.Join(root, "out", "_profsrc")
	os.RemoveAll(src)
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	defer os.RemoveAll(src)
	files, err := filepath.Glob(filepath.Join(root, "cmd", "nasbot", "*.go"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("no cmd/nasbot/*.go in %s: %v", root, err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(src, filepath.Base(f)), b, 0o644); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(src, "zz_bench_pprof.go"), []byte(pprofHook), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(out, "nasbot-pprof")
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	build := exec.Command("go", "build", "-o", bin, abs)
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build (profiled): %v\n%s", err, b)
	}
	return bin, nil
}

// fetchProfile saves what a pprof endpoint of the bot (path, e.g. /debug/pprof/trace?seconds=5)
// answers into out/file, and reports failures on stderr: a missing profile never fails a run.
func fetchProfile(addr, path, out, file string) {
	c := http.Client{Timeout: 2 * time.Minute}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		step("profile %s: %v", path, err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		step("profile %s: %s: %s", path, resp.Status, strings.TrimSpace(string(msg)))
		return
	}
	f, err := os.Create(filepath.Join(out, file))
	if err != nil {
		step("profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		step("profile %s: %v", path, err)
		return
	}
	step("profile written: %s", f.Name())
}

// profiler takes profiles of the running bot in the background; wait returns when all are in.
type profiler struct {
	addr, out string
	wg        sync.WaitGroup
	tracing   sync.Mutex // one execution trace at a time: the runtime refuses a second
}

// take fetches a profile after a delay, in the background.
func (p *profiler) take(after time.Duration, path, file string) {
	if p == nil {
		return
	}
	p.wg.Go(func() {
		time.Sleep(after)
		if strings.Contains(path, "/trace") {
			p.tracing.Lock() // a short drain's trace may still run when the steady one is due
			defer p.tracing.Unlock()
		}
		fetchProfile(p.addr, path, p.out, file)
	})
}

func (p *profiler) wait() {
	if p != nil {
		p.wg.Wait()
	}
}
