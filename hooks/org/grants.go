package org

import (
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
)

// GrantView is an extra role held at another unit.
type GrantView struct {
	ID      string `json:"id"`
	User    string `json:"user"`
	Unit    string `json:"unit"`
	Role    string `json:"role"`
	Kind    string `json:"kind"`
	Starts  string `json:"starts"`
	Ends    string `json:"ends"`
	Note    string `json:"note"`
	Revoked bool   `json:"revoked"`
}

func grantView(r *core.Record) GrantView {
	return GrantView{
		ID: r.Id, User: r.GetString("user"), Unit: r.GetString("unit"), Role: r.GetString("role"),
		Kind: r.GetString("kind"), Starts: r.GetString("starts"), Ends: r.GetString("ends"),
		Note: r.GetString("note"), Revoked: r.GetBool("revoked"),
	}
}

// GrantKinds: 兼职, 挂职, 代理.
var GrantKinds = []string{"concurrent", "secondment", "acting"}

// GrantInput is what secadmin gives to create a grant.
type GrantInput struct {
	User   string `json:"user"`
	Unit   string `json:"unit"`
	Role   string `json:"role"`
	Kind   string `json:"kind"`
	Starts string `json:"starts"`
	Ends   string `json:"ends"`
	Note   string `json:"note"`
}

// CreateGrant validates and stores a grant. Grants carry business roles
// only: 三员 are held by dedicated accounts, never lent.
func CreateGrant(tx core.App, actorID string, in GrantInput, now time.Time) (*core.Record, error) {
	in.User, in.Unit, in.Role, in.Kind = strings.TrimSpace(in.User), strings.TrimSpace(in.Unit), strings.TrimSpace(in.Role), strings.TrimSpace(in.Kind)
	if in.User == "" {
		return nil, api.BadField("user", "required", "请选择人员")
	}
	user, err := tx.FindRecordById("users", in.User)
	if err != nil || !user.GetBool("active") {
		return nil, api.BadField("user", "not_found", "人员不存在或账号已停用")
	}
	if in.User == actorID {
		return nil, api.BadField("user", "self", "不能给自己授权")
	}
	if hasAdmin(user.GetStringSlice("roles")) {
		return nil, api.BadField("user", "separation_of_duties", "三员账号不能兼任业务角色")
	}
	if in.Unit == "" {
		return nil, api.BadField("unit", "required", "请选择授权单位")
	}
	if _, err := activeUnit(tx, in.Unit, "unit", "授权单位不存在或已停用"); err != nil {
		return nil, err
	}
	if !slices.Contains(Roles, in.Role) {
		return nil, api.BadField("role", "unknown_role", "未知角色："+in.Role)
	}
	if slices.Contains(SeparatedAdmins, in.Role) {
		return nil, api.BadField("role", "separation_of_duties", "三员角色不能通过兼职授权取得")
	}
	if !slices.Contains(GrantKinds, in.Kind) {
		return nil, api.BadField("kind", "invalid", "授权类型应为 concurrent（兼职）、secondment（挂职）或 acting（代理）")
	}
	starts, err := parseGrantDate(in.Starts, "starts", now)
	if err != nil {
		return nil, err
	}
	if in.Ends == "" {
		return nil, api.BadField("ends", "required", "请填写授权截止日期")
	}
	ends, err := parseGrantDate(in.Ends, "ends", now)
	if err != nil {
		return nil, err
	}
	if !ends.After(starts) {
		return nil, api.BadField("ends", "before_start", "截止日期应晚于开始日期")
	}
	if !ends.After(now) {
		return nil, api.BadField("ends", "in_past", "截止日期已过")
	}
	if len([]rune(in.Note)) > 500 {
		return nil, api.BadField("note", "too_long", "备注不能超过 500 个字")
	}
	col, err := tx.FindCachedCollectionByNameOrId("grants")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(col)
	r.Set("user", in.User)
	r.Set("unit", in.Unit)
	r.Set("role", in.Role)
	r.Set("kind", in.Kind)
	r.Set("starts", starts)
	r.Set("ends", ends)
	r.Set("note", strings.TrimSpace(in.Note))
	r.Set("created_by", actorID)
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}

// parseGrantDate reads RFC 3339 or a day (the day's start in Asia/Shanghai);
// empty means now.
func parseGrantDate(raw, field string, now time.Time) (time.Time, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", raw, api.Shanghai); err == nil {
		return t, nil
	}
	return time.Time{}, api.BadField(field, "invalid_date", "日期格式应为 2026-11-23 或 RFC 3339")
}

// RevokeGrant ends a grant at once.
func RevokeGrant(tx core.App, id string) (*core.Record, error) {
	r, err := tx.FindRecordById("grants", id)
	if err != nil {
		return nil, api.NotFound()
	}
	r.Set("revoked", true)
	if r.GetDateTime("ends").After(types.NowDateTime()) {
		r.Set("ends", types.NowDateTime())
	}
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}
