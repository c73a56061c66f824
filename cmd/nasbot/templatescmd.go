package main

import (
	"flag"
	"fmt"
	"io"
	"sort"

	"nasbot/templates"
)

// cmdTemplates renders every mail template with example data, text and HTML, so NAS staff can
// check a reworded folder (NASBOT_TEMPLATES_DIR or --dir) before the bot uses it.
func cmdTemplates(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: nasbot templates check [--dir DIR] [--show]")
		return exitBadArgs
	}
	fs := flag.NewFlagSet("templates check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, _ := loadConfig()
	dir := fs.String("dir", cfg.TemplatesDir, "folder of templates that override the embedded ones")
	show := fs.Bool("show", false, "print each rendered text")
	if err := fs.Parse(args[1:]); err != nil {
		return exitBadArgs
	}
	r, err := templates.New(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "nasbot templates:", err)
		return exitFailed
	}
	examples := templates.Examples()
	names := make([]string, 0, len(examples))
	for name := range examples {
		names = append(names, name)
	}
	sort.Strings(names)
	status := exitOK
	for _, name := range names {
		tmpl := templates.ExampleTemplate(name)
		text, err := r.Render(tmpl, examples[name])
		if err == nil {
			_, err = r.RenderHTML(tmpl, examples[name])
		}
		if err != nil {
			fmt.Fprintf(stdout, "FAIL %-20s %v\n", name, err)
			status = exitFailed
			continue
		}
		fmt.Fprintf(stdout, "ok   %-20s (%s)\n", name, tmpl)
		if *show {
			fmt.Fprintf(stdout, "%s\n", text)
		}
	}
	return status
}
