package security

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"
	pbsecurity "github.com/pocketbase/pocketbase/tools/security"

	"govcollab/hooks/api"
)

// MaxPasswordBytes is what bcrypt reads; longer passwords are refused, never
// truncated.
const MaxPasswordBytes = 71

//go:embed password_common.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := map[string]struct{}{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			set[strings.ToLower(line)] = struct{}{}
		}
	}
	return set
})

// IsCommonPassword reports whether pw (case-insensitively) is on the list of
// common passwords.
func IsCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}

// PasswordPolicy is GET /api/gov/auth/password-policy, for the UI.
type PasswordPolicy struct {
	MinLength  int `json:"min_length"`
	MaxBytes   int `json:"max_bytes"`
	Classes    int `json:"classes"`
	MaxAgeDays int `json:"max_age_days"`
}

// PasswordPolicy is the password part of the settings.
func (s Settings) PasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: s.PasswordMinLength, MaxBytes: MaxPasswordBytes,
		Classes: s.PasswordClasses, MaxAgeDays: s.PasswordMaxAge}
}

// CheckPassword applies the policy of s to pw; a refusal is a 400 on field
// that names the rule.
func CheckPassword(s Settings, field, pw string) *api.Error {
	if pw == "" {
		return api.BadField(field, "required", "密码不能为空")
	}
	if len(pw) > MaxPasswordBytes {
		return api.BadField(field, "too_long", fmt.Sprintf("密码不能超过 %d 字节（约 23 个汉字或 71 个英文字符），过长的密码不会被截断而是被拒绝", MaxPasswordBytes))
	}
	if !utf8.ValidString(pw) {
		return api.BadField(field, "invalid", "密码含有无效字符")
	}
	if n := utf8.RuneCountInString(pw); n < s.PasswordMinLength {
		return api.BadField(field, "too_short", fmt.Sprintf("密码至少 %d 位", s.PasswordMinLength))
	}
	if IsCommonPassword(pw) {
		return api.BadField(field, "too_common", "该密码过于常见，容易被猜中，请换一个")
	}
	if s.PasswordClasses > 0 && passwordClasses(pw) < s.PasswordClasses {
		return api.BadField(field, "too_simple", fmt.Sprintf("密码需包含小写字母、大写字母、数字、符号中的至少 %d 类", s.PasswordClasses))
	}
	return nil
}

// passwordClasses counts lower-case, upper-case, digits and everything else.
func passwordClasses(pw string) int {
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}

// passwordExpired reports whether user's password is older than the maximum
// age (accounts that never changed it count from their creation).
func passwordExpired(s Settings, user *core.Record, now time.Time) bool {
	if s.PasswordMaxAge <= 0 {
		return false
	}
	changed := user.GetDateTime("password_changed")
	if changed.IsZero() {
		changed = user.GetDateTime("created")
	}
	if changed.IsZero() {
		return false
	}
	return now.Sub(changed.Time()) > time.Duration(s.PasswordMaxAge)*24*time.Hour
}

// passwordStep: an account created or reset by an administrator, or whose
// password is too old, must change its password first.
func (a *Auth) passwordStep(app core.App, user *core.Record) (string, bool) {
	owed := user.GetBool("must_change_password") || passwordExpired(a.sessions.Settings.Get(app), user, a.now())
	return "password_change", owed
}

// NewOneTimePassword is a password an administrator hands over once (16
// characters without look-alikes, about 92 bits).
func NewOneTimePassword() string {
	return pbsecurity.RandomStringWithAlphabet(16, "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
}
