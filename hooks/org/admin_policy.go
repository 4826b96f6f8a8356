package org

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// PolicyVersion is one saved edit of the policy.
type PolicyVersion struct {
	ID      string `json:"id"`
	Author  string `json:"author"`
	Note    string `json:"note"`
	Created string `json:"created"`
}

// PolicyState is GET /api/gov/admin/policy: the policy in force, the one
// shipped with the binary, and the saved versions, newest first.
type PolicyState struct {
	CSV      string          `json:"csv"`
	Builtin  string          `json:"builtin"`
	Versions []PolicyVersion `json:"versions"`
}

// policyInput is the body of PUT /api/gov/admin/policy and of
// POST /api/gov/admin/policy/validate (which ignores note).
type policyInput struct {
	CSV  string `json:"csv"`
	Note string `json:"note"`
}

// maxPolicyVersions bounds the version history in one answer.
const maxPolicyVersions = 100

// PolicyLineHeader carries the refused line number of a 400 policy_invalid
// answer, for editors that mark the line (the message says it too).
const PolicyLineHeader = "X-Policy-Line"

// HandlePolicy answers GET /api/gov/admin/policy.
func (m *Module) HandlePolicy(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "read", "policy")
	if err != nil {
		return err
	}
	out, err := m.policyState(s)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

func (m *Module) policyState(s *policies.Subject) (PolicyState, error) {
	out := PolicyState{CSV: m.app.Authz.Policy(), Builtin: policies.BuiltinPolicy(), Versions: []PolicyVersion{}}
	var recs []*core.Record
	err := m.app.RecordQuery("policy_versions").Where(m.app.Authz.Filter(s, "read", "policy")).
		OrderBy("created DESC", "id DESC").Limit(maxPolicyVersions).All(&recs)
	if err != nil {
		return out, err
	}
	for _, r := range recs {
		out.Versions = append(out.Versions, PolicyVersion{ID: r.Id, Author: r.GetString("author"),
			Note: r.GetString("note"), Created: r.GetString("created")})
	}
	return out, nil
}

// checkPolicy validates a policy text; a refused line is a 400 on csv that
// names the line (message and X-Policy-Line header).
func (m *Module) checkPolicy(e *core.RequestEvent, csv string) error {
	if strings.TrimSpace(csv) == "" {
		return api.BadField("csv", "required", "策略内容不能为空")
	}
	if len(csv) > 200000 {
		return api.BadField("csv", "too_long", "策略内容不能超过 200000 字节")
	}
	err := m.app.Authz.Validate(csv)
	var pe *policies.PolicyError
	if errors.As(err, &pe) {
		e.Response.Header().Set(PolicyLineHeader, strconv.Itoa(pe.Line))
		return api.BadField("csv", "policy_invalid", pe.Error())
	}
	return err
}

// HandleValidatePolicy answers POST /api/gov/admin/policy/validate.
func (m *Module) HandleValidatePolicy(e *core.RequestEvent) error {
	if _, err := m.app.Require(e, "manage", "policy"); err != nil {
		return err
	}
	var in policyInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if err := m.checkPolicy(e, in.CSV); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]bool{"ok": true})
}

// HandleSavePolicy answers PUT /api/gov/admin/policy: a valid policy is
// saved as a new version and put in force once that commits; an invalid one
// changes nothing.
func (m *Module) HandleSavePolicy(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "policy")
	if err != nil {
		return err
	}
	var in policyInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > 500 {
		return api.BadField("note", "too_long", "说明不能超过 500 个字")
	}
	if err := m.checkPolicy(e, in.CSV); err != nil {
		return err
	}
	if keeps, err := m.app.Authz.PermitsUnder(in.CSV, s, "manage", "policy"); err != nil || !keeps {
		return api.BadField("csv", "self_lockout", "新策略将使您失去管理策略的权限，此后将无人能再修改策略，已拒绝保存")
	}
	old := m.app.Authz.Policy()
	_, err = m.app.ApplyAs(e, "policy.update", func(tx core.App, c *api.Change) error {
		col, err := tx.FindCachedCollectionByNameOrId("policy_versions")
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		r.Set("csv", in.CSV)
		r.Set("author", s.ID)
		r.Set("note", in.Note)
		if err := tx.Save(r); err != nil {
			return err
		}
		c.Object = "policy_versions/" + r.Id
		c.Before = map[string]string{"csv": old}
		c.After = map[string]string{"csv": in.CSV, "note": in.Note}
		return nil
	})
	if err != nil {
		return err
	}
	// apply the newest stored version, not in.CSV: two saves racing end
	// with the one committed last in force
	if err := m.app.Authz.LoadStored(); err != nil {
		return err
	}
	out, err := m.policyState(s)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}
