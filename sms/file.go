package sms

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// File is a DEMO-ONLY sender: it appends one line per text to a file, PASSWORD IN CLEAR, so that
// `nasbot demo` shows what would have been texted without a text provider.
//
// NEVER USE IT IN PRODUCTION: the file would hold every temporary password sent, which the rules
// forbid (a password goes by text and nowhere else). NewFile refuses to start when told the
// deployment is production, and the file is created readable by its owner only.
type File struct {
	mu    sync.Mutex
	path  string
	clock func() time.Time
}

// ErrFileInProduction is NewFile's refusal in production.
var ErrFileInProduction = errors.New("sms: the file sender writes passwords in clear and is for the demo only: " +
	"it cannot run in production (use notify)")

// NewFile returns the demo sender appending to path. production must be the deployment's own
// say (NASBOT_ENVIRONMENT); when true, NewFile refuses.
func NewFile(path string, production bool) (*File, error) {
	if production {
		return nil, ErrFileInProduction
	}
	if path == "" {
		return nil, errors.New("sms: file sender: no file named")
	}
	return &File{path: path, clock: time.Now}, nil
}

// Send appends "<time> to=<mobile> name=<name> password=<password>" to the file.
func (f *File) Send(ctx context.Context, mobile, name, password string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sms: file sender: %w", err)
	}
	line := fmt.Sprintf("%s to=%s name=%s password=%s DEMO ONLY\n",
		f.clock().UTC().Format(time.RFC3339), mobile, strconv.Quote(name), password)
	if _, err := fh.WriteString(line); err != nil {
		fh.Close()
		return fmt.Errorf("sms: file sender: write %s failed", f.path)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("sms: file sender: close %s failed", f.path)
	}
	return nil
}
