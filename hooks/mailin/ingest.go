package mailin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audience"
	"govcollab/hooks/files"
	"govcollab/hooks/notify"
)

// Tables of mail-in (migrations/1763901500_mailin.go).
const (
	MailboxesTable = "mailboxes"
	MessagesTable  = "mail_messages"
	InboundTable   = "inbound"
	// RawRef is the files ref_type of a kept raw message (ref_id: the
	// inbound item), downloadable by those who may handle the item.
	RawRef = "mail_raw"
)

// Outcome is what became of a fetched message.
type Outcome string

const (
	Ingested    Outcome = "ingested"
	Quarantined Outcome = "quarantined"
	Duplicate   Outcome = "duplicate" // already in the ledger: nothing written but its new place
)

// Fetched is one message as the worker read it from a mailbox.
type Fetched struct {
	Mailbox     *core.Record
	UIDValidity uint32
	UID         uint32
	Raw         []byte
	Arrived     time.Time // the server's INTERNALDATE, if known
}

// Ingest takes a message into the 收文 queue exactly once. A message is
// known by (mailbox, UIDVALIDITY, UID) and by the sha256 of its bytes, both
// unique in the ledger: a re-fetch after a crash, or the same message
// under new UIDs after the mailbox was rebuilt, finds its row and writes
// nothing but its new place. Objects are stored before the one transaction
// that writes the ledger row, the queue item and its files together.
func (s *Service) Ingest(ctx context.Context, f Fetched) (Outcome, string, error) {
	box := f.Mailbox
	h := sha256.Sum256(f.Raw)
	sum := hex.EncodeToString(h[:])
	if done, id, err := s.known(s.app, box.Id, f, sum); err != nil || done {
		return Duplicate, id, err
	}
	msg, perr := s.parse(f.Raw)
	var qe *QuarantineError
	if perr != nil && !errors.As(perr, &qe) {
		return "", "", perr
	}
	var kept []files.Received
	if qe == nil {
		var err error
		if kept, qe, err = s.keepAttachments(ctx, msg); err != nil {
			return "", "", err
		}
	}
	var raw *files.Received
	if qe == nil || qe.Code != "classified" { // nothing of a classified message is kept
		r, err := s.files.PutReceived(ctx, "原始邮件.eml", rawType, f.Raw)
		if err != nil {
			return "", "", err
		}
		raw = &r
	}
	var inboundID string
	outcome := Ingested
	if qe != nil {
		outcome = Quarantined
	}
	_, err := s.app.Apply("", "mail."+string(outcome), func(tx core.App, c *api.Change) error {
		if done, id, err := s.known(tx, box.Id, f, sum); err != nil || done {
			outcome, inboundID = Duplicate, id
			return err
		}
		id, err := s.record(tx, f, sum, msg, qe, kept, raw)
		inboundID = id
		c.Object = InboundTable + "/" + id
		c.After = map[string]any{"mailbox": box.Id, "uid": f.UID, "sha256": sum, "outcome": outcome}
		if qe != nil {
			c.After = map[string]any{"mailbox": box.Id, "uid": f.UID, "sha256": sum, "outcome": outcome, "code": qe.Code, "reason": qe.Reason}
		}
		return err
	})
	if err != nil {
		return "", "", err
	}
	return outcome, inboundID, nil
}

var rawType = files.FileType{Ext: "eml", MIME: "message/rfc822"}

// parse runs the parser and turns a panic anywhere below into a quarantine.
func (s *Service) parse(raw []byte) (m *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, quarantine("internal", "邮件解析时出现内部错误，已隔离待查")
		}
	}()
	return Parse(raw, s.limits)
}

// known reports whether the ledger has the message (by place or by
// content); a known message's new place is written down so the next pass
// skips it without reading it.
func (s *Service) known(app core.App, box string, f Fetched, sum string) (bool, string, error) {
	var rows []struct {
		ID          string `db:"id"`
		UIDValidity int64  `db:"uidvalidity"`
		UID         int64  `db:"uid"`
		Inbound     string `db:"inbound"`
	}
	err := app.DB().NewQuery(`SELECT id, uidvalidity, uid, inbound FROM mail_messages
		WHERE mailbox = {:b} AND (sha256 = {:s} OR (uidvalidity = {:v} AND uid = {:u})) LIMIT 2`).
		Bind(dbx.Params{"b": box, "s": sum, "v": int64(f.UIDValidity), "u": int64(f.UID)}).All(&rows)
	if err != nil || len(rows) == 0 {
		return false, "", err
	}
	r := rows[0]
	if r.UIDValidity != int64(f.UIDValidity) || r.UID != int64(f.UID) {
		_, err = app.DB().NewQuery(`UPDATE mail_messages SET uidvalidity = {:v}, uid = {:u} WHERE id = {:id}
			AND NOT EXISTS (SELECT 1 FROM mail_messages o WHERE o.mailbox = {:b} AND o.uidvalidity = {:v} AND o.uid = {:u})`).
			Bind(dbx.Params{"v": int64(f.UIDValidity), "u": int64(f.UID), "id": r.ID, "b": box}).Execute()
	}
	return true, r.Inbound, err
}

// keepAttachments checks and stores each attachment; a refused one
// quarantines the whole message (a 收文 is registered whole or not at all).
func (s *Service) keepAttachments(ctx context.Context, m *Message) ([]files.Received, *QuarantineError, error) {
	var out []files.Received
	for _, a := range m.Attachments {
		ft, err := s.files.CheckReceived(s.app, a.Name, a.Data)
		var refused *files.ErrRefused
		if errors.As(err, &refused) {
			code := "attachment"
			if strings.Contains(refused.Reason, "密级") {
				code = "classified"
			}
			return nil, quarantine(code, "附件「%s」不能接收：%s", a.Name, refused.Reason), nil
		}
		if err != nil { // a file the checks cannot read: held back, never retried forever
			return nil, quarantine("attachment", "附件「%s」无法完成安全检查：%s", a.Name, plainErr(err)), nil
		}
		r, err := s.files.PutReceived(ctx, a.Name, ft, a.Data)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, nil, nil
}

// record writes the ledger row, the queue item and its files, and tells
// the office's clerks (inside tx).
func (s *Service) record(tx core.App, f Fetched, sum string, m *Message, qe *QuarantineError, kept []files.Received, raw *files.Received) (string, error) {
	box := f.Mailbox
	office, err := tx.FindRecordById("units", box.GetString("unit"))
	if err != nil {
		return "", err
	}
	inCol, err := tx.FindCachedCollectionByNameOrId(InboundTable)
	if err != nil {
		return "", err
	}
	in := core.NewRecord(inCol)
	in.Id = core.GenerateDefaultRandomId()
	arrived := f.Arrived
	if m != nil && !m.Date.IsZero() {
		arrived = m.Date
	}
	if arrived.IsZero() {
		arrived = s.now()
	}
	at, _ := types.ParseDateTime(arrived.UTC())
	fields := map[string]any{"unit": office.Id, "unit_path": office.GetString("path"), "system": office.GetString("system"),
		"source": "mail", "status": "new", "mailbox": box.Id, "received_at": at, "urgency": "平件", "copy": false}
	if m != nil {
		fields["title"] = clip(firstNonEmpty(m.Subject, "（无主题）"), 300)
		fields["sender_org"] = clip(firstNonEmpty(m.IssuingOrg, m.From, m.FromAddr), 200)
		fields["sender_addr"] = clip(m.FromAddr, 320)
		fields["number"] = clip(m.DocNumber, 100)
		fields["body"] = clip(m.Text, 200000)
		fields["urgency"] = urgencyOf(m.Subject)
	} else {
		fields["title"] = "（未能解析的邮件）"
	}
	if qe != nil {
		fields["status"] = "quarantined"
		fields["reason"] = clip(qe.Reason, 2000)
		if qe.Code == "classified" {
			fields["body"] = "" // nothing of a classified message is kept
		}
	}
	in.Load(fields)
	msgCol, err := tx.FindCachedCollectionByNameOrId(MessagesTable)
	if err != nil {
		return "", err
	}
	led := core.NewRecord(msgCol)
	led.Id = core.GenerateDefaultRandomId()
	status, reason, mid := "ingested", "", ""
	if qe != nil {
		status, reason = "quarantined", qe.Code+": "+qe.Reason
	}
	if m != nil {
		mid = m.MessageID
	}
	led.Load(map[string]any{"mailbox": box.Id, "uidvalidity": int64(f.UIDValidity), "uid": int64(f.UID), "message_id": mid,
		"sha256": sum, "size": len(f.Raw), "status": status, "reason": clip(reason, 2000), "inbound": in.Id})
	in.Set("mail", led.Id)
	if raw != nil {
		rr, err := files.RecordReceived(tx, *raw, office.Id, RawRef, in.Id)
		if err != nil {
			return "", err
		}
		led.Set("raw_key", rr.Id)
	}
	if err := tx.Save(led); err != nil {
		return "", err
	}
	if err := tx.Save(in); err != nil {
		return "", err
	}
	for _, r := range kept {
		if _, err := files.RecordReceived(tx, r, office.Id, InboundTable, in.Id); err != nil {
			return "", err
		}
	}
	return in.Id, s.tellClerks(tx, office.Id, in)
}

func (s *Service) tellClerks(tx core.App, office string, in *core.Record) error {
	n := notify.Note{Kind: "inbound.new", Title: "新收文（邮件）：" + in.GetString("title"),
		Body: in.GetString("sender_org") + " " + in.GetString("number"), Link: "#/inbound"}
	if in.GetString("status") == "quarantined" {
		n = notify.Note{Kind: "inbound.quarantined", Title: "邮件已隔离：" + in.GetString("title"), Body: in.GetString("reason"), Link: "#/inbound?status=quarantined"}
	}
	params := dbx.Params{}
	cond := s.app.SQL(dbx.And(dbx.HashExp{"users.unit": office, "users.active": true}, audience.HasRole([]string{"clerk"})), params)
	_, err := notify.SendSelect(tx, "SELECT users.id AS id FROM users WHERE "+cond, params, n)
	return err
}

func urgencyOf(subject string) string {
	switch {
	case strings.Contains(subject, "特急"):
		return "特急"
	case strings.Contains(subject, "加急"):
		return "加急"
	}
	return "平件"
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
