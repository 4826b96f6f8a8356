package org

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbsecurity "github.com/pocketbase/pocketbase/tools/security"

	"govcollab/hooks/api"
	"govcollab/hooks/security"
	"govcollab/hooks/security/pii"
	"govcollab/policies"
)

// UserView is an account as the API shows it; phone and id_number are
// masked unless the viewer may unmask this user.
type UserView struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Unit     string   `json:"unit"`
	UnitPath string   `json:"unit_path"`
	Rank     string   `json:"rank"`
	Position string   `json:"position"`
	Roles    []string `json:"roles"`
	Active   bool     `json:"active"`
	Phone    string   `json:"phone"`
	IDNumber string   `json:"id_number"`
}

// NewUserView renders r for the viewer s. Phone and id_number are stored
// encrypted (package pii): they are decrypted here, then masked unless the
// viewer may unmask this user. A value that cannot be decrypted shows as
// stars, never as ciphertext.
func NewUserView(a *api.App, s *policies.Subject, r *core.Record) UserView {
	v := UserView{
		ID: r.Id, Username: r.GetString("username"), Name: r.GetString("name"), Email: r.Email(),
		Unit: r.GetString("unit"), UnitPath: r.GetString("unit_path"), Rank: r.GetString("rank"),
		Position: r.GetString("position"), Roles: r.GetStringSlice("roles"), Active: r.GetBool("active"),
	}
	v.Phone, v.IDNumber = openPersonal(a, r, "phone"), openPersonal(a, r, "id_number")
	if ok, _ := a.Authz.Can(s, "unmask", r); !ok {
		v.Phone = security.MaskPhone(v.Phone)
		v.IDNumber = security.MaskIDNumber(v.IDNumber)
	}
	if v.Roles == nil {
		v.Roles = []string{}
	}
	return v
}

// openPersonal decrypts r's field; "******" when it cannot.
func openPersonal(app core.App, r *core.Record, field string) string {
	stored := r.GetString(field)
	if stored == "" {
		return ""
	}
	vault, err := pii.For(app)
	if err == nil {
		var plain string
		if plain, err = vault.Open(stored); err == nil {
			return plain
		}
	}
	app.Logger().Error("personal number cannot be decrypted", "user", r.Id, "field", field, "error", err.Error())
	return "******"
}

// UserInput is what sysadmin gives to create an account (form or sheet row).
type UserInput struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	Email    string `json:"email"`
	Rank     string `json:"rank"`
	Position string `json:"position"`
	Phone    string `json:"phone"`
	IDNumber string `json:"id_number"`
	Password string `json:"password"`

	// passwordHash, set by the bulk import, is a bcrypt hash made outside
	// the transaction so that the write lock is not held while hashing.
	passwordHash string
}

var usernameShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,49}$`)
var emailShape = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// MinPasswordLength and MaxPasswordBytes are the default bounds; the policy
// in force (security.CheckPassword over the secadmin's settings) applies.
const (
	MinPasswordLength = 12
	MaxPasswordBytes  = 71
)

// CheckUserInput validates everything about in that does not need a write,
// so the XLSX dry run reports the same problems the import would hit.
func CheckUserInput(tx core.App, in *UserInput) *api.Error {
	in.Username = strings.TrimSpace(in.Username)
	in.Name = strings.TrimSpace(in.Name)
	in.Unit = strings.TrimSpace(in.Unit)
	in.Email = strings.TrimSpace(in.Email)
	in.Rank = strings.TrimSpace(in.Rank)
	in.Position = strings.TrimSpace(in.Position)
	in.Phone = strings.TrimSpace(in.Phone)
	in.IDNumber = strings.ToUpper(strings.TrimSpace(in.IDNumber))
	if in.Username == "" {
		return api.BadField("username", "required", "用户名不能为空")
	}
	if !usernameShape.MatchString(in.Username) {
		return api.BadField("username", "invalid", "用户名应为 2–50 位字母、数字、点、下划线或连字符，且以字母或数字开头")
	}
	if in.Name == "" {
		return api.BadField("name", "required", "姓名不能为空")
	}
	if len([]rune(in.Name)) > 50 {
		return api.BadField("name", "too_long", "姓名不能超过 50 个字")
	}
	// the schema's limits, checked here so a dry run sees them too
	if len([]rune(in.Rank)) > 50 {
		return api.BadField("rank", "too_long", "职级不能超过 50 个字")
	}
	if len([]rune(in.Position)) > 100 {
		return api.BadField("position", "too_long", "职务不能超过 100 个字")
	}
	if in.Unit == "" {
		return api.BadField("unit", "required", "请选择所在单位")
	}
	if _, err := activeUnit(tx, in.Unit, "unit", "所在单位不存在或已停用"); err != nil {
		return err.(*api.Error)
	}
	if in.Email != "" && !emailShape.MatchString(in.Email) {
		return api.BadField("email", "invalid", "邮箱格式不正确")
	}
	if in.Phone != "" && !security.ValidPhone(in.Phone) {
		return api.BadField("phone", "invalid", "电话号码格式不正确")
	}
	if in.IDNumber != "" && !security.ValidIDNumber(in.IDNumber) {
		return api.BadField("id_number", "invalid", "身份证号不符合 GB 11643 校验规则")
	}
	if in.Password != "" {
		// the secadmin's password policy applies to administrator-set passwords too
		if err := security.CheckPassword(security.ReadSettings(tx), "password", in.Password); err != nil {
			return err
		}
	}
	var n int
	if err := tx.DB().NewQuery("SELECT COUNT(*) FROM users WHERE username = {:u} COLLATE NOCASE").
		Bind(dbx.Params{"u": in.Username}).Row(&n); err != nil || n > 0 {
		return api.BadField("username", "duplicate", "用户名已存在")
	}
	if in.Email != "" {
		if err := tx.DB().NewQuery("SELECT COUNT(*) FROM users WHERE email = {:e} COLLATE NOCASE").
			Bind(dbx.Params{"e": in.Email}).Row(&n); err != nil || n > 0 {
			return api.BadField("email", "duplicate", "邮箱已被其他账号使用")
		}
	}
	if in.IDNumber != "" {
		// stored encrypted: found by its keyed hash
		vault, err := pii.For(tx)
		if err != nil {
			tx.Logger().Error("data key unusable", "error", err.Error())
			return api.NewError(http.StatusInternalServerError, "data_key", "个人信息加密密钥不可用，请联系系统管理员")
		}
		if err := tx.DB().NewQuery("SELECT COUNT(*) FROM users WHERE id_number_hash = {:h}").
			Bind(dbx.Params{"h": vault.Hash(pii.KindIDNumber, in.IDNumber)}).Row(&n); err != nil || n > 0 {
			return api.BadField("id_number", "duplicate", "该身份证号已被其他账号使用")
		}
	}
	return nil
}

// CreateUser stores a new active staff account. Without a password a random
// one is set and returned once; either way the user must change it at the
// first login.
func CreateUser(tx core.App, in UserInput) (*core.Record, string, error) {
	if err := CheckUserInput(tx, &in); err != nil {
		return nil, "", err
	}
	unit, err := tx.FindRecordById("units", in.Unit)
	if err != nil {
		return nil, "", err
	}
	col, err := tx.FindCachedCollectionByNameOrId("users")
	if err != nil {
		return nil, "", err
	}
	password := in.Password
	if password == "" && in.passwordHash == "" {
		password = NewInitialPassword()
	}
	r := core.NewRecord(col)
	r.Set("username", in.Username)
	r.Set("name", in.Name)
	r.Set("email", in.Email)
	r.Set("unit", unit.Id)
	r.Set("unit_path", unit.GetString("path"))
	r.Set("rank", in.Rank)
	r.Set("position", in.Position)
	if err := SetPersonal(tx, r, in.Phone, in.IDNumber); err != nil {
		return nil, "", err
	}
	r.Set("roles", []string{"staff"})
	r.Set("active", true)
	r.Set("must_change_password", true)
	if in.passwordHash != "" {
		r.SetRaw("password", &core.PasswordFieldValue{Hash: in.passwordHash})
		r.RefreshTokenKey()
	} else {
		r.SetPassword(password)
	}
	if err := tx.Save(r); err != nil {
		return nil, "", err
	}
	if in.Password != "" {
		password = "" // the administrator chose it; never echo it back
	}
	return r, password, nil
}

// SetPersonal stores phone and id_number on r encrypted, with their keyed
// hashes (package pii); empty values stay empty.
func SetPersonal(app core.App, r *core.Record, phone, idNumber string) error {
	vault, err := pii.For(app)
	if err != nil {
		return err
	}
	for _, f := range []struct{ field, kind, value string }{
		{"phone", pii.KindPhone, phone}, {"id_number", pii.KindIDNumber, idNumber},
	} {
		c, h, err := vault.Seal(f.kind, f.value)
		if err != nil {
			return err
		}
		r.Set(f.field, c)
		r.Set(f.field+"_hash", h)
	}
	return nil
}

// NewInitialPassword is a one-time password for a new account (16 characters
// without look-alikes, about 92 bits).
func NewInitialPassword() string {
	return pbsecurity.RandomStringWithAlphabet(16, "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
}

// SetUserActive deactivates or re-activates an account.
func SetUserActive(tx core.App, id string, active bool) (*core.Record, error) {
	r, err := tx.FindRecordById("users", id)
	if err != nil {
		return nil, api.NotFound()
	}
	if active {
		if _, err := activeUnit(tx, r.GetString("unit"), "unit", "该账号所在单位已停用，请先调整单位"); err != nil {
			return nil, err
		}
	}
	r.Set("active", active)
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}

// MoveUser transfers an account to another unit (调动).
func MoveUser(tx core.App, id, unitID string) (*core.Record, error) {
	r, err := tx.FindRecordById("users", id)
	if err != nil {
		return nil, api.NotFound()
	}
	u, err := activeUnit(tx, strings.TrimSpace(unitID), "unit", "目标单位不存在或已停用")
	if err != nil {
		return nil, err
	}
	r.Set("unit", u.Id)
	r.Set("unit_path", u.GetString("path"))
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}

// CheckRoles validates a role set: known roles, and at most one of 三员.
func CheckRoles(roles []string) *api.Error {
	admins := 0
	for _, r := range roles {
		if !slices.Contains(Roles, r) {
			return api.BadField("roles", "unknown_role", "未知角色："+r)
		}
		if slices.Contains(SeparatedAdmins, r) {
			admins++
		}
	}
	if admins > 1 {
		return api.BadField("roles", "separation_of_duties", "系统管理员、安全管理员、安全审计员（三员）不能由同一账号兼任")
	}
	return nil
}

// SetRoles replaces an account's roles at its own unit.
func SetRoles(tx core.App, actorID, id string, roles []string) (*core.Record, error) {
	r, err := tx.FindRecordById("users", id)
	if err != nil {
		return nil, api.NotFound()
	}
	if id == actorID {
		return nil, api.BadField("roles", "self", "不能修改自己的角色")
	}
	roles = slices.Compact(slices.Sorted(slices.Values(roles)))
	if err := CheckRoles(roles); err != nil {
		return nil, err
	}
	// 三员 and business roles do not mix on one account either.
	if hasAdmin(roles) && len(roles) > 1 {
		return nil, api.BadField("roles", "separation_of_duties", "三员账号不能同时持有业务角色")
	}
	if err := checkGrantsAgainst(tx, id, roles); err != nil {
		return nil, err
	}
	r.Set("roles", roles)
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}

func hasAdmin(roles []string) bool {
	for _, r := range roles {
		if slices.Contains(SeparatedAdmins, r) {
			return true
		}
	}
	return false
}

// checkGrantsAgainst refuses a 三员 role for an account that holds running
// business grants.
func checkGrantsAgainst(tx core.App, userID string, roles []string) *api.Error {
	if !hasAdmin(roles) {
		return nil
	}
	var n int
	_ = tx.DB().NewQuery("SELECT COUNT(*) FROM grants WHERE user = {:u} AND revoked = FALSE").
		Bind(dbx.Params{"u": userID}).Row(&n)
	if n > 0 {
		return api.BadField("roles", "separation_of_duties", "该账号有兼职授权，不能担任三员，请先撤销授权")
	}
	return nil
}
