package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// errAborted is returned when a destructive command is not confirmed.
var errAborted = errors.New("aborted: nothing was changed")

// readLine prints prompt on stderr and reads one line from stdin.
func (a *app) readLine(prompt string) (string, error) {
	fmt.Fprint(a.stderr, prompt)
	line, err := a.stdin.ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("no answer to %q: end of input", strings.TrimSpace(prompt))
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readSecret reads a line without echoing it when stdin is a terminal.
func (a *app) readSecret(prompt string) (string, error) {
	if a.stdinFile != nil {
		if restore, ok := noEcho(a.stdinFile); ok {
			defer func() {
				restore()
				fmt.Fprintln(a.stderr)
			}()
		}
	}
	return a.readLine(prompt)
}

// confirm asks before a destructive change unless force is set.
// forceFlag adds --force, which skips confirm's question, to cmd.
func forceFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "force", false, "do not ask for confirmation")
}

func (a *app) confirm(force bool, question string) error {
	if force {
		return nil
	}
	answer, err := a.readLine(question + " [y/N] ")
	if err != nil {
		return fmt.Errorf("%w (use --force to skip the question)", errAborted)
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return errAborted
}
