package policies

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var builtinPolicy string

// BuiltinPolicy is the policy shipped with the binary.
func BuiltinPolicy() string { return builtinPolicy }

// PolicyError names the line of a policy that was refused.
type PolicyError struct {
	Line    int
	Message string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("第 %d 行：%s", e.Line, e.Message)
}

// compiled is an immutable, validated policy: the Casbin enforcer that holds
// it and, per (role, object, action), the rows that apply to that role.
type compiled struct {
	csv      string
	enforcer *casbin.Enforcer
	rules    map[ruleKey][]Rule
	lines    map[string]int // row key → line, to name rows in reasons
}

type ruleKey struct{ role, obj, act string }

// compile parses and validates csv against the known roles and object types.
// Nothing is returned unless every line is valid.
func compile(csv string, roles []string, types map[string]*ObjectType) (*compiled, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("policies: model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("policies: enforcer: %w", err)
	}
	e.EnableAutoSave(false)

	c := &compiled{csv: csv, enforcer: e, lines: map[string]int{}}
	rows := 0
	for i, raw := range strings.Split(csv, "\n") {
		line := i + 1
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, ",")
		for k := range fields {
			fields[k] = strings.TrimSpace(fields[k])
		}
		switch fields[0] {
		case "p":
			if err := checkPolicyRow(fields[1:], roles, types); err != nil {
				return nil, &PolicyError{Line: line, Message: err.Error()}
			}
			key := strings.Join(fields[1:], ",")
			if _, dup := c.lines[key]; dup {
				return nil, &PolicyError{Line: line, Message: "与前面的规则重复"}
			}
			c.lines[key] = line
			if _, err := e.AddPolicy(toAny(fields[1:])...); err != nil {
				return nil, &PolicyError{Line: line, Message: err.Error()}
			}
		case "g":
			if len(fields) != 3 {
				return nil, &PolicyError{Line: line, Message: "角色继承行应为：g, 角色, 被继承角色"}
			}
			for _, r := range fields[1:] {
				if !slices.Contains(roles, r) {
					return nil, &PolicyError{Line: line, Message: fmt.Sprintf("未知角色 %q", r)}
				}
			}
			if fields[1] == fields[2] {
				return nil, &PolicyError{Line: line, Message: "角色不能继承自身"}
			}
			added, err := e.AddGroupingPolicy(fields[1], fields[2])
			if err != nil {
				return nil, &PolicyError{Line: line, Message: err.Error()}
			}
			if !added {
				return nil, &PolicyError{Line: line, Message: "与前面的继承行重复"}
			}
			if cyclic(e, fields[1]) {
				return nil, &PolicyError{Line: line, Message: "角色继承形成循环"}
			}
		default:
			return nil, &PolicyError{Line: line, Message: fmt.Sprintf("未知的行类型 %q（应为 p 或 g）", fields[0])}
		}
		rows++
	}
	if rows == 0 {
		return nil, &PolicyError{Line: 1, Message: "策略为空"}
	}
	if err := c.buildRules(roles, types); err != nil {
		return nil, err
	}
	return c, nil
}

func checkPolicyRow(f []string, roles []string, types map[string]*ObjectType) error {
	if len(f) != 6 {
		return fmt.Errorf("规则行应为：p, 角色, 对象, 操作, 范围, 条件, 效果（共 7 项），实际 %d 项", len(f)+1)
	}
	role, obj, act, scope, cond, eft := f[0], f[1], f[2], Scope(f[3]), f[4], f[5]
	if !slices.Contains(roles, role) {
		return fmt.Errorf("未知角色 %q", role)
	}
	var objTypes []*ObjectType
	if obj == "*" {
		for _, t := range types {
			objTypes = append(objTypes, t)
		}
	} else if t, ok := types[obj]; ok {
		objTypes = []*ObjectType{t}
	} else {
		return fmt.Errorf("未知对象类型 %q", obj)
	}
	if !slices.Contains(allScopes, scope) {
		return fmt.Errorf("未知范围 %q（可用：own, unit, subtree, served, system, audience, participant, all）", scope)
	}
	if eft != "allow" && eft != "deny" {
		return fmt.Errorf("效果应为 allow 或 deny，实际为 %q", eft)
	}
	parsed, err := parseCond(cond)
	if err != nil {
		return err
	}
	applies := false // a "*" row must reach at least one type, or it is a typo
	for _, t := range objTypes {
		if act != "*" && !slices.Contains(t.Actions, act) {
			if obj == "*" {
				continue
			}
			return fmt.Errorf("对象 %q 没有操作 %q（可用：%s）", t.Name, act, strings.Join(t.Actions, ", "))
		}
		applies = true
		if !t.supports(scope) {
			return fmt.Errorf("对象 %q 不支持范围 %q", t.Name, scope)
		}
		if parsed.Field != "" && !slices.Contains(t.CondFields, parsed.Field) {
			return fmt.Errorf("对象 %q 的条件不能使用字段 %q", t.Name, parsed.Field)
		}
	}
	if !applies {
		return fmt.Errorf("没有任何对象有操作 %q", act)
	}
	return nil
}

func parseCond(s string) (Cond, error) {
	if s == "*" {
		return Cond{}, nil
	}
	field, vals, ok := strings.Cut(s, "=")
	field = strings.TrimSpace(field)
	if !ok || field == "" || strings.TrimSpace(vals) == "" {
		return Cond{}, fmt.Errorf("条件应为 * 或 字段=值|值，实际为 %q", s)
	}
	var values []string
	for v := range strings.SplitSeq(vals, "|") {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		// a condition no record meets would silently disable its row (a deny too)
		return Cond{}, fmt.Errorf("条件 %q 没有给出取值", s)
	}
	return Cond{Field: field, Values: values}, nil
}

// cyclic reports whether role reaches itself through g rows.
func cyclic(e *casbin.Enforcer, role string) bool {
	seen := map[string]bool{}
	var walk func(r string) bool
	walk = func(r string) bool {
		parents, _ := e.GetModel()["g"]["g"].RM.GetRoles(r)
		for _, p := range parents {
			if p == role {
				return true
			}
			if !seen[p] {
				seen[p] = true
				if walk(p) {
					return true
				}
			}
		}
		return false
	}
	return walk(role)
}

// buildRules asks Casbin for each role's implicit rows (its own and those of
// the roles it inherits) and indexes them by (role, object, action).
func (c *compiled) buildRules(roles []string, types map[string]*ObjectType) error {
	c.rules = map[ruleKey][]Rule{}
	for _, role := range roles {
		perms, err := c.enforcer.GetImplicitPermissionsForUser(role)
		if err != nil {
			return fmt.Errorf("policies: rows of %s: %w", role, err)
		}
		for _, p := range perms {
			cond, _ := parseCond(p[4])
			r := Rule{Role: p[0], Obj: p[1], Act: p[2], Scope: Scope(p[3]), Cond: cond, Deny: p[5] == "deny",
				Line: c.lines[strings.Join(p, ",")]}
			r.text = r.String()
			for _, t := range types {
				if r.Obj != "*" && r.Obj != t.Name {
					continue
				}
				for _, act := range t.Actions {
					if r.Act == "*" || r.Act == act {
						k := ruleKey{role, t.Name, act}
						c.rules[k] = append(c.rules[k], r)
					}
				}
			}
		}
	}
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
