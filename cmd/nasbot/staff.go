package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"nasbot/store"
	"nasbot/web"
)

const staffUsage = `usage:
  nasbot staff add EMAIL --role reviewer|admin [--name NAME] [--sso-only]
                                 password from standard input, or asked for (twice) on a terminal
  nasbot staff list
  nasbot staff disable|enable EMAIL
`

// cmdStaff manages who may sign in to the staff desk.
func cmdStaff(args []string, stdout, stderr io.Writer) int {
	return staffCommand(args, os.Stdin, stdout, stderr)
}

func staffCommand(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, staffUsage)
		return exitBadArgs
	}
	switch args[0] {
	case "add":
		return staffAdd(args[1:], stdin, stdout, stderr)
	case "list":
		return staffList(stdout, stderr)
	case "disable", "enable":
		if len(args) != 2 {
			fmt.Fprint(stderr, staffUsage)
			return exitBadArgs
		}
		return staffSetStatus(args[0], args[1], stdout, stderr)
	}
	fmt.Fprint(stderr, staffUsage)
	return exitBadArgs
}

func staffAdd(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("staff add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "", "reviewer or admin")
	name := fs.String("name", "", "the staff member's name")
	ssoOnly := fs.Bool("sso-only", false, "no password: sign in by OpenID Connect only")
	email, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return exitBadArgs
	}
	if email == "" && fs.NArg() == 1 {
		email = fs.Arg(0)
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if !strings.Contains(email, "@") || (*role != store.StaffReviewer && *role != store.StaffAdmin) {
		fmt.Fprint(stderr, staffUsage)
		return exitBadArgs
	}
	var hash string
	if !*ssoOnly {
		password, err := readNewPassword(stdin, stderr, email)
		if err != nil {
			fmt.Fprintln(stderr, "nasbot staff add:", err)
			return exitBadArgs
		}
		if hash, err = web.HashPassword(password); err != nil {
			fmt.Fprintln(stderr, "nasbot staff add:", err)
			return exitBadArgs
		}
	}
	st, _, ok := configuredStore("staff", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Now()
	created, err := st.PutStaff(ctx, store.Staff{Email: email, Name: *name, Role: *role, PasswordHash: hash}, now)
	if err == nil {
		action := "staff updated"
		if created {
			action = "staff added"
		}
		err = st.InTx(ctx, func(tx *store.Tx) error {
			return tx.Audit("nasbot staff (command line)", action, "staff "+email, "role "+*role, now)
		})
	}
	if err != nil {
		fmt.Fprintln(stderr, "nasbot staff add:", err)
		return exitFailed
	}
	if created {
		fmt.Fprintf(stdout, "%s added as %s\n", email, *role)
	} else {
		fmt.Fprintf(stdout, "%s updated: %s\n", email, *role)
	}
	return exitOK
}

// splitPositional takes a leading non-flag argument (EMAIL) off, so that it may come before
// the flags as the usage shows.
func splitPositional(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// readNewPassword asks twice, without echo, on a terminal; otherwise it reads the first line
// of standard input (for scripts: printf '%s\n' "$PW" | nasbot staff add …).
func readNewPassword(stdin *os.File, stderr io.Writer, email string) (string, error) {
	fd := int(stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		password := strings.TrimRight(line, "\r\n")
		if password == "" {
			return "", errors.New("no password on standard input (or use --sso-only)")
		}
		return password, nil
	}
	var typed [2]string
	for i, prompt := range []string{fmt.Sprintf("Password for %s (at least %d characters): ", email, web.MinPasswordLength), "Again: "} {
		fmt.Fprint(stderr, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		typed[i] = string(b)
	}
	if typed[0] != typed[1] {
		return "", errors.New("the two passwords differ")
	}
	return typed[0], nil
}

func staffList(stdout, stderr io.Writer) int {
	st, _, ok := configuredStore("staff", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	list, err := st.StaffList(context.Background())
	if err != nil {
		fmt.Fprintln(stderr, "nasbot staff list:", err)
		return exitFailed
	}
	for _, s := range list {
		signIn := "password"
		if s.PasswordHash == "" {
			signIn = "sso-only"
		}
		last := "never"
		if s.LastLoginAt != nil {
			last = s.LastLoginAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%-40s %-8s %-8s %-9s last sign-in %s\n", s.Email, s.Role, s.Status, signIn, last)
	}
	return exitOK
}

func staffSetStatus(verb, email string, stdout, stderr io.Writer) int {
	status := store.StaffActive
	if verb == "disable" {
		status = store.StaffDisabled
	}
	st, _, ok := configuredStore("staff", stderr)
	if !ok {
		return exitFailed
	}
	defer st.Close()
	ctx := context.Background()
	err := st.SetStaffStatus(ctx, email, status)
	if err == nil {
		err = st.InTx(ctx, func(tx *store.Tx) error {
			return tx.Audit("nasbot staff (command line)", "staff "+status, "staff "+strings.ToLower(email), "", time.Now())
		})
	}
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(stderr, "nasbot staff %s: no staff member %s\n", verb, email)
		return exitFailed
	} else if err != nil {
		fmt.Fprintf(stderr, "nasbot staff %s: %v\n", verb, err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "%s is now %s\n", strings.ToLower(email), status)
	return exitOK
}
