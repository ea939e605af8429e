//go:build !linux

package cli

import "os"

// noEcho is not implemented on this platform: secrets are read with echo.
func noEcho(*os.File) (restore func(), ok bool) { return nil, false }
