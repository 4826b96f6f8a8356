package training

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/notify"
)

// nextStatus lists the moves of a course's life: a draft is published or
// dropped; a published course closes (no more enrolment, check-in and
// quizzes go on) or is cancelled; closed and cancelled are final.
var nextStatus = map[string][]string{
	"draft":     {"published", "cancelled"},
	"published": {"closed", "cancelled"},
}

// HandleStatus is POST /api/gov/courses/{id}/status {status, reason}: those
// who manage the course move it on; a cancellation tells everyone enrolled
// or waitlisted, with the reason (required).
func (m *Module) HandleStatus(e *core.RequestEvent) error {
	s, course, err := m.managed(e)
	if err != nil {
		return err
	}
	var in struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if !slices.Contains([]string{"published", "closed", "cancelled"}, in.Status) {
		return api.BadField("status", "invalid", "状态须为 published、closed 或 cancelled")
	}
	if in.Status == "cancelled" && (in.Reason == "" || len([]rune(in.Reason)) > 500) {
		return api.BadField("reason", "required", "请说明取消课程的原因（不超过 500 字）")
	}
	_, err = m.app.ApplyAs(e, "course.status", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(CoursesTable, course.Id)
		if err != nil {
			return err
		}
		was := fresh.GetString("status")
		if !slices.Contains(nextStatus[was], in.Status) {
			return api.Conflict("课程当前状态不能改为该状态")
		}
		fresh.Set("status", in.Status)
		if err := tx.Save(fresh); err != nil {
			return err
		}
		c.Object = CoursesTable + "/" + course.Id
		c.Before, c.After = map[string]any{"status": was}, map[string]any{"status": in.Status, "reason": in.Reason}
		if in.Status != "cancelled" {
			return nil
		}
		var users []string
		if err := tx.DB().Select("user").From(EnrollTable).Where(dbx.And(dbx.HashExp{"course": course.Id},
			dbx.In("status", "enrolled", "waitlisted"))).Column(&users); err != nil || len(users) == 0 {
			return err
		}
		return notify.Send(tx, users, notify.Note{Kind: "course.cancelled", Title: "课程已取消：" + fresh.GetString("title"),
			Body: in.Reason, Link: link(course.Id)})
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, course.Id, http.StatusOK)
}
