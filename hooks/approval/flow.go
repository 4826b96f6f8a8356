package approval

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audience"
	"govcollab/hooks/org"
)

// Flow is a workflow template's definition (JSON in workflows.definition),
// copied into each document when it is submitted.
type Flow struct {
	Steps []Step `json:"steps"`
}

// Step is one stage of a flow: who acts (slots), in which order, when it is
// complete, whether it applies, its deadline and whether completing it is
// the 签发 that numbers the document.
type Step struct {
	Name      string     `json:"name"`
	Assignees []Assignee `json:"assignees"`
	// Order among the assignees: sequential (one after another, all must
	// act) or parallel (会签, complete per Complete).
	Order    string `json:"order"`
	Complete string `json:"complete"` // all | any | n
	N        int    `json:"n"`
	// When limits the step to documents whose field holds one of Values.
	When *Condition `json:"when,omitempty"`
	// DeadlineDays is the time allowed, in working days (0: none).
	DeadlineDays int  `json:"deadline_days"`
	Sign         bool `json:"sign"`
}

// Assignee is one slot of a step: a role at a unit, or named users (each
// user their own slot). Unit is a unit id or one of the relative units
// "$drafter" (the drafter's unit) and "$served" (the government an office
// serves; the drafter's unit elsewhere).
type Assignee struct {
	Role  string   `json:"role,omitempty"`
	Unit  string   `json:"unit,omitempty"`
	Users []string `json:"users,omitempty"`
}

// Condition tests a document field.
type Condition struct {
	Field  string   `json:"field"`
	Values []string `json:"values"`
}

// Field values a condition may test.
var conditionFields = []string{"type", "urgency", "classification"}

var stepRoles = []string{"staff", "leader", "reviewer", "clerk", "trainer", "hr"}

const (
	maxSteps     = 30
	maxAssignees = 50
)

// slots lists a step's slots in order (named users one slot each).
func (s Step) slots() []Assignee {
	var out []Assignee
	for _, a := range s.Assignees {
		if len(a.Users) > 0 {
			for _, u := range a.Users {
				out = append(out, Assignee{Users: []string{u}})
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

// applies says whether the step is part of this document's way.
func (s Step) applies(doc *core.Record) bool {
	if s.When == nil || s.When.Field == "" {
		return true
	}
	return slices.Contains(s.When.Values, doc.GetString(s.When.Field))
}

// ParseFlow reads and validates a definition against the data: every
// problem is a 400 naming its place, e.g. definition.steps[2].assignees[0].unit.
func ParseFlow(app core.App, raw json.RawMessage, docType string) (*Flow, error) {
	var f Flow
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, api.BadField("definition", "invalid_json", "流程定义不是有效的 JSON："+err.Error())
	}
	if err := f.validate(app, docType); err != nil {
		return nil, err
	}
	return &f, nil
}

func (f *Flow) validate(app core.App, docType string) error {
	if len(f.Steps) == 0 {
		return api.BadField("definition.steps", "required", "流程至少需要一个步骤")
	}
	if len(f.Steps) > maxSteps {
		return api.BadField("definition.steps", "too_many", fmt.Sprintf("流程最多 %d 个步骤", maxSteps))
	}
	signs := 0
	for i := range f.Steps {
		s := &f.Steps[i]
		at := fmt.Sprintf("definition.steps[%d]", i)
		s.Name = strings.TrimSpace(s.Name)
		if s.Name == "" || utf8.RuneCountInString(s.Name) > 50 {
			return api.BadField(at+".name", "invalid", fmt.Sprintf("第 %d 步需要名称（不超过 50 字）", i+1))
		}
		if len(s.Assignees) == 0 {
			return api.BadField(at+".assignees", "required", fmt.Sprintf("第 %d 步「%s」需要办理人", i+1, s.Name))
		}
		if len(s.Assignees) > maxAssignees {
			return api.BadField(at+".assignees", "too_many", fmt.Sprintf("每步最多 %d 个办理人", maxAssignees))
		}
		for j, a := range s.Assignees {
			if err := validateAssignee(app, a, fmt.Sprintf("%s.assignees[%d]", at, j), i, s.Name); err != nil {
				return err
			}
		}
		if s.Order == "" {
			s.Order = "sequential"
		}
		if s.Complete == "" {
			s.Complete = "all"
		}
		switch s.Order {
		case "sequential":
			if s.Complete != "all" {
				return api.BadField(at+".complete", "invalid", fmt.Sprintf("第 %d 步「%s」依次办理时须全部办理（complete=all）", i+1, s.Name))
			}
		case "parallel":
		default:
			return api.BadField(at+".order", "invalid", "办理顺序须为 sequential（依次）或 parallel（会签）")
		}
		n := len(s.slots())
		switch s.Complete {
		case "all", "any":
		case "n":
			if s.N < 1 || s.N > n {
				return api.BadField(at+".n", "invalid", fmt.Sprintf("第 %d 步「%s」至少办理人数须在 1 到 %d 之间", i+1, s.Name, n))
			}
		default:
			return api.BadField(at+".complete", "invalid", "完成方式须为 all（全部）、any（任一）或 n（至少 N 人）")
		}
		if s.When != nil {
			if !slices.Contains(conditionFields, s.When.Field) {
				return api.BadField(at+".when.field", "invalid", "条件字段须为："+strings.Join(conditionFields, "、"))
			}
			if len(s.When.Values) == 0 {
				return api.BadField(at+".when.values", "required", "条件需要取值")
			}
		}
		if s.DeadlineDays < 0 || s.DeadlineDays > 60 {
			return api.BadField(at+".deadline_days", "invalid", "办理时限须在 0 到 60 个工作日之间")
		}
		if s.Sign {
			signs++
			if s.When != nil {
				return api.BadField(at+".when", "invalid", "签发步骤不能带条件")
			}
		}
	}
	if signs > 1 {
		return api.BadField("definition.steps", "invalid", "流程只能有一个签发步骤")
	}
	if signs == 0 && needsSign(docType) {
		return api.BadField("definition.steps", "sign_required", docType+"流程须有一个签发步骤（sign: true）")
	}
	if signs == 1 && !numbered(docType) {
		return api.BadField("definition.steps", "invalid", docType+"不编文号，流程不能有签发步骤")
	}
	return nil
}

func validateAssignee(app core.App, a Assignee, at string, i int, name string) error {
	if len(a.Users) > 0 {
		if a.Role != "" || a.Unit != "" {
			return api.BadField(at, "invalid", "办理人须为「某单位的某角色」或「指定人员」之一")
		}
		var n int
		ids := make([]any, len(a.Users))
		for k, u := range a.Users {
			ids[k] = u
		}
		// active business users: the three administrators hold no documents
		if err := app.DB().Select("COUNT(*)").From("users").Where(dbx.And(dbx.In("id", ids...), dbx.HashExp{"active": true},
			org.NotAdmin())).Row(&n); err != nil {
			return err
		}
		if n != len(dedupe(a.Users)) {
			return api.BadField(at+".users", "unknown_user", fmt.Sprintf("第 %d 步「%s」指定的人员不存在、已停用或不能办理公文", i+1, name))
		}
		return nil
	}
	if !slices.Contains(stepRoles, a.Role) {
		return api.BadField(at+".role", "invalid", "角色须为："+strings.Join(stepRoles, "、"))
	}
	switch a.Unit {
	case "$drafter", "$served":
		return nil
	case "":
		return api.BadField(at+".unit", "required", fmt.Sprintf("第 %d 步「%s」需要指定单位", i+1, name))
	}
	if _, err := app.FindRecordById("units", a.Unit); err != nil {
		return api.BadField(at+".unit", "unknown_unit", fmt.Sprintf("第 %d 步「%s」的单位不存在", i+1, name))
	}
	return nil
}

// needsSign: outgoing documents (发文, 函) are signed off and numbered.
func needsSign(docType string) bool { return docType == "发文" || docType == "函" }

// numbered: the types that take a document number.
func numbered(docType string) bool {
	_, ok := typeChars[docType]
	return ok
}

// dedupe and anySlice are audience's (one definition for every module).
var (
	dedupe   = audience.Dedupe
	anySlice = audience.AnySlice
)
