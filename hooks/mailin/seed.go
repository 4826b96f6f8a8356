package mailin

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// SeedDemo gives 西城市人民政府办公室 a (switched-off) receiving mailbox
// and a 收文 queue taken in from mail: messages made here, in memory, go
// through the same ingestion as fetched ones; register (the approval
// module's) registers the first two; one is quarantined as classified.
func (s *Service) SeedDemo(register func(inboundID string) error) error {
	var n int
	if err := s.app.DB().NewQuery("SELECT COUNT(*) FROM mailboxes").Row(&n); err != nil || n > 0 {
		return err
	}
	office, err := s.app.FindFirstRecordByData("units", "name", "西城市人民政府办公室")
	if err != nil {
		return nil // no demo province
	}
	col, err := s.app.FindCachedCollectionByNameOrId(MailboxesTable)
	if err != nil {
		return err
	}
	secret, err := s.vault.Encrypt("demo-only-not-a-password")
	if err != nil {
		return err
	}
	box := core.NewRecord(col)
	box.Load(map[string]any{"unit": office.Id, "unit_path": office.GetString("path"), "name": "西城市政府办公室收文邮箱",
		"host": "mail.xicheng.gov.example", "port": 993, "security": "tls", "username": "shouwen@xicheng.gov.example",
		"secret_enc": secret, "folder": "INBOX", "processed_folder": "已处理", "quarantine_folder": "隔离",
		"active": false, "state": "stopped"})
	if err := s.app.Save(box); err != nil {
		return err
	}
	for i, raw := range demoMessages() {
		out, id, err := s.Ingest(context.Background(), Fetched{Mailbox: box, UIDValidity: 1, UID: uint32(i + 1), Raw: raw,
			Arrived: time.Now().Add(-time.Duration(72-i*10) * time.Hour)})
		if err != nil {
			return fmt.Errorf("mailin: demo message %d: %w", i+1, err)
		}
		if out == Ingested && i < 2 && register != nil {
			if err := register(id); err != nil {
				return fmt.Errorf("mailin: register demo message %d: %w", i+1, err)
			}
		}
	}
	return nil
}

func demoMessages() [][]byte {
	gbk := func(s string) string {
		b, _ := simplifiedchinese.GBK.NewEncoder().String(s)
		return b
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	word := func(cs, s string) string { return "=?" + cs + "?B?" + b64(s) + "?=" }
	msg := func(id, from, subject, ctype, body string) []byte {
		return []byte(strings.Join([]string{"From: " + from, "To: shouwen@xicheng.gov.example", "Date: Fri, 20 Nov 2026 10:00:00 +0800",
			"Message-ID: <" + id + "@demo.gov.example>", "Subject: " + subject, "MIME-Version: 1.0", "Content-Type: " + ctype, "", body}, "\r\n"))
	}
	pdf := "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
	return [][]byte{
		msg("prov-notice-1", word("GBK", gbk("示范省人民政府办公厅"))+" <bgt@prov.gov.example>",
			word("GBK", gbk("示范省人民政府办公厅关于做好冬季安全生产工作的通知")), `multipart/mixed; boundary="m1"`,
			"--m1\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
				base64.StdEncoding.EncodeToString([]byte(gbk("各市人民政府：\n\n现将有关事项通知如下（示政办发〔2026〕41号），请认真贯彻执行。\n\n示范省人民政府办公厅\n2026年11月18日\n")))+
				"\r\n--m1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7%E6%A3%80%E6%9F%A5%E8%A1%A8.pdf\r\n"+
				"Content-Transfer-Encoding: base64\r\n\r\n"+b64(pdf)+"\r\n--m1--\r\n"),
		msg("bei-letter-2", "ban@beicheng.gov.example", word("UTF-8", "北城市人民政府关于商请协助开展跨区域执法协作的函"), "text/plain; charset=utf-8",
			"西城市人民政府：\r\n\r\n为做好跨区域执法协作，特商请贵市协助（北政函〔2026〕9号）。\r\n\r\n北城市人民政府\r\n2026年11月19日\r\n"),
		msg("east-notice-3", "ban@dongcheng.gov.example", word("UTF-8", "东城市人民政府办公室关于召开区域协作联席会议的通知"), "text/plain; charset=utf-8",
			"各有关单位：\r\n\r\n定于12月3日召开区域协作联席会议（东政办发〔2026〕17号），请派员参加。\r\n\r\n东城市人民政府办公室\r\n2026年11月21日\r\n"),
		msg("odd-4", "unknown@example.com", word("UTF-8", "关于边境管控方案的通知（机密★1年）"), "text/plain; charset=utf-8", "方案见附件。\r\n"),
	}
}
