package security

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/migrations"
	"govcollab/policies"
)

// ObjectTypes are the policy objects this package owns: the security
// settings (secadmin reads and manages them).
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{
		{Name: "security_settings", Table: "security_settings", Actions: []string{"read", "manage"}},
	}
}

// ReadSettings reads the stored settings over the defaults without a cache,
// for code that has no SettingsStore (administrator-set passwords).
func ReadSettings(app core.App) Settings {
	s := DefaultSettings()
	recs, err := app.FindRecordsByFilter("security_settings", "", "-updated", 1, 0)
	if err == nil && len(recs) == 1 {
		if raw := recs[0].GetString("data"); raw != "" {
			_ = json.Unmarshal([]byte(raw), &s)
		}
	}
	return s
}

// Validate checks every setting against the range an assessor accepts; the
// error names the first bad field.
func (s *Settings) Validate() *api.Error {
	ranges := []struct {
		field    string
		v        int
		min, max int
	}{
		{"lockout_attempts", s.LockoutAttempts, 3, 10},
		{"lockout_minutes", s.LockoutMinutes, 5, 1440},
		{"password_min_length", s.PasswordMinLength, 8, 64},
		{"password_classes", s.PasswordClasses, 0, 4},
		{"password_max_age_days", s.PasswordMaxAge, 0, 365},
		{"idle_minutes", s.IdleMinutes, 5, 120},
		{"absolute_hours", s.AbsoluteHours, 1, 24},
		{"logins_per_second_per_ip", s.LoginsPerSecondPerIP, 10, 10000},
	}
	for _, r := range ranges {
		if r.v < r.min || r.v > r.max {
			return api.BadField(r.field, "out_of_range", fmt.Sprintf("%s 应在 %d 到 %d 之间", r.field, r.min, r.max))
		}
	}
	for i, c := range s.TrustedIPs {
		c = strings.TrimSpace(c)
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return api.BadField("trusted_ips", "invalid_cidr", fmt.Sprintf("第 %d 项 %q 不是有效的 CIDR（如 10.0.0.0/8）", i+1, c))
		}
		s.TrustedIPs[i] = p.Masked().String()
	}
	for _, role := range s.TOTPRoles {
		if !slices.Contains(migrations.Roles, role) {
			return api.BadField("totp_roles", "unknown_role", "未知角色："+role)
		}
	}
	known := DefaultSettings().Retention
	for class, days := range s.Retention {
		if _, ok := known[class]; !ok {
			return api.BadField("retention_days", "unknown_class", "未知的数据类别："+class)
		}
		if days < 1 || days > 36500 {
			return api.BadField("retention_days", "out_of_range", class+" 的保存天数应在 1 到 36500 之间")
		}
	}
	for typ, mb := range s.FileMaxMB {
		if !slices.Contains(FileTypes, typ) {
			return api.BadField("file_max_mb", "unknown_type", "未知的文件类型："+typ)
		}
		if mb < 1 || mb > MaxFileMB {
			return api.BadField("file_max_mb", "out_of_range", fmt.Sprintf("%s 文件的大小上限应在 1 到 %d MB 之间", typ, MaxFileMB))
		}
	}
	for scope, level := range s.CaseReviewLevels {
		if !slices.Contains(migrations.CaseScopes, scope) {
			return api.BadField("case_review_levels", "unknown_scope", "未知的案例可见范围："+scope)
		}
		if !slices.Contains(UnitLevels, level) {
			return api.BadField("case_review_levels", "unknown_level", scope+" 的审核级别应为 province、city、county 或 township")
		}
	}
	if s.Retention["audit"] < 180 {
		return api.BadField("retention_days", "out_of_range", "审计日志至少保存 180 天")
	}
	return nil
}

// HandleGetSettings answers GET /api/gov/admin/security.
func (a *Auth) HandleGetSettings(e *core.RequestEvent) error {
	if _, err := a.app.Require(e, "read", "security_settings"); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, a.sessions.Settings.Get(e.App))
}

// HandleSaveSettings answers PUT /api/gov/admin/security: the body's fields
// replace the current ones (absent fields keep their value).
func (a *Auth) HandleSaveSettings(e *core.RequestEvent) error {
	s, err := a.app.Require(e, "manage", "security_settings")
	if err != nil {
		return err
	}
	before := ReadSettings(e.App)
	next := ReadSettings(e.App)
	next.Retention = nil // a given map replaces the whole map
	if err := api.DecodeJSON(e, &next); err != nil {
		return err
	}
	if next.Retention == nil {
		next.Retention = before.Retention
	}
	if next.TrustedIPs == nil {
		next.TrustedIPs = []string{}
	}
	if verr := next.Validate(); verr != nil {
		return verr
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return err
	}
	_, err = a.app.ApplyAs(e, "security.settings", func(tx core.App, c *api.Change) error {
		recs, err := tx.FindRecordsByFilter("security_settings", "", "-updated", 1, 0)
		if err != nil {
			return err
		}
		var rec *core.Record
		if len(recs) == 1 {
			rec = recs[0]
		} else {
			col, err := tx.FindCachedCollectionByNameOrId("security_settings")
			if err != nil {
				return err
			}
			rec = core.NewRecord(col)
		}
		rec.Set("data", string(raw))
		rec.Set("updated_by", s.ID)
		if err := tx.Save(rec); err != nil {
			return err
		}
		c.Object, c.Before, c.After = "security_settings/"+rec.Id, before, next
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, a.sessions.Settings.Get(e.App))
}
