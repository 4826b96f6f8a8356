package org

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// UnitView is a unit as the API shows it.
type UnitView struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Short  string `json:"short"`
	Level  string `json:"level"`
	Kind   string `json:"kind"`
	System string `json:"system"`
	Parent string `json:"parent"`
	Path   string `json:"path"`
	Sort   int    `json:"sort"`
	Active bool   `json:"active"`
}

func unitView(r *core.Record) UnitView {
	return UnitView{
		ID: r.Id, Name: r.GetString("name"), Short: r.GetString("short"), Level: r.GetString("level"),
		Kind: r.GetString("kind"), System: r.GetString("system"), Parent: r.GetString("parent"),
		Path: r.GetString("path"), Sort: r.GetInt("sort"), Active: r.GetBool("active"),
	}
}

// UnitInput is what an administrator gives to create or edit a unit.
type UnitInput struct {
	Name   *string `json:"name"`
	Short  *string `json:"short"`
	Level  *string `json:"level"`
	Kind   *string `json:"kind"`
	System *string `json:"system"`
	Parent *string `json:"parent"`
	Sort   *int    `json:"sort"`
}

var systemCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// SegmentWidth is the digits per level in a unit path ("/0001/0003/"): up
// to 9999 children per parent.
const SegmentWidth = 4

func str(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// CreateUnit validates in and stores a new active unit under its parent.
func CreateUnit(tx core.App, in UnitInput) (*core.Record, error) {
	name, level, kind := str(in.Name), str(in.Level), str(in.Kind)
	if name == "" {
		return nil, api.BadField("name", "required", "单位名称不能为空")
	}
	if len([]rune(name)) > 100 {
		return nil, api.BadField("name", "too_long", "单位名称不能超过 100 个字")
	}
	if !slices.Contains(Levels, level) {
		return nil, api.BadField("level", "invalid", "层级应为 province、city、county 或 township")
	}
	if !slices.Contains(Kinds, kind) {
		return nil, api.BadField("kind", "invalid", "类别应为 government、office 或 department")
	}
	if err := checkShortAndSystem(str(in.Short), str(in.System)); err != nil {
		return nil, err
	}
	parentID := str(in.Parent)
	var parent *core.Record
	if parentID != "" {
		p, err := activeUnit(tx, parentID, "parent", "上级单位不存在或已停用")
		if err != nil {
			return nil, err
		}
		parent = p
		if levelIndex(level) < levelIndex(p.GetString("level")) {
			return nil, api.BadField("level", "above_parent", "下级单位的层级不能高于上级单位")
		}
	}
	if err := uniqueSiblingName(tx, parentID, name, ""); err != nil {
		return nil, err
	}
	path, err := nextChildPath(tx, parent)
	if err != nil {
		return nil, err
	}
	col, err := tx.FindCachedCollectionByNameOrId("units")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(col)
	r.Set("name", name)
	r.Set("short", str(in.Short))
	r.Set("level", level)
	r.Set("kind", kind)
	r.Set("system", str(in.System))
	r.Set("parent", parentID)
	r.Set("path", path)
	if in.Sort != nil {
		r.Set("sort", *in.Sort)
	}
	r.Set("active", true)
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateUnit renames a unit or changes its short code, system or order.
// Level, kind and parent do not change here (parent: MoveUnit).
func UpdateUnit(tx core.App, id string, in UnitInput) (*core.Record, error) {
	r, err := tx.FindRecordById("units", id)
	if err != nil {
		return nil, api.NotFound()
	}
	if in.Level != nil || in.Kind != nil || in.Parent != nil {
		field := "level"
		if in.Kind != nil {
			field = "kind"
		}
		if in.Parent != nil {
			field = "parent"
		}
		return nil, api.BadField(field, "immutable", "此处不能修改层级、类别或上级单位（调整上级请用“移动”）")
	}
	if in.Name != nil {
		name := str(in.Name)
		if name == "" {
			return nil, api.BadField("name", "required", "单位名称不能为空")
		}
		if len([]rune(name)) > 100 {
			return nil, api.BadField("name", "too_long", "单位名称不能超过 100 个字")
		}
		if err := uniqueSiblingName(tx, r.GetString("parent"), name, r.Id); err != nil {
			return nil, err
		}
		r.Set("name", name)
	}
	short, system := r.GetString("short"), r.GetString("system")
	if in.Short != nil {
		short = str(in.Short)
	}
	if in.System != nil {
		system = str(in.System)
	}
	if err := checkShortAndSystem(short, system); err != nil {
		return nil, err
	}
	r.Set("short", short)
	r.Set("system", system)
	if in.Sort != nil {
		r.Set("sort", *in.Sort)
	}
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}

func checkShortAndSystem(short, system string) error {
	if len([]rune(short)) > 20 {
		return api.BadField("short", "too_long", "代字不能超过 20 个字")
	}
	if system != "" && !systemCode.MatchString(system) {
		return api.BadField("system", "invalid", "条线代码应为小写字母开头的字母、数字或下划线")
	}
	return nil
}

func activeUnit(tx core.App, id, field, msg string) (*core.Record, error) {
	r, err := tx.FindRecordById("units", id)
	if err != nil || !r.GetBool("active") {
		return nil, api.BadField(field, "not_found", msg)
	}
	return r, nil
}

func uniqueSiblingName(tx core.App, parent, name, exceptID string) error {
	var n int
	err := tx.DB().NewQuery("SELECT COUNT(*) FROM units WHERE parent = {:p} AND name = {:n} AND id != {:x}").
		Bind(dbx.Params{"p": parent, "n": name, "x": exceptID}).Row(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return api.BadField("name", "duplicate", "同一上级单位下已有同名单位")
	}
	return nil
}

// nextChildPath allocates the path of a new child of parent (nil: a root).
func nextChildPath(tx core.App, parent *core.Record) (string, error) {
	prefix, parentID := "/", ""
	if parent != nil {
		prefix, parentID = parent.GetString("path"), parent.Id
	}
	var last string
	err := tx.DB().NewQuery(`SELECT path FROM units WHERE path >= {:lo} AND path < {:hi}
		AND length(path) = {:len} ORDER BY path DESC LIMIT 1`).
		Bind(dbx.Params{"lo": prefix, "hi": policies.PathUpperBound(prefix), "len": len(prefix) + SegmentWidth + 1}).
		Row(&last)
	n := 1
	if err == nil && last != "" {
		seg := strings.TrimSuffix(last[len(prefix):], "/")
		k, convErr := strconv.Atoi(seg)
		if convErr != nil {
			return "", fmt.Errorf("org: bad path %q under %q", last, parentID)
		}
		n = k + 1
	}
	if n > 9999 {
		return "", api.BadField("parent", "too_many_children", "该上级单位的下级单位已达上限")
	}
	return fmt.Sprintf("%s%0*d/", prefix, SegmentWidth, n), nil
}

// MoveUnit puts a unit (and its whole subtree) under newParent, re-pathing
// the units and every guarded record that carries a unit path, in tx.
func MoveUnit(tx core.App, types []*policies.ObjectType, id, newParentID string,
	repathed ...func(tx core.App, table, column, path string) error) (before, after UnitView, err error) {
	r, err := tx.FindRecordById("units", id)
	if err != nil {
		return before, after, api.NotFound()
	}
	before = unitView(r)
	if strings.TrimSpace(newParentID) == "" {
		return before, after, api.BadField("parent", "required", "请选择新的上级单位")
	}
	p, err := activeUnit(tx, newParentID, "parent", "新的上级单位不存在或已停用")
	if err != nil {
		return before, after, err
	}
	oldPath := r.GetString("path")
	if strings.HasPrefix(p.GetString("path"), oldPath) {
		return before, after, api.BadField("parent", "cycle", "不能把单位移到它自己或它的下级单位之下")
	}
	if p.Id == r.GetString("parent") {
		return before, after, api.BadField("parent", "unchanged", "该单位已在此上级单位之下")
	}
	if levelIndex(r.GetString("level")) < levelIndex(p.GetString("level")) {
		return before, after, api.BadField("parent", "above_parent", "下级单位的层级不能高于上级单位")
	}
	if err := uniqueSiblingName(tx, p.Id, r.GetString("name"), r.Id); err != nil {
		return before, after, err
	}
	newPath, err := nextChildPath(tx, p)
	if err != nil {
		return before, after, err
	}
	for _, t := range types {
		if t.UnitPath == "" {
			continue
		}
		if err := rePath(tx, t.Table, t.UnitPath, oldPath, newPath); err != nil {
			return before, after, err
		}
		for _, f := range repathed {
			if err := f(tx, t.Table, t.UnitPath, newPath); err != nil {
				return before, after, err
			}
		}
	}
	if _, err := tx.DB().Update("units", dbx.Params{"parent": p.Id}, dbx.HashExp{"id": r.Id}).Execute(); err != nil {
		return before, after, err
	}
	moved, err := tx.FindRecordById("units", id)
	if err != nil {
		return before, after, err
	}
	return before, unitView(moved), nil
}

func rePath(tx core.App, table, column, oldPath, newPath string) error {
	_, err := tx.DB().NewQuery(fmt.Sprintf(
		"UPDATE [[%s]] SET [[%s]] = {:new} || substr([[%s]], {:cut}) WHERE [[%s]] >= {:old} AND [[%s]] < {:bound}",
		table, column, column, column, column)).
		Bind(dbx.Params{"new": newPath, "cut": len(oldPath) + 1, "old": oldPath, "bound": policies.PathUpperBound(oldPath)}).
		Execute()
	if err != nil {
		return fmt.Errorf("org: re-path %s: %w", table, err)
	}
	return nil
}

// SetUnitActive deactivates or re-activates a unit. A unit with active
// children or active staff cannot be deactivated; a unit under an inactive
// parent cannot be re-activated.
func SetUnitActive(tx core.App, id string, active bool) (*core.Record, error) {
	r, err := tx.FindRecordById("units", id)
	if err != nil {
		return nil, api.NotFound()
	}
	if r.GetBool("active") == active {
		return r, nil
	}
	if !active {
		var children, people int
		if err := tx.DB().NewQuery("SELECT COUNT(*) FROM units WHERE parent = {:id} AND active = TRUE").
			Bind(dbx.Params{"id": id}).Row(&children); err != nil {
			return nil, err
		}
		if children > 0 {
			return nil, api.BadField("id", "has_children", fmt.Sprintf("该单位还有 %d 个在用的下级单位，请先停用或移走", children))
		}
		if err := tx.DB().NewQuery("SELECT COUNT(*) FROM users WHERE unit = {:id} AND active = TRUE").
			Bind(dbx.Params{"id": id}).Row(&people); err != nil {
			return nil, err
		}
		if people > 0 {
			return nil, api.BadField("id", "has_users", fmt.Sprintf("该单位还有 %d 名在用账号，请先调出或停用", people))
		}
	} else if parent := r.GetString("parent"); parent != "" {
		if _, err := activeUnit(tx, parent, "parent", "上级单位已停用，请先启用上级单位"); err != nil {
			return nil, err
		}
	}
	r.Set("active", active)
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}
