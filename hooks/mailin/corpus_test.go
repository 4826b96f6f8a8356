package mailin

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorpus: each message of testdata/ decodes to exactly these strings,
// or is quarantined for exactly this reason.
func TestCorpus(t *testing.T) {
	type att struct{ name, mime string }
	for _, c := range []struct {
		file                         string
		subject, from, addr, textHas string
		atts                         []att
		number, org                  string
		quarantine                   string
	}{
		{file: "gbk.eml", subject: "西城市人民政府关于做好2026年防汛工作的通知", from: "西城市政府办公室", addr: "ban@xicheng.gov.example",
			textHas: "现将《2026年防汛工作方案》", atts: []att{{"防汛工作方案.pdf", "application/pdf"}}, number: "西政发〔2026〕12号", org: "西城市人民政府"},
		{file: "gb2312.eml", subject: "东城市财政局关于预算执行情况的函", addr: "ban@dongcheng.gov.example",
			textHas: "来函收悉", atts: []att{{"附件一：名单.txt", "text/plain"}}, number: "东财函〔2026〕7号", org: "东城市财政局"},
		{file: "gb18030_raw.eml", subject: "北城市卫生健康委员会关于开展义诊活动的通知", textHas: "𠮷字测试",
			atts: []att{{"义诊活动安排表.txt", "application/octet-stream"}}, org: "北城市卫生健康委员会"},
		{file: "big5.eml", subject: "臺北市政府函", textHas: "檢送交流活動議程", atts: []att{{"議程.txt", "text/plain"}}},
		{file: "utf8_nested.eml", subject: "转发：西城市人民政府办公室关于会议安排的通知", from: "张 三", addr: "zhangsan@xicheng.gov.example",
			textHas: "原始通知正文", atts: []att{{"转发附件.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}}, org: "西城市人民政府办公室"},
		{file: "html_only.eml", subject: "南城市司法局关于普法宣传的通知", textHas: "请按“八五”普法规划开展宣传&培训。", org: "南城市司法局"},
		{file: "no_boundary.eml", quarantine: "malformed"},
		{file: "bad_base64.eml", quarantine: "malformed"},
		{file: "too_deep.eml", quarantine: "too_deep"},
		{file: "zip_bomb.eml", quarantine: "zip_bomb"},
		{file: "classified.eml", quarantine: "classified"},
		{file: "empty.eml", quarantine: "empty"},
	} {
		t.Run(c.file, func(t *testing.T) {
			m, err := Parse(readCorpus(t, c.file), DefaultLimits())
			if c.quarantine != "" {
				var qe *QuarantineError
				if !errors.As(err, &qe) || qe.Code != c.quarantine || qe.Reason == "" {
					t.Fatalf("want quarantine %q, got %v (%+v)", c.quarantine, err, m)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != c.subject {
				t.Errorf("subject %q, want %q", m.Subject, c.subject)
			}
			if c.from != "" && m.From != c.from {
				t.Errorf("from %q, want %q", m.From, c.from)
			}
			if c.addr != "" && m.FromAddr != c.addr {
				t.Errorf("address %q, want %q", m.FromAddr, c.addr)
			}
			if !strings.Contains(m.Text, c.textHas) {
				t.Errorf("text %q lacks %q", m.Text, c.textHas)
			}
			if strings.Contains(m.Text, "alert(") || strings.Contains(m.Text, "color:red") || strings.Contains(m.Text, "<p>") {
				t.Errorf("markup left in text %q", m.Text)
			}
			if len(m.Attachments) != len(c.atts) {
				t.Fatalf("attachments %d, want %d: %+v", len(m.Attachments), len(c.atts), m.Attachments)
			}
			for i, a := range c.atts {
				if got := m.Attachments[i]; got.Name != a.name || got.MIME != a.mime || len(got.Data) == 0 {
					t.Errorf("attachment %d: %q %q (%d bytes), want %q %q", i, got.Name, got.MIME, len(got.Data), a.name, a.mime)
				}
			}
			if m.DocNumber != c.number || m.IssuingOrg != c.org {
				t.Errorf("guessed %q %q, want %q %q", m.DocNumber, m.IssuingOrg, c.number, c.org)
			}
			if m.MessageID == "" || m.Date.IsZero() {
				t.Errorf("id %q date %v", m.MessageID, m.Date)
			}
		})
	}
}

// TestLimits: size, parts and attachment counts are bounded.
func TestLimits(t *testing.T) {
	raw := readCorpus(t, "gbk.eml")
	lim := DefaultLimits()
	lim.MaxBytes = int64(len(raw) - 1)
	var qe *QuarantineError
	if _, err := Parse(raw, lim); !errors.As(err, &qe) || qe.Code != "oversize" {
		t.Fatalf("oversize: %v", err)
	}
	lim = DefaultLimits()
	lim.MaxParts = 2
	if _, err := Parse(raw, lim); !errors.As(err, &qe) || qe.Code != "too_many_parts" {
		t.Fatalf("parts: %v", err)
	}
	lim = DefaultLimits()
	lim.MaxAttachments = 0
	if _, err := Parse(raw, lim); !errors.As(err, &qe) || qe.Code != "too_many_attachments" {
		t.Fatalf("attachments: %v", err)
	}
}

// TestGuessDocNumber: the bracket variants people type come out canonical.
func TestGuessDocNumber(t *testing.T) {
	for _, c := range []struct{ subject, body, number, org string }{
		{"西城市人民政府关于印发某方案的通知", "（西政发〔2026〕12号）", "西政发〔2026〕12号", "西城市人民政府"},
		{"转发西政办发[2026]3号文件", "", "西政办发〔2026〕3号", ""},
		{"", "依据东政发（2025）第008号文件", "东政发〔2025〕8号", ""},
		{"", "见北卫函【2026】21 号", "北卫函〔2026〕21号", ""},
		{"通知", "请参加会议。\n\n东城市教育局\n2026年11月2日", "", "东城市教育局"},
		{"关于放假的通知", "没有字号", "", ""},
	} {
		n, o := GuessDocNumber(c.subject, c.body)
		if n != c.number || o != c.org {
			t.Errorf("%q/%q: %q %q, want %q %q", c.subject, c.body, n, o, c.number, c.org)
		}
	}
}
