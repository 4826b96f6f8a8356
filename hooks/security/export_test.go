package security

import "time"

// SetNow fixes the clock of the login guards (tests of per-second limits).
func (a *Auth) SetNow(now func() time.Time) { a.now = now }

// CommonPasswordCount is the size of the embedded list.
func CommonPasswordCount() int { return len(commonPasswords()) }
