package mailin

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"mime/quotedprintable"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// The corpus in testdata/ is written by this generator (go test -run
// TestGenerateCorpus -gen ./hooks/mailin/), so every byte of it is ours and
// reproducible; the tests read the files.

var gen = flag.Bool("gen", false, "rewrite testdata/*.eml")

func enc(e encoding.Encoding, s string) []byte {
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}

func word(cs string, b []byte) string {
	return "=?" + cs + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

func qp(b []byte) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.String()
}

// qpWord is b as the text of a Q encoded word.
func qpWord(b []byte) string {
	var out strings.Builder
	for _, c := range b {
		fmt.Fprintf(&out, "=%02X", c)
	}
	return out.String()
}

func pct(b []byte) string {
	var out strings.Builder
	for _, c := range b {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			out.WriteByte(c)
		} else {
			fmt.Fprintf(&out, "%%%02X", c)
		}
	}
	return out.String()
}

func zipOf(entries map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml", "zeros.bin", "inner.zip"} {
		if data, ok := entries[name]; ok {
			w, _ := zw.Create(name)
			_, _ = w.Write(data)
		}
	}
	_ = zw.Close()
	return buf.Bytes()
}

const fakePDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func head(from, subject, ctype string, extra ...string) string {
	h := "From: " + from + "\r\nTo: shouwen@xicheng.gov.example\r\nDate: Mon, 23 Nov 2026 09:30:00 +0800\r\n" +
		"Message-ID: <" + url.PathEscape(ctype[:4]) + fmt.Sprint(len(subject)) + "@mail.gov.example>\r\nMIME-Version: 1.0\r\n"
	if subject != "" {
		h += "Subject: " + subject + "\r\n"
	}
	for _, x := range extra {
		h += x + "\r\n"
	}
	return h + "Content-Type: " + ctype + "\r\n"
}

func corpus() map[string]string {
	gbk, gb18030, big5 := simplifiedchinese.GBK, simplifiedchinese.GB18030, traditionalchinese.Big5
	c := map[string]string{}
	body := "各区县人民政府、市政府各部门：\n\n现将《2026年防汛工作方案》（西政发〔2026〕12号）印发给你们，请认真贯彻落实。\n\n西城市人民政府\n2026年11月20日\n"
	c["gbk.eml"] = head(`=?GBK?B?`+base64.StdEncoding.EncodeToString(enc(gbk, "西城市政府办公室"))+`?= <ban@xicheng.gov.example>`,
		word("GBK", enc(gbk, "西城市人民政府关于做好2026年防汛工作的通知")), `multipart/mixed; boundary="b1"`) +
		"\r\n--b1\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(enc(gbk, body)) +
		"\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=GBK''" + pct(enc(gbk, "防汛工作方案.pdf")) +
		"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64([]byte(fakePDF)) + "\r\n--b1--\r\n"
	c["gb2312.eml"] = head("ban@dongcheng.gov.example", "=?gb2312?Q?"+strings.ReplaceAll(qpWord(enc(gbk, "东城市财政局")), " ", "_")+"?= "+
		"=?GB2312?B?"+base64.StdEncoding.EncodeToString(enc(gbk, "关于预算执行情况的函"))+"?=", `multipart/mixed; boundary="b2"`) +
		"\r\n--b2\r\nContent-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		qp(enc(gbk, "西城市财政局：\n\n来函收悉，现将有关情况函复如下（东财函［2026］007号）。\n")) +
		"\r\n--b2\r\nContent-Type: text/plain; name=\"" + word("GB2312", enc(gbk, "附件一：名单.txt")) + "\"\r\nContent-Disposition: attachment\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + b64(enc(gbk, "张三\n李四\n")) + "\r\n--b2--\r\n"
	c["gb18030_raw.eml"] = head("ban@beicheng.gov.example", string(enc(gb18030, "北城市卫生健康委员会关于开展义诊活动的通知")),
		`multipart/mixed; boundary="b3"`) +
		"\r\n--b3\r\nContent-Type: text/plain; charset=gb18030\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		string(enc(gb18030, "各有关单位：请于12月1日前报送名单。𠮷字测试。\n")) +
		"\r\n--b3\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename*0*=gb18030''" + pct(enc(gb18030, "义诊活动")) +
		";\r\n filename*1*=" + pct(enc(gb18030, "安排表.txt")) + "\r\n\r\n" + "plain bytes\r\n--b3--\r\n"
	c["big5.eml"] = head("office@taipei.example", word("Big5", enc(big5, "臺北市政府函")), `multipart/mixed; boundary="b4"`) +
		"\r\n--b4\r\nContent-Type: text/plain; charset=big5\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(enc(big5, "敬啟者：檢送交流活動議程一份，請查照。\n")) +
		"\r\n--b4\r\nContent-Type: text/plain; name=\"" + word("big5", enc(big5, "議程.txt")) + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + b64([]byte("agenda")) + "\r\n--b4--\r\n"
	docx := zipOf(map[string][]byte{"[Content_Types].xml": []byte("<Types/>"), "word/document.xml": []byte("<w:document/>")})
	inner := head("ban@xicheng.gov.example", "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte("原始通知"))+"?=", `multipart/mixed; boundary="in"`) +
		"\r\n--in\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n原始通知正文。\r\n--in\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n" +
		"Content-Disposition: attachment; filename*=UTF-8''" + pct([]byte("转发附件.docx")) + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(docx) + "\r\n--in--\r\n"
	c["utf8_nested.eml"] = head("\"张 三\" <ZhangSan@Xicheng.gov.example>", "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte("转发：西城市人民政府办公室关于会议安排的通知"))+"?=",
		`multipart/mixed; boundary="outer"`) +
		"\r\n--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请阅处。\r\n" +
		"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>请阅处。</p>\r\n--alt--\r\n" +
		"\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "\r\n--outer--\r\n"
	c["html_only.eml"] = head("ban@nancheng.gov.example", "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte("南城市司法局关于普法宣传的通知"))+"?=", "text/html; charset=utf-8") +
		"\r\n<html><head><title>t</title><style>p{color:red}</style><script>alert(1)</script></head><body><p>各单位：</p><div>请按&ldquo;八五&rdquo;普法规划开展宣传&amp;培训。</div><br>南城市司法局<br>2026年11月18日</body></html>\r\n"
	c["no_boundary.eml"] = head("x@example.com", "broken", "multipart/mixed") + "\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
	c["bad_base64.eml"] = head("x@example.com", "bad base64", `multipart/mixed; boundary="bb"`) +
		"\r\n--bb\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--bb\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x!!!!####\r\n--bb--\r\n"
	deep := "text/plain\r\n\r\ncore\r\n"
	for i := 12; i > 0; i-- {
		deep = fmt.Sprintf("multipart/mixed; boundary=\"d%d\"\r\n\r\n--d%d\r\nContent-Type: %s--d%d--\r\n", i, i, deep, i)
	}
	c["too_deep.eml"] = head("x@example.com", "deep", deep)
	bombZip := zipOf(map[string][]byte{"zeros.bin": make([]byte, 50<<20)})
	c["zip_bomb.eml"] = head("x@example.com", "材料", `multipart/mixed; boundary="z"`) +
		"\r\n--z\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n材料见附件。\r\n--z\r\nContent-Type: application/zip; name=\"cailiao.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64(bombZip) + "\r\n--z--\r\n"
	c["classified.eml"] = head("x@example.com", "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte("关于边境管控方案的通知（机密★1年）"))+"?=", "text/plain; charset=utf-8") +
		"\r\n方案见附件。\r\n"
	c["empty.eml"] = head("x@example.com", "", "text/plain; charset=utf-8") + "\r\n\r\n"
	return c
}

func TestGenerateCorpus(t *testing.T) {
	if !*gen {
		t.Skip("only with -gen")
	}
	for name, msg := range corpus() {
		if err := os.WriteFile(filepath.Join("testdata", name), []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
