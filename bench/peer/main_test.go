package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestTreeCPU counts the CPU of a process group's members, and of members that already exited
// (through their parent's reaped-children time), as rt-server's workers are counted.
func TestTreeCPU(t *testing.T) {
	// A shell that leads its group, burns CPU in a child that exits, then waits to be read.
	cmd := exec.Command("sh", "-c", `sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'; sleep 5`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(4 * time.Second)
	var got time.Duration
	for time.Now().Before(deadline) {
		if got = treeCPU(cmd.Process.Pid); got >= 100*time.Millisecond {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got < 100*time.Millisecond {
		t.Errorf("treeCPU = %v, want the exited child's CPU (≥ 100 ms)", got)
	}
	if other := treeCPU(os.Getpid() + 1_000_000); other != 0 {
		t.Errorf("treeCPU of no group = %v, want 0", other)
	}
}

// TestMessageID reads the Message-ID the tickets are counted by, folded or not.
func TestMessageID(t *testing.T) {
	for name, tc := range map[string]struct{ mail, want string }{
		"plain":  {"From: a@nhs.net\r\nMessage-ID: <abc@x.test>\r\n\r\nbody\r\n", "<abc@x.test>"},
		"folded": {"Message-ID:\r\n <def@x.test>\r\nSubject: s\r\n\r\nbody\r\n", "<def@x.test>"},
		"none":   {"Subject: s\r\n\r\nbody\r\n", ""},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.eml")
			if err := os.WriteFile(path, []byte(tc.mail), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := messageID(path)
			if got != tc.want || (tc.want == "") != (err != nil) {
				t.Errorf("messageID = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
