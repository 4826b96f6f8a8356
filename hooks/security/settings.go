package security

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Settings are the security rules a secadmin may change (等保 assessors ask
// for some of them to be stricter than the defaults).
type Settings struct {
	LockoutAttempts int `json:"lockout_attempts"` // failed logins before a lock
	LockoutMinutes  int `json:"lockout_minutes"`

	PasswordMinLength int `json:"password_min_length"`
	PasswordClasses   int `json:"password_classes"`      // 0 = off; else how many of lower/upper/digit/symbol
	PasswordMaxAge    int `json:"password_max_age_days"` // 0 = never expires

	TOTPRoles []string `json:"totp_roles"` // roles that must use a second factor

	IdleMinutes   int `json:"idle_minutes"`
	AbsoluteHours int `json:"absolute_hours"`

	// Per-address login limit; offices behind one NAT share an address.
	LoginsPerSecondPerIP int      `json:"logins_per_second_per_ip"`
	TrustedIPs           []string `json:"trusted_ips"` // CIDRs exempt from the per-address limit

	// Days each data class is kept before the retention job purges it.
	Retention map[string]int `json:"retention_days"`

	// Largest upload per file type, in MiB (hooks/files).
	FileMaxMB map[string]int `json:"file_max_mb"`

	// The lowest unit level a reviewer may hold the role at to publish a
	// case of each scope (hooks/casework): a case for all government needs
	// a provincial reviewer by default.
	CaseReviewLevels map[string]string `json:"case_review_levels"`
}

// UnitLevels are the levels of the unit tree, top down (case_review_levels
// maps case scopes onto them).
var UnitLevels = []string{"province", "city", "county", "township"}

// FileTypes are the upload types (hooks/files detects them by content).
var FileTypes = []string{"pdf", "ofd", "docx", "xlsx", "pptx", "wps", "jpg", "png", "txt", "zip"}

// MaxFileMB is the ceiling of any per-type upload limit.
const MaxFileMB = 1024

// DefaultSettings are in force until a secadmin saves others.
func DefaultSettings() Settings {
	return Settings{
		LockoutAttempts: 5, LockoutMinutes: 15,
		PasswordMinLength: 12,
		TOTPRoles:         []string{"sysadmin", "secadmin", "auditor", "leader"},
		IdleMinutes:       30, AbsoluteHours: 12,
		LoginsPerSecondPerIP: 20,
		Retention: map[string]int{
			"audit": 180, "sessions": 90, "raw_mail": 90, "personal_uploads": 365,
		},
		CaseReviewLevels: map[string]string{"unit": "township", "subtree": "township", "system": "city", "all": "province"},
		FileMaxMB: map[string]int{
			"pdf": 100, "ofd": 100, "docx": 50, "xlsx": 50, "pptx": 100, "wps": 50,
			"jpg": 20, "png": 20, "txt": 10, "zip": 200,
		},
	}
}

// SettingsStore reads the settings row once and keeps it until it changes.
type SettingsStore struct {
	mu     sync.RWMutex
	cached *Settings
}

// NewSettingsStore binds cache invalidation to the settings collection.
func NewSettingsStore(app core.App) *SettingsStore {
	st := &SettingsStore{}
	drop := func(e *core.ModelEvent) error {
		st.mu.Lock()
		st.cached = nil
		st.mu.Unlock()
		return e.Next()
	}
	app.OnModelAfterCreateSuccess("security_settings").BindFunc(drop)
	app.OnModelAfterUpdateSuccess("security_settings").BindFunc(drop)
	app.OnModelAfterDeleteSuccess("security_settings").BindFunc(drop)
	return st
}

// Get returns the settings in force: the stored row over the defaults.
func (st *SettingsStore) Get(app core.App) Settings {
	st.mu.RLock()
	c := st.cached
	st.mu.RUnlock()
	if c != nil {
		return *c
	}
	s := DefaultSettings()
	recs, err := app.FindRecordsByFilter("security_settings", "", "-updated", 1, 0)
	if err == nil && len(recs) == 1 {
		if raw := recs[0].GetString("data"); raw != "" {
			_ = json.Unmarshal([]byte(raw), &s) // stored fields override defaults
		}
	}
	st.mu.Lock()
	st.cached = &s
	st.mu.Unlock()
	return s
}

// Idle and Absolute are the session limits as durations.
func (s Settings) Idle() time.Duration     { return time.Duration(s.IdleMinutes) * time.Minute }
func (s Settings) Absolute() time.Duration { return time.Duration(s.AbsoluteHours) * time.Hour }
