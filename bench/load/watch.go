package main

import (
	"bufio"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// watcher finds the replies in the shared mailboxes' maildirs on disk, where Dovecot's LMTP
// (fed by Exim) puts them: <mail root>/<address>/Maildir/new/. Reading the disk costs the
// machine far less than an IMAP STATUS per mailbox, and it is exact: a reply counts once Dovecot
// has renamed it into new/ (the moment an IMAP client could see it), and the file's mtime, set
// by the write just before that rename, is its delivery time, so the polling period adds nothing
// to the latencies measured. Nobody opens these mailboxes during the run, so files stay in new/.
type watcher struct {
	dirs    []string             // the new/ folder of every shared mailbox
	dirMod  map[string]time.Time // mtime of each folder when last listed
	seen    map[string]bool      // files already looked at (including earlier runs' mail)
	replyTo map[string]int       // request Message-ID → request index
	floorID string               // prefix of the floor's Message-IDs
	replies map[int]delivery     // request index → its first reply
	extra   int                  // replies beyond the first to one request
	floor   []time.Time          // delivery times of the floor's mails
	ours    []string             // files of this run: replies and the floor's mails
	sink    *sink                // -smtp sink: replies are taken from it, not from disk
}

type delivery struct {
	at   time.Time
	size int64
	path string
}

func newWatcher(mailRoot string, mailboxes []string, floorID string) *watcher {
	w := &watcher{dirMod: map[string]time.Time{}, seen: map[string]bool{}, replyTo: map[string]int{},
		floorID: floorID, replies: map[int]delivery{}}
	for _, m := range mailboxes {
		w.dirs = append(w.dirs, filepath.Join(mailRoot, m, "Maildir", "new"))
	}
	// What is there now came before this run.
	for _, d := range w.dirs {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			w.seen[filepath.Join(d, e.Name())] = true
		}
	}
	return w
}

// expect registers request i's Message-ID, so that a reply to it is recognised.
func (w *watcher) expect(messageID string, i int) { w.replyTo[messageID] = i }

// poll lists the folders that changed since the last poll and classifies each new file by its
// In-Reply-To (a reply to one of our requests) or Message-ID (one of the floor's mails).
func (w *watcher) poll() {
	if w.sink != nil {
		for _, a := range w.sink.take() {
			w.classify(a.inReplyTo, a.messageID, delivery{at: a.at, size: a.size})
		}
		return
	}
	for _, d := range w.dirs {
		st, err := os.Stat(d)
		if err != nil {
			continue // no mail delivered to this mailbox yet
		}
		// Folder mtimes are only as fine as the kernel's clock tick, so a folder whose mtime is
		// recent is listed again even when it looks unchanged.
		if mod := st.ModTime(); mod.Equal(w.dirMod[d]) && time.Since(mod) > time.Second {
			continue
		} else {
			w.dirMod[d] = mod
		}
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			path := filepath.Join(d, e.Name())
			if w.seen[path] {
				continue
			}
			w.seen[path] = true
			info, err := e.Info()
			if err != nil {
				continue
			}
			inReplyTo, id := headers(path)
			if w.classify(inReplyTo, id, delivery{at: info.ModTime(), size: info.Size(), path: path}) {
				w.ours = append(w.ours, path)
			}
		}
	}
}

// classify records a delivered mail as a reply to one of our requests (by its In-Reply-To) or
// as one of the floor's mails (by its Message-ID), and reports whether it was either.
func (w *watcher) classify(inReplyTo, messageID string, got delivery) bool {
	switch i, ok := w.replyTo[inReplyTo]; {
	case ok:
		if _, dup := w.replies[i]; dup {
			w.extra++
		} else {
			w.replies[i] = got
		}
		return true
	case strings.HasPrefix(messageID, w.floorID):
		w.floor = append(w.floor, got.at)
		return true
	}
	return false
}

// removeOurs deletes this run's replies and floor mails from the shared mailboxes. Dovecot
// notices the files are gone the next time the mailbox is opened.
func (w *watcher) removeOurs() {
	w.poll()
	for _, p := range w.ours {
		os.Remove(p)
	}
}

// headers returns a mail file's In-Reply-To and Message-ID ("" when unreadable).
func headers(path string) (inReplyTo, messageID string) {
	f, err := os.Open(path)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	m, err := mail.ReadMessage(bufio.NewReader(io.LimitReader(f, 64<<10)))
	if err != nil {
		return "", ""
	}
	return strings.TrimSpace(m.Header.Get("In-Reply-To")), strings.TrimSpace(m.Header.Get("Message-Id"))
}

// countReplies counts the replies to requests from..to-1.
func (w *watcher) countReplies(from, to int) int {
	n := 0
	for i := range w.replies {
		if i >= from && i < to {
			n++
		}
	}
	return n
}

// procStatus reads a field of /proc/PID/status in kB ("VmRSS", "VmHWM"); 0 when unreadable.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// procCPU is the user+system CPU time of a process so far (from /proc/PID/stat).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest) // f[0] is field 3 (state); utime and stime are fields 14 and 15
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / 100 // USER_HZ is 100 on Linux
}

// cpuBusy returns the machine's busy and total CPU time so far (the "cpu" line of /proc/stat),
// in clock ticks; two readings give the share of the machine in use between them.
func cpuBusy() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// dbBackendCPU is the CPU time so far of the PostgreSQL backends connected to database db (their
// process titles read "postgres: USER DB HOST(PORT) STATE"). Backends that already exited are not
// counted: the bot keeps its connections, so that is a few at most.
func dbBackendCPU(db string) time.Duration {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var total time.Duration
	for _, d := range dirs {
		cl, err := os.ReadFile(d + "/cmdline")
		if err != nil || !strings.HasPrefix(string(cl), "postgres: ") {
			continue
		}
		if f := strings.Fields(string(cl)); len(f) < 3 || f[2] != db {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(d))
		if err == nil {
			total += procCPU(pid)
		}
	}
	return total
}
