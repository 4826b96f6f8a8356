package mailin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/security/pii"
	"govcollab/policies"
)

// Mailbox settings (收文邮箱): one per receiving office, kept by the
// office's clerks or by the system administrator — settings, not mail:
// neither the list nor a connection test shows any message.

// MailboxView is a mailbox as the API shows it: never its password.
type MailboxView struct {
	ID               string `json:"id"`
	Unit             string `json:"unit"`
	UnitName         string `json:"unit_name"`
	Name             string `json:"name"`
	Host             string `json:"host"`
	Port             int    `json:"port"`
	Security         string `json:"security"`
	Username         string `json:"username"`
	HasSecret        bool   `json:"has_secret"`
	Folder           string `json:"folder"`
	ProcessedFolder  string `json:"processed_folder"`
	QuarantineFolder string `json:"quarantine_folder"`
	Active           bool   `json:"active"`
	State            string `json:"state"`
	LastError        string `json:"last_error"`
	LastOK           string `json:"last_ok"`
	Updated          string `json:"updated"`
}

func viewOf(r *core.Record, nm *api.Names) MailboxView {
	v := MailboxView{ID: r.Id, Unit: r.GetString("unit"), Name: r.GetString("name"),
		Host: r.GetString("host"), Port: r.GetInt("port"), Security: r.GetString("security"), Username: r.GetString("username"),
		HasSecret: r.GetString("secret_enc") != "", Folder: r.GetString("folder"), ProcessedFolder: r.GetString("processed_folder"),
		QuarantineFolder: r.GetString("quarantine_folder"), Active: r.GetBool("active"), State: r.GetString("state"),
		LastError: r.GetString("last_error"), LastOK: r.GetString("last_ok"), Updated: r.GetString("updated")}
	if nm != nil {
		v.UnitName = nm.Of("units", v.Unit)
	}
	return v
}

var mailboxSpec = api.ListSpec{Object: "mailbox", Sort: map[string]string{"name": "name", "created": "created"}, DefaultSort: "name"}

// HandleList is GET /api/gov/mailboxes.
func (s *Service) HandleList(e *core.RequestEvent) error {
	nm := api.NewNames(e.App)
	return api.List(s.app, e, mailboxSpec, func(_ *policies.Subject, r *core.Record) MailboxView { return viewOf(r, nm) })
}

// HandleView is GET /api/gov/mailboxes/{id}.
func (s *Service) HandleView(e *core.RequestEvent) error {
	_, r, err := api.View(s.app, e, "mailbox", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, viewOf(r, api.NewNames(e.App)))
}

// MailboxInput is the body of POST and PATCH: absent fields keep their
// value on PATCH; an empty password keeps the stored one.
type MailboxInput struct {
	Unit             *string `json:"unit"`
	Name             *string `json:"name"`
	Host             *string `json:"host"`
	Port             *int    `json:"port"`
	Security         *string `json:"security"`
	Username         *string `json:"username"`
	Password         *string `json:"password"`
	Folder           *string `json:"folder"`
	ProcessedFolder  *string `json:"processed_folder"`
	QuarantineFolder *string `json:"quarantine_folder"`
	Active           *bool   `json:"active"`
}

// apply validates in onto r (a 400 names the first bad field).
func (s *Service) apply(tx core.App, r *core.Record, in MailboxInput) error {
	text := func(field string, v *string, max int, required bool, label string) error {
		if v != nil {
			r.Set(field, strings.TrimSpace(*v))
		}
		val := r.GetString(field)
		if required && val == "" {
			return api.BadField(field, "required", "请填写"+label)
		}
		if len([]rune(val)) > max || strings.ContainsAny(val, "\r\n\x00") {
			return api.BadField(field, "invalid", label+"格式不正确")
		}
		return nil
	}
	for _, f := range []struct {
		field string
		v     *string
		max   int
		req   bool
		label string
	}{{"name", in.Name, 100, true, "邮箱名称"}, {"host", in.Host, 255, true, "服务器地址"}, {"username", in.Username, 255, true, "登录用户名"},
		{"folder", in.Folder, 200, true, "收件文件夹"}, {"processed_folder", in.ProcessedFolder, 200, false, "已处理文件夹"},
		{"quarantine_folder", in.QuarantineFolder, 200, false, "隔离文件夹"}} {
		if err := text(f.field, f.v, f.max, f.req, f.label); err != nil {
			return err
		}
	}
	if strings.ContainsAny(r.GetString("host"), " /@") {
		return api.BadField("host", "invalid", "服务器地址只填主机名或 IP，如 mail.gov.cn")
	}
	if in.Port != nil {
		r.Set("port", *in.Port)
	}
	if p := r.GetInt("port"); p < 1 || p > 65535 {
		return api.BadField("port", "invalid", "端口须在 1–65535 之间（IMAPS 通常为 993）")
	}
	if in.Security != nil {
		r.Set("security", *in.Security)
	}
	switch r.GetString("security") {
	case "tls", "starttls", "none":
	default:
		return api.BadField("security", "invalid", "加密方式须为 tls、starttls 或 none")
	}
	if in.Password != nil && *in.Password != "" {
		if len(*in.Password) > 500 {
			return api.BadField("password", "invalid", "密码过长")
		}
		enc, err := s.vault.Encrypt(*in.Password)
		if err != nil {
			return err
		}
		r.Set("secret_enc", enc)
	}
	if r.GetString("secret_enc") == "" {
		return api.BadField("password", "required", "请填写邮箱密码或授权码")
	}
	if in.Active != nil {
		r.Set("active", *in.Active)
	}
	return nil
}

// HandleCreate is POST /api/gov/mailboxes.
func (s *Service) HandleCreate(e *core.RequestEvent) error {
	sub, err := s.app.Require(e, "manage", "mailbox")
	if err != nil {
		return err
	}
	var in MailboxInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if in.Unit == nil || *in.Unit == "" {
		return api.BadField("unit", "required", "请选择收文单位")
	}
	unit, err := e.App.FindRecordById("units", *in.Unit)
	if err != nil {
		return api.BadField("unit", "unknown_unit", "单位不存在")
	}
	col, err := e.App.FindCachedCollectionByNameOrId(MailboxesTable)
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"unit": unit.Id, "unit_path": unit.GetString("path"), "port": 993, "security": "tls", "folder": "INBOX", "active": true, "state": "stopped"})
	if ok, _ := s.app.Authz.Can(sub, "manage", r); !ok {
		return api.BadField("unit", "out_of_reach", "只能为本单位设置收文邮箱")
	}
	return s.save(e, sub, r, in, "mailbox.create", http.StatusCreated)
}

// HandleUpdate is PATCH /api/gov/mailboxes/{id}.
func (s *Service) HandleUpdate(e *core.RequestEvent) error {
	sub, r, err := api.View(s.app, e, "mailbox", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if ok, _ := s.app.Authz.Can(sub, "manage", r); !ok {
		return api.Forbidden()
	}
	var in MailboxInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if in.Unit != nil && *in.Unit != r.GetString("unit") {
		return api.BadField("unit", "immutable", "收文邮箱的所属单位不能修改，请新建")
	}
	return s.save(e, sub, r, in, "mailbox.update", http.StatusOK)
}

func (s *Service) save(e *core.RequestEvent, sub *policies.Subject, r *core.Record, in MailboxInput, action string, status int) error {
	before := redacted(r)
	_, err := s.app.ApplyAs(e, action, func(tx core.App, c *api.Change) error {
		if err := s.apply(tx, r, in); err != nil {
			return err
		}
		r.Set("updated_by", sub.ID)
		if err := tx.Save(r); err != nil {
			return err
		}
		c.Object, c.After = MailboxesTable+"/"+r.Id, redacted(r)
		if !r.IsNew() {
			c.Before = before
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.run.sync(r.Id)
	return e.JSON(status, viewOf(r, api.NewNames(e.App)))
}

// redacted is a mailbox for the audit log: the secret only as "set".
func redacted(r *core.Record) map[string]any {
	v := viewOf(r, nil)
	return map[string]any{"name": v.Name, "host": v.Host, "port": v.Port, "security": v.Security, "username": v.Username,
		"folder": v.Folder, "processed_folder": v.ProcessedFolder, "quarantine_folder": v.QuarantineFolder, "active": v.Active, "has_secret": v.HasSecret}
}

// HandleDelete is DELETE /api/gov/mailboxes/{id}: the settings go; the
// ledger stays (what was received stays received).
func (s *Service) HandleDelete(e *core.RequestEvent) error {
	sub, r, err := api.View(s.app, e, "mailbox", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if ok, _ := s.app.Authz.Can(sub, "manage", r); !ok {
		return api.Forbidden()
	}
	_, err = s.app.ApplyAs(e, "mailbox.delete", func(tx core.App, c *api.Change) error {
		c.Object, c.Before = MailboxesTable+"/"+r.Id, redacted(r)
		return tx.Delete(r)
	})
	if err != nil {
		return err
	}
	s.run.sync(r.Id)
	return e.NoContent(http.StatusNoContent)
}

// TestResult is the answer of a connection test.
type TestResult struct {
	OK       bool   `json:"ok"`
	Message  string `json:"message"`
	Idle     bool   `json:"idle"`
	Messages uint32 `json:"messages"`
	Millis   int64  `json:"millis"`
}

// HandleTest is POST /api/gov/mailboxes/{id}/test: connect, log in and
// select the folder with the stored settings; the answer says what failed
// in Chinese (503 when the server cannot be reached).
func (s *Service) HandleTest(e *core.RequestEvent) error {
	sub, r, err := api.View(s.app, e, "mailbox", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if ok, _ := s.app.Authz.Can(sub, "manage", r); !ok {
		return api.Forbidden()
	}
	start := time.Now()
	res := TestResult{}
	c, err := s.connect(r, 10*time.Second, nil)
	if err == nil {
		defer c.Close()
		var sel *imap.SelectData
		err = within(c, 10*time.Second, func() error {
			var err error
			sel, err = c.Select(r.GetString("folder"), &imap.SelectOptions{ReadOnly: true}).Wait()
			return err
		})
		if err == nil {
			res = TestResult{OK: true, Message: "连接成功", Idle: c.Caps().Has(imap.CapIdle), Messages: sel.NumMessages}
		}
	}
	res.Millis = time.Since(start).Milliseconds()
	if err != nil {
		res.Message = describeIMAP(err)
	}
	// a test reaches a host and port of the caller's choosing: on the record
	if _, aerr := s.app.ApplyAs(e, "mailbox.test", func(_ core.App, c *api.Change) error {
		c.Object = MailboxesTable + "/" + r.Id
		c.After = map[string]any{"host": r.GetString("host"), "port": r.GetInt("port"), "ok": res.OK, "message": res.Message}
		return nil
	}); aerr != nil {
		return aerr
	}
	if err != nil {
		res.Message = describeIMAP(err)
		var ae *api.Error
		if errors.As(err, &ae) {
			return err
		}
		var ie *imap.Error
		if !errors.As(err, &ie) {
			return e.JSON(http.StatusServiceUnavailable, res)
		}
	}
	return e.JSON(http.StatusOK, res)
}

// secret is a mailbox's password.
func (s *Service) secret(box *core.Record) (string, error) {
	enc := box.GetString("secret_enc")
	if enc == "" {
		return "", api.BadField("password", "required", "未设置邮箱密码")
	}
	if !pii.Encrypted(enc) {
		return "", errors.New("mailin: mailbox secret is not encrypted")
	}
	return s.vault.Decrypt(enc)
}
