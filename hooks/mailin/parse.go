package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // GBK, GB2312, GB18030, Big5… for bodies and headers
	"github.com/emersion/go-message/mail"

	"govcollab/hooks/files"
)

// Limits bound what one message may cost.
type Limits struct {
	MaxBytes       int64 // the raw message
	MaxParts       int   // MIME parts in all
	MaxDepth       int   // multipart and forwarded-message nesting
	MaxAttachments int
	MaxExpanded    int64 // uncompressed bytes of the zip-based attachments together
	MaxRatio       int64 // uncompressed : compressed, per zip entry
}

// DefaultLimits are the limits of the worker.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 25 << 20, MaxParts: 200, MaxDepth: 8, MaxAttachments: 50, MaxExpanded: 200 << 20, MaxRatio: 100}
}

// Attachment is a file of a message.
type Attachment struct {
	Name string // decoded, cleaned, never empty
	MIME string // as declared, lower case, no parameters
	Data []byte
}

// Message is what a mail says.
type Message struct {
	MessageID   string
	Subject     string
	From        string // display name
	FromAddr    string
	Date        time.Time
	Text        string // the plain-text body
	Attachments []Attachment
	DocNumber   string // guessed 发文字号, canonical 代字〔YYYY〕N号
	IssuingOrg  string // guessed 发文机关
}

// QuarantineError says why a message is not taken in; Reason is shown to
// the office's clerks.
type QuarantineError struct{ Code, Reason string }

func (e *QuarantineError) Error() string { return "mailin: quarantined (" + e.Code + "): " + e.Reason }

func quarantine(code, format string, args ...any) *QuarantineError {
	return &QuarantineError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Parse reads a raw message. A broken, oversized or hostile message, or one
// marked classified, gives a *QuarantineError; Parse never panics.
func Parse(raw []byte, lim Limits) (msg *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, quarantine("malformed", "邮件格式异常，无法解析")
		}
	}()
	if int64(len(raw)) > lim.MaxBytes {
		return nil, quarantine("oversize", "邮件大小 %.1f MB，超过上限 %d MB", float64(len(raw))/(1<<20), lim.MaxBytes>>20)
	}
	e, err := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: 256 << 10})
	if e == nil {
		return nil, quarantine("malformed", "邮件头无法解析：%s", plainErr(err))
	}
	p := &parser{lim: lim, msg: &Message{}}
	p.header(mail.Header{Header: e.Header})
	if err := p.entity(e, 0); err != nil {
		return nil, err
	}
	m := p.msg
	m.Text = strings.TrimSpace(strings.Join(p.texts, "\n\n"))
	if m.Text == "" && len(p.htmls) > 0 {
		m.Text = strings.TrimSpace(HTMLText(strings.Join(p.htmls, "\n")))
	}
	if m.Text == "" && len(m.Attachments) == 0 && strings.TrimSpace(m.Subject) == "" {
		return nil, quarantine("empty", "邮件没有标题、正文和附件")
	}
	if mark := classifiedMark(m); mark != "" {
		return nil, quarantine("classified", "邮件含密级标识「%s」，涉密公文不得通过互联网电子邮件传递，请按涉密渠道处理", mark)
	}
	m.DocNumber, m.IssuingOrg = GuessDocNumber(m.Subject, m.Text)
	return m, nil
}

// classifiedMark looks where GB/T 9704 puts a 密级: the subject, the first
// lines of the text and the attachment names (the files service checks the
// attachments' own metadata when it stores them).
func classifiedMark(m *Message) string {
	if mark := files.MarkIn(m.Subject); mark != "" {
		return mark
	}
	lines := strings.SplitN(m.Text, "\n", 4)
	for i, l := range lines {
		if i < 3 {
			if mark := files.MarkIn(strings.TrimSpace(l)); mark != "" {
				return mark
			}
		}
	}
	for _, a := range m.Attachments {
		if mark := files.MarkIn(a.Name); mark != "" {
			return mark
		}
	}
	return ""
}

type parser struct {
	lim    Limits
	msg    *Message
	parts  int
	texts  []string
	htmls  []string
	zipped int64 // uncompressed bytes of zip attachments so far
}

func (p *parser) header(h mail.Header) {
	p.msg.Subject = cleanLine(headerText(h.Header, "Subject"))
	if id, err := h.MessageID(); err == nil {
		p.msg.MessageID = id
	} else {
		p.msg.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	if len(p.msg.MessageID) > 998 {
		p.msg.MessageID = p.msg.MessageID[:998]
	}
	if list, err := h.AddressList("From"); err == nil && len(list) > 0 {
		p.msg.From, p.msg.FromAddr = cleanLine(list[0].Name), strings.ToLower(list[0].Address)
	} else {
		p.msg.From = cleanLine(headerText(h.Header, "From"))
	}
	if d, err := h.Date(); err == nil {
		p.msg.Date = d.UTC()
	}
}

// entity walks one part: text bodies are kept, named or non-text parts
// become attachments, multiparts and forwarded messages are walked into.
func (p *parser) entity(e *message.Entity, depth int) error {
	p.parts++
	if p.parts > p.lim.MaxParts {
		return quarantine("too_many_parts", "邮件分段超过 %d 个", p.lim.MaxParts)
	}
	if depth > p.lim.MaxDepth {
		return quarantine("too_deep", "邮件嵌套超过 %d 层", p.lim.MaxDepth)
	}
	ctype, cparams, _ := e.Header.ContentType()
	ctype = strings.ToLower(ctype)
	if mr := e.MultipartReader(); mr != nil {
		if cparams["boundary"] == "" {
			return quarantine("malformed", "多段邮件缺少分段边界")
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if part == nil {
				return quarantine("malformed", "邮件分段无法解析：%s", plainErr(err))
			}
			if err := p.entity(part, depth+1); err != nil {
				return err
			}
		}
	}
	name := attachmentName(e.Header)
	disp, _, _ := e.Header.ContentDisposition()
	body, err := readBody(e, p.lim.MaxBytes)
	if err != nil {
		return err
	}
	switch {
	case ctype == "message/rfc822" && name == "":
		inner, err := message.ReadWithOptions(bytes.NewReader(body), &message.ReadOptions{MaxHeaderBytes: 256 << 10})
		if inner == nil {
			return quarantine("malformed", "转发的邮件无法解析：%s", plainErr(err))
		}
		if s := cleanLine(headerText(inner.Header, "Subject")); s != "" {
			p.texts = append(p.texts, "---------- 转发的邮件 ----------\n主题："+s)
		}
		return p.entity(inner, depth+1)
	case name == "" && strings.ToLower(disp) != "attachment" && (ctype == "text/plain" || ctype == ""):
		p.texts = append(p.texts, textOf(body))
	case name == "" && strings.ToLower(disp) != "attachment" && ctype == "text/html":
		p.htmls = append(p.htmls, textOf(body))
	case name == "" && strings.HasPrefix(ctype, "image/"):
		// an unnamed inline picture of an HTML body: not a document
	default:
		return p.attach(name, ctype, body)
	}
	return nil
}

func (p *parser) attach(name, ctype string, data []byte) error {
	if len(p.msg.Attachments) >= p.lim.MaxAttachments {
		return quarantine("too_many_attachments", "附件超过 %d 个", p.lim.MaxAttachments)
	}
	if name == "" {
		name = fmt.Sprintf("附件%d%s", len(p.msg.Attachments)+1, extFor(ctype))
	}
	if err := p.checkZip(name, data); err != nil {
		return err
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	p.msg.Attachments = append(p.msg.Attachments, Attachment{Name: name, MIME: ctype, Data: data})
	return nil
}

// readBody reads a decoded body, at most limit bytes. Broken transfer
// encoding (truncated base64) is malformed; an unknown charset is read as
// it is and decoded best effort.
func readBody(e *message.Entity, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(e.Body, limit+1))
	if int64(len(b)) > limit {
		return nil, quarantine("oversize", "邮件分段超过 %d MB", limit>>20)
	}
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, quarantine("malformed", "邮件内容编码损坏：%s", plainErr(err))
	}
	return b, nil
}

// textOf is body text as UTF-8: an undeclared or unknown charset that is
// not UTF-8 is most likely GB18030 here.
func textOf(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = gbText(b)
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\x00", "")
}

func extFor(ctype string) string {
	if exts, _ := mime.ExtensionsByType(ctype); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// plainErr is an error's text for a reason shown to people.
func plainErr(err error) string {
	if err == nil {
		return "未知错误"
	}
	var qe *QuarantineError
	if errors.As(err, &qe) {
		return qe.Reason
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
