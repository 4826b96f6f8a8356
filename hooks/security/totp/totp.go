// Package totp owns the second factor: TOTP enrolment (secret, QR code,
// confirmation), verification of each new session, single-use recovery
// codes, and a secadmin's reset. It registers two session steps with
// security.Sessions: "totp_enrol" for users whose roles are listed in
// Settings.TOTPRoles and who have no confirmed factor yet, and "totp" for
// every new session of a user who has one.
package totp

import (
	"bytes"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	pqtotp "github.com/pquerna/otp/totp"

	"govcollab/hooks/api"
	"govcollab/hooks/security"
)

// Step names owed by sessions (security.Sessions gates them).
const (
	StepEnrol  = "totp_enrol"
	StepVerify = "totp"
)

const (
	collection = "user_totp"
	issuer     = "政务协同"
	period     = 30 // seconds per time step
	skew       = 1  // steps accepted either side of now
	// MaxFailures wrong codes in a row end the session.
	MaxFailures = 5
	qrSize      = 256
)

// Module is the second factor of one app.
type Module struct {
	app      *api.App
	sessions *security.Sessions

	// Now is the clock codes are checked against (tests move it).
	Now func() time.Time

	mu     sync.Mutex // serializes code checks: a code is accepted once
	keyMu  sync.Mutex
	sealer *sealer
}

// New registers the steps on sessions and returns the module whose handlers
// routes.go binds.
func New(app *api.App, sessions *security.Sessions) *Module {
	m := &Module{app: app, sessions: sessions, Now: time.Now}
	sessions.AddStep(m.enrolOwed)
	sessions.AddStep(m.verifyOwed)
	return m
}

// enrolOwed: a user holding a role of Settings.TOTPRoles without a
// confirmed factor must enrol.
func (m *Module) enrolOwed(app core.App, user *core.Record) (string, bool) {
	if !m.roleRequires(app, user) {
		return StepEnrol, false
	}
	row, _ := findRow(app, user.Id)
	return StepEnrol, !confirmed(row)
}

// verifyOwed: a user with a confirmed factor proves it in every new session.
func (m *Module) verifyOwed(app core.App, user *core.Record) (string, bool) {
	row, _ := findRow(app, user.Id)
	return StepVerify, confirmed(row)
}

func findRow(app core.App, userID string) (*core.Record, error) {
	return app.FindFirstRecordByData(collection, "user", userID)
}

func confirmed(row *core.Record) bool {
	return row != nil && row.GetString("secret") != "" && !row.GetDateTime("confirmed_at").IsZero()
}

func (m *Module) getSealer() (*sealer, error) {
	m.keyMu.Lock()
	defer m.keyMu.Unlock()
	if m.sealer != nil {
		return m.sealer, nil
	}
	master, err := masterKey(m.app.DataDir())
	if err != nil {
		return nil, err
	}
	s, err := newSealer(master)
	if err != nil {
		return nil, err
	}
	m.sealer = s
	return s, nil
}

func subtleEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// user returns the signed-in account (not a superuser).
func (m *Module) user(e *core.RequestEvent) (*core.Record, error) {
	if e.Auth == nil {
		return nil, api.Unauthenticated(e)
	}
	if e.Auth.Collection().Name != "users" {
		return nil, api.Forbidden()
	}
	return e.Auth, nil
}

// codeBody is {code}; an empty body reads as no code.
type codeBody struct {
	Code string `json:"code"`
}

func readCode(e *core.RequestEvent, required bool) (string, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(e.Response, e.Request.Body, 1<<12))
	if err != nil {
		return "", api.NewError(http.StatusBadRequest, "invalid_json", "请求内容不是有效的 JSON")
	}
	var in codeBody
	if len(bytes.TrimSpace(raw)) > 0 {
		e.Request.Body = io.NopCloser(bytes.NewReader(raw))
		if err := api.DecodeJSON(e, &in); err != nil {
			return "", err
		}
	}
	in.Code = strings.TrimSpace(in.Code)
	if digits := strings.ReplaceAll(in.Code, " ", ""); isTOTPShape(digits) {
		in.Code = digits // "123 456" as the apps show it
	}
	if required && in.Code == "" {
		return "", api.BadField("code", "required", "请输入动态口令")
	}
	return in.Code, nil
}

func (m *Module) emit(e *core.RequestEvent, userID, action, result, detail string) {
	m.sessions.Emit(e.App, security.AuthEvent{
		UserID: userID, IP: e.RealIP(), Action: action, Result: result, Detail: detail,
	})
}

// step is the time step of t.
func step(t time.Time) uint64 { return uint64(t.Unix()) / period }

var hotpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchTOTP returns the step (within ±skew of now) whose code is code.
func matchTOTP(secret, code string, now time.Time) (uint64, bool) {
	if !isTOTPShape(code) {
		return 0, false
	}
	cur := step(now)
	found, at := false, uint64(0)
	// check every candidate step so the time taken says nothing
	for d := -skew; d <= skew; d++ {
		s := cur + uint64(d)
		want, err := hotp.GenerateCodeCustom(secret, s, hotpOpts)
		if err == nil && subtleEqual(want, code) && !found {
			found, at = true, s
		}
	}
	return at, found
}

func isTOTPShape(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// failure counts a wrong code: 400 on field code, or after MaxFailures the
// session ends (401 session_ended).
func (m *Module) failure(e *core.RequestEvent, row *core.Record, why, message string) error {
	uid := row.GetString("user")
	n := row.GetInt("failures") + 1
	m.emit(e, uid, "auth.totp_failed", "failed", why)
	if n >= MaxFailures {
		row.Set("failures", 0)
		if err := e.App.SaveNoValidate(row); err != nil {
			return err
		}
		if sid := security.SessionID(e); sid != "" {
			if err := m.sessions.End(e.App, sid, "totp_failed"); err != nil {
				return err
			}
		}
		m.emit(e, uid, "auth.totp_failed", "denied", "连续输错动态口令，会话已结束")
		api.MarkSessionEnded(e)
		return api.NewError(http.StatusUnauthorized, "session_ended", "动态口令错误次数过多，会话已结束，请重新登录")
	}
	row.Set("failures", n)
	if err := e.App.SaveNoValidate(row); err != nil {
		return err
	}
	return api.BadField("code", why, message)
}

// proveFactor checks code against the confirmed factor: a 6-digit TOTP code
// newer than the last accepted one, or (if allowRecovery) an unused
// recovery code, which is then spent. Callers hold m.mu.
func (m *Module) proveFactor(e *core.RequestEvent, row *core.Record, code string, allowRecovery bool) (usedRecovery bool, err error) {
	s, err := m.getSealer()
	if err != nil {
		return false, err
	}
	secret, err := s.open(row.GetString("user"), row.GetString("secret"))
	if err != nil {
		return false, err
	}
	if isTOTPShape(code) {
		at, ok := matchTOTP(secret, code, m.Now())
		if !ok {
			return false, m.failure(e, row, "invalid", "动态口令不正确")
		}
		if int64(at) <= int64(row.GetInt("last_step")) {
			return false, m.failure(e, row, "used", "该动态口令已使用过，请等待下一个口令")
		}
		row.Set("last_step", int64(at))
		row.Set("failures", 0)
		return false, e.App.SaveNoValidate(row)
	}
	if !allowRecovery {
		return false, m.failure(e, row, "invalid", "请输入动态口令（6 位数字）")
	}
	var hashes []string
	_ = row.UnmarshalJSONField("recovery", &hashes)
	for i, h := range hashes {
		if matchRecovery(h, code) {
			row.Set("recovery", slices.Delete(slices.Clone(hashes), i, i+1))
			row.Set("failures", 0)
			return true, e.App.SaveNoValidate(row)
		}
	}
	return false, m.failure(e, row, "invalid", "动态口令或恢复码不正确")
}

func recoveryLeft(row *core.Record) int {
	var hashes []string
	_ = row.UnmarshalJSONField("recovery", &hashes)
	return len(hashes)
}

// newRecovery replaces row's recovery codes and returns the new ones.
func newRecovery(row *core.Record) ([]string, error) {
	codes := make([]string, 0, recoveryCount)
	hashes := make([]string, 0, recoveryCount)
	for range recoveryCount {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		h, err := hashRecovery(c)
		if err != nil {
			return nil, err
		}
		codes, hashes = append(codes, c), append(hashes, h)
	}
	row.Set("recovery", hashes)
	return codes, nil
}

func (m *Module) completeSteps(e *core.RequestEvent, steps ...string) error {
	sid := security.SessionID(e)
	if sid == "" {
		return nil
	}
	for _, st := range steps {
		if err := m.sessions.CompleteStep(e.App, sid, st); err != nil {
			return err
		}
	}
	return nil
}

// Status is GET /api/gov/auth/totp.
type Status struct {
	Enrolled          bool   `json:"enrolled"`
	ConfirmedAt       string `json:"confirmed_at"`
	Required          bool   `json:"required"`
	RecoveryCodesLeft int    `json:"recovery_codes_left"`
}

// HandleStatus tells the signed-in user whether they have a second factor
// and whether their roles require one.
func (m *Module) HandleStatus(e *core.RequestEvent) error {
	u, err := m.user(e)
	if err != nil {
		return err
	}
	row, _ := findRow(e.App, u.Id)
	out := Status{Required: m.roleRequires(e.App, u)}
	if confirmed(row) {
		out.Enrolled = true
		out.ConfirmedAt = row.GetDateTime("confirmed_at").String()
		out.RecoveryCodesLeft = recoveryLeft(row)
	}
	return e.JSON(http.StatusOK, out)
}

// roleRequires reports whether u holds a role of Settings.TOTPRoles.
func (m *Module) roleRequires(app core.App, u *core.Record) bool {
	roles := m.sessions.Settings.Get(app).TOTPRoles
	for _, r := range u.GetStringSlice("roles") {
		if slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// Enrolment is the answer of POST /api/gov/auth/totp/enrol.
type Enrolment struct {
	Secret     string `json:"secret"`
	OtpauthURL string `json:"otpauth_url"`
	QRPNG      string `json:"qr_png"`
}

// HandleEnrol issues a new (pending) secret. A user who already has a
// confirmed factor must send a current code (or a recovery code) first:
// {code}; the old factor keeps working until the new one is confirmed.
func (m *Module) HandleEnrol(e *core.RequestEvent) error {
	u, err := m.user(e)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	row, _ := findRow(e.App, u.Id)
	if confirmed(row) {
		code, err := readCode(e, true)
		if err != nil {
			return err
		}
		used, err := m.proveFactor(e, row, code, true)
		if err != nil {
			return err
		}
		if err := m.completeSteps(e, StepVerify); err != nil {
			return err
		}
		detail := "重新绑定前验证动态口令"
		if used {
			detail = "重新绑定前使用恢复码"
		}
		m.emit(e, u.Id, "auth.totp", "ok", detail)
	}
	key, err := pqtotp.Generate(pqtotp.GenerateOpts{
		Issuer: issuer, AccountName: u.GetString("username"), Period: period,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return err
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	s, err := m.getSealer()
	if err != nil {
		return err
	}
	sealed, err := s.seal(u.Id, key.Secret())
	if err != nil {
		return err
	}
	if row == nil {
		col, err := e.App.FindCachedCollectionByNameOrId(collection)
		if err != nil {
			return err
		}
		row = core.NewRecord(col)
		row.Set("user", u.Id)
	}
	row.Set("pending_secret", sealed)
	if err := e.App.Save(row); err != nil {
		return err
	}
	m.emit(e, u.Id, "auth.totp_enrol", "ok", "已生成新的动态口令密钥，待确认")
	return e.JSON(http.StatusOK, Enrolment{
		Secret: key.Secret(), OtpauthURL: key.URL(),
		QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
	})
}

// RecoveryCodes is the answer of confirm and of recovery regeneration: the
// codes are shown this once.
type RecoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// HandleConfirm {code} confirms the pending secret with a code it generated,
// makes it the factor, and completes this session's TOTP steps.
func (m *Module) HandleConfirm(e *core.RequestEvent) error {
	u, err := m.user(e)
	if err != nil {
		return err
	}
	code, err := readCode(e, true)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	row, _ := findRow(e.App, u.Id)
	if row == nil || row.GetString("pending_secret") == "" {
		return api.BadField("code", "not_enrolling", "请先获取新的动态口令密钥（绑定）")
	}
	s, err := m.getSealer()
	if err != nil {
		return err
	}
	secret, err := s.open(u.Id, row.GetString("pending_secret"))
	if err != nil {
		return err
	}
	at, ok := matchTOTP(secret, code, m.Now())
	if !ok {
		return m.failure(e, row, "invalid", "动态口令不正确，请核对手机时间后重试")
	}
	codes, err := newRecovery(row)
	if err != nil {
		return err
	}
	row.Set("secret", row.GetString("pending_secret"))
	row.Set("pending_secret", "")
	row.Set("confirmed_at", m.Now())
	row.Set("last_step", int64(at))
	row.Set("failures", 0)
	if err := e.App.Save(row); err != nil {
		return err
	}
	if err := m.completeSteps(e, StepEnrol, StepVerify); err != nil {
		return err
	}
	m.emit(e, u.Id, "auth.totp_enrol", "ok", "动态口令绑定完成")
	return e.JSON(http.StatusOK, RecoveryCodes{RecoveryCodes: codes})
}

// Verified is the answer of POST /api/gov/auth/totp.
type Verified struct {
	OK                bool `json:"ok"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

// HandleVerify {code} proves the factor (a 6-digit code or a recovery code)
// and completes this session's "totp" step.
func (m *Module) HandleVerify(e *core.RequestEvent) error {
	u, err := m.user(e)
	if err != nil {
		return err
	}
	code, err := readCode(e, true)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	row, _ := findRow(e.App, u.Id)
	if !confirmed(row) {
		return api.BadField("code", "not_enrolled", "尚未绑定动态口令，请先绑定")
	}
	used, err := m.proveFactor(e, row, code, true)
	if err != nil {
		return err
	}
	if err := m.completeSteps(e, StepVerify); err != nil {
		return err
	}
	detail := "动态口令验证通过"
	if used {
		detail = "使用恢复码验证通过"
	}
	m.emit(e, u.Id, "auth.totp", "ok", detail)
	return e.JSON(http.StatusOK, Verified{OK: true, RecoveryCodesLeft: recoveryLeft(row)})
}

// HandleRecovery {code} replaces the recovery codes after a current
// 6-digit code (not a recovery code).
func (m *Module) HandleRecovery(e *core.RequestEvent) error {
	u, err := m.user(e)
	if err != nil {
		return err
	}
	code, err := readCode(e, true)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	row, _ := findRow(e.App, u.Id)
	if !confirmed(row) {
		return api.BadField("code", "not_enrolled", "尚未绑定动态口令，请先绑定")
	}
	if _, err := m.proveFactor(e, row, code, false); err != nil {
		return err
	}
	codes, err := newRecovery(row)
	if err != nil {
		return err
	}
	if err := e.App.Save(row); err != nil {
		return err
	}
	m.emit(e, u.Id, "auth.totp_recovery", "ok", "恢复码已重新生成")
	return e.JSON(http.StatusOK, RecoveryCodes{RecoveryCodes: codes})
}

// HandleReset is DELETE /api/gov/admin/users/{id}/totp: a secadmin (policy
// `user assign`) removes an account's second factor; its sessions end and
// it enrols again at the next login if its roles require it.
func (m *Module) HandleReset(e *core.RequestEvent) error {
	if _, err := m.app.Require(e, "assign", "user"); err != nil {
		return err
	}
	id := e.Request.PathValue("id")
	target, err := e.App.FindRecordById("users", id)
	if err != nil {
		return api.NotFound()
	}
	if target.Id == e.Auth.Id {
		return api.BadField("id", "self", "不能重置自己的动态口令")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	err = e.App.RunInTransaction(func(tx core.App) error {
		row, err := findRow(tx, target.Id)
		switch {
		case err == nil:
			if err := tx.Delete(row); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		return m.sessions.EndAll(tx, target.Id, "totp_reset")
	})
	if err != nil {
		return err
	}
	m.emit(e, target.Id, "auth.totp_reset", "ok", "由 "+e.Auth.GetString("username")+" 重置动态口令")
	return e.NoContent(http.StatusNoContent)
}
