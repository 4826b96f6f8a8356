package training

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/notify"
	"govcollab/migrations"
)

// certificateInput is the body of POST /api/gov/training/certificates: an
// external certificate (外部培训证书) a person asks to have credited.
type certificateInput struct {
	Title    string   `json:"title"`
	Issuer   string   `json:"issuer"`
	Hours    float64  `json:"hours"`
	Category string   `json:"category"`
	Year     int      `json:"year"`
	Note     string   `json:"note"`
	Files    []string `json:"files"`
}

// HandleCertificate is POST /api/gov/training/certificates: the caller's
// certificate with its scan (their pending uploads), recorded as a pending
// credit that hr of their unit's chain approves or rejects. → 201 the
// credit.
func (m *Module) HandleCertificate(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "read", "training_credit") // those who keep a ledger (三员 do not)
	if err != nil {
		return err
	}
	var in certificateInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Title, in.Issuer = strings.TrimSpace(in.Title), strings.TrimSpace(in.Issuer)
	if in.Year == 0 {
		in.Year = m.now().In(api.Shanghai).Year()
	}
	switch {
	case in.Title == "" || len([]rune(in.Title)) > 200:
		return api.BadField("title", "invalid", "请填写培训名称（不超过 200 字）")
	case in.Issuer == "" || len([]rune(in.Issuer)) > 200:
		return api.BadField("issuer", "invalid", "请填写发证机构（不超过 200 字）")
	case in.Hours <= 0 || in.Hours > 200:
		return api.BadField("hours", "invalid", "学时须大于 0 且不超过 200")
	case !slices.Contains(migrations.CourseCategories, in.Category):
		return api.BadField("category", "invalid", "培训类别不存在")
	case in.Year < 2000 || in.Year > 2100:
		return api.BadField("year", "invalid", "年度须在 2000–2100 之间")
	case len([]rune(in.Note)) > 1000:
		return api.BadField("note", "too_long", "说明不能超过 1000 字")
	case len(in.Files) == 0 || len(in.Files) > 5:
		return api.BadField("files", "required", "请上传 1–5 个证书扫描件")
	}
	var out LedgerRow
	_, err = m.app.ApplyAs(e, "training.certificate", func(tx core.App, c *api.Change) error {
		r, err := m.Credit(tx, CreditInput{User: s.ID, Source: "external", Category: in.Category, Title: in.Title,
			Issuer: in.Issuer, Hours: in.Hours, Year: in.Year, EarnedAt: m.now(), Note: in.Note, Status: "pending"})
		if err != nil {
			return err
		}
		files, err := m.files.Set(tx, s.ID, "files", in.Files, "training_credit", r.Id)
		if err != nil {
			return err
		}
		r.Set("certificate", files[0].ID)
		if err := tx.Save(r); err != nil {
			return err
		}
		out = ledgerRow(api.NewNames(tx), r)
		c.Object, c.After = CreditsTable+"/"+r.Id, out
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, out)
}

// decisionInput is the body of approve and reject.
type decisionInput struct {
	Note string `json:"note"`
}

// HandleApproveCertificate is POST /api/gov/training/certificates/{id}/approve:
// hr of the person's unit chain credits the hours (into their standing).
func (m *Module) HandleApproveCertificate(e *core.RequestEvent) error {
	return m.decide(e, true)
}

// HandleRejectCertificate is POST /api/gov/training/certificates/{id}/reject
// {note}: the reason is required and goes to the person.
func (m *Module) HandleRejectCertificate(e *core.RequestEvent) error {
	return m.decide(e, false)
}

func (m *Module) decide(e *core.RequestEvent, approve bool) error {
	s, r, err := api.View(m.app, e, "training_credit", "approve", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	var in decisionInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Note = strings.TrimSpace(in.Note)
	if !approve && in.Note == "" {
		return api.BadField("note", "required", "请填写退回理由")
	}
	if len([]rune(in.Note)) > 1000 {
		return api.BadField("note", "too_long", "说明不能超过 1000 字")
	}
	action, status, title := "training.certificate.approve", "approved", "外部培训学时已认定："
	if !approve {
		action, status, title = "training.certificate.reject", "rejected", "外部培训学时未予认定："
	}
	var out LedgerRow
	_, err = m.app.ApplyAs(e, action, func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(CreditsTable, r.Id)
		if err != nil {
			return api.NotFound()
		}
		if fresh.GetString("source") != "external" || fresh.GetString("status") != "pending" {
			return api.Conflict("该学时申请已处理")
		}
		before := ledgerRow(api.NewNames(tx), fresh)
		fresh.Set("status", status)
		fresh.Set("decided_by", s.ID)
		if in.Note != "" {
			fresh.Set("note", in.Note)
		}
		if err := tx.Save(fresh); err != nil {
			return err
		}
		if approve {
			if err := m.addTotal(tx, fresh, 1); err != nil {
				return err
			}
		}
		body := fresh.GetString("title")
		if in.Note != "" {
			body += "：" + in.Note
		}
		if err := notify.Send(tx, []string{fresh.GetString("user")}, notify.Note{Kind: "training.certificate",
			Title: title + fresh.GetString("title"), Body: body, Link: "#/training/me"}); err != nil {
			return err
		}
		out = ledgerRow(api.NewNames(tx), fresh)
		c.Object, c.Before, c.After = CreditsTable+"/"+fresh.Id, before, out
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// ledgerRow is a credit as the ledger shows it.
func ledgerRow(nm *api.Names, r *core.Record) LedgerRow {
	return LedgerRow{ID: r.Id, User: r.GetString("user"), UserName: nm.Of("users", r.GetString("user")),
		UnitName: nm.Of("units", r.GetString("unit")), Year: r.GetInt("year"), Hours: r.GetFloat("hours"),
		Category: r.GetString("category"), Source: r.GetString("source"), Status: r.GetString("status"),
		Title: r.GetString("title"), Course: r.GetString("course"), EarnedAt: r.GetString("earned_at")}
}

// Completion is a credit as its certificate of completion (结业证书) shows it.
type Completion struct {
	LedgerRow
	Issuer string `json:"issuer"` // the course's organizing unit, or the external certificate's issuer
	Serial string `json:"serial"` // printed on the certificate: year and the credit's id
	// Files are an external certificate's scans, for the person and those
	// who review it.
	Files []files.Info `json:"files"`
}

// HandleCredit is GET /api/gov/training/credits/{id}: one credit the caller
// may read, as its certificate of completion shows it.
func (m *Module) HandleCredit(e *core.RequestEvent) error {
	_, r, err := api.View(m.app, e, "training_credit", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	out := Completion{LedgerRow: ledgerRow(api.NewNames(e.App), r), Issuer: r.GetString("issuer"),
		Serial: fmt.Sprintf("%d-%s", r.GetInt("year"), strings.ToUpper(r.Id)), Files: []files.Info{}}
	if r.GetString("source") == "external" {
		if out.Files, err = m.files.List(e.App, "training_credit", r.Id); err != nil {
			return err
		}
	}
	if c := r.GetString("course"); c != "" {
		if course, err := e.App.FindRecordById(CoursesTable, c); err == nil {
			out.Issuer = api.NewNames(e.App).Of("units", course.GetString("unit"))
		}
	}
	return e.JSON(http.StatusOK, out)
}
