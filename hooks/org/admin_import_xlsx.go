package org

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"

	"govcollab/hooks/api"
)

// importColumn is one column of the account sheet: its Chinese header and
// the UserInput field it fills.
type importColumn struct {
	Header string
	Field  string
	set    func(in *UserInput, v string)
}

// importColumns are the sheet's columns in template order. 单位 is the
// unit's exact full name or its id.
var importColumns = []importColumn{
	{"用户名", "username", func(in *UserInput, v string) { in.Username = v }},
	{"姓名", "name", func(in *UserInput, v string) { in.Name = v }},
	{"单位", "unit", func(in *UserInput, v string) { in.Unit = v }},
	{"职级", "rank", func(in *UserInput, v string) { in.Rank = v }},
	{"职务", "position", func(in *UserInput, v string) { in.Position = v }},
	{"邮箱", "email", func(in *UserInput, v string) { in.Email = v }},
	{"手机", "phone", func(in *UserInput, v string) { in.Phone = v }},
	{"身份证号", "id_number", func(in *UserInput, v string) { in.IDNumber = v }},
}

func columnHeader(field string) string {
	for _, c := range importColumns {
		if c.Field == field {
			return c.Header
		}
	}
	return field
}

// Limits of one import.
const (
	MaxImportBytes = 5 << 20
	MaxImportRows  = 5000
	// unzipLimit bounds what a small .xlsx may expand to (zip bombs).
	unzipLimit = 64 << 20
)

// sheetRow is one data row: its row number in the sheet (the header is row
// 1) and what it says.
type sheetRow struct {
	N  int
	In UserInput
}

// importUpload reads the multipart field "file" of at most MaxImportBytes.
func importUpload(e *core.RequestEvent) ([]byte, error) {
	const envelope = 64 << 10 // multipart boundaries and headers
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, MaxImportBytes+envelope)
	tooLarge := api.BadField("file", "too_large", "文件不能超过 5 MB")
	if err := e.Request.ParseMultipartForm(MaxImportBytes + envelope); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, api.BadField("file", "required", "请选择要导入的 .xlsx 文件（表单字段 file）")
	}
	defer e.Request.MultipartForm.RemoveAll()
	f, hdr, err := e.Request.FormFile("file")
	if err != nil {
		return nil, api.BadField("file", "required", "请选择要导入的 .xlsx 文件（表单字段 file）")
	}
	defer f.Close()
	if hdr.Size > MaxImportBytes {
		return nil, tooLarge
	}
	return io.ReadAll(io.LimitReader(f, MaxImportBytes))
}

// readImportSheet reads the first sheet: the header row must name every
// column (in any order; other columns are ignored), blank rows are skipped.
func readImportSheet(data []byte) ([]sheetRow, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data),
		excelize.Options{UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, api.BadField("file", "invalid_file", "无法读取文件，请上传 .xlsx 格式的表格")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, api.BadField("file", "empty", "表格中没有工作表")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, api.BadField("file", "invalid_file", "无法读取文件，请上传 .xlsx 格式的表格")
	}
	defer rows.Close()
	var index map[string]int
	var out []sheetRow
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, api.BadField("file", "invalid_file", fmt.Sprintf("第 %d 行无法读取", n))
		}
		if n == 1 {
			if index, err = headerIndex(cells); err != nil {
				return nil, err
			}
			continue
		}
		if blank(cells) {
			continue
		}
		if len(out) == MaxImportRows {
			return nil, api.BadField("file", "too_many_rows", fmt.Sprintf("一次最多导入 %d 行，请分批导入", MaxImportRows))
		}
		r := sheetRow{N: n}
		for _, c := range importColumns {
			if i := index[c.Header]; i < len(cells) {
				c.set(&r.In, strings.TrimSpace(cells[i]))
			}
		}
		out = append(out, r)
	}
	if index == nil {
		return nil, api.BadField("file", "missing_column", "缺少表头行，第一行应为："+strings.Join(headers(), "、"))
	}
	if len(out) == 0 {
		return nil, api.BadField("file", "empty", "表格中没有数据行")
	}
	return out, nil
}

// headerIndex maps each known header to its column; a trailing * (required
// mark) and spaces are ignored.
func headerIndex(cells []string) (map[string]int, error) {
	index := map[string]int{}
	for i, c := range cells {
		h := strings.TrimSuffix(strings.TrimSpace(c), "*")
		if _, dup := index[h]; !dup {
			index[h] = i
		}
	}
	var missing []string
	for _, c := range importColumns {
		if _, ok := index[c.Header]; !ok {
			missing = append(missing, c.Header)
		}
	}
	if len(missing) > 0 {
		return nil, api.BadField("file", "missing_column", "表头缺少列："+strings.Join(missing, "、"))
	}
	return index, nil
}

func headers() []string {
	out := make([]string, len(importColumns))
	for i, c := range importColumns {
		out[i] = c.Header
	}
	return out
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// templateFilename is the download name of the import template.
const templateFilename = "用户导入模板.xlsx"

// HandleImportTemplate answers GET /api/gov/admin/users/import/template: the
// sheet to fill in, with one example row in the caller's own unit.
func (m *Module) HandleImportTemplate(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "user")
	if err != nil {
		return err
	}
	unitName := ""
	if u, err := m.app.FindRecordById("units", s.Unit.ID); err == nil {
		unitName = u.GetString("name")
	}
	b, err := importTemplate(unitName)
	if err != nil {
		return err
	}
	h := e.Response.Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="user-import-template.xlsx"; filename*=UTF-8''%s`,
		url.PathEscape(templateFilename)))
	return e.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}

// importTemplate builds the template. Every column is text so that Excel
// keeps the 18 digits of a 身份证号 and the leading zeros of a phone.
func importTemplate(unitName string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "用户导入"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // 49 is "@", text
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	last, _ := excelize.ColumnNumberToName(len(importColumns))
	header := headers()
	steps := []error{
		f.SetColStyle(sheet, "A:"+last, text),
		f.SetColWidth(sheet, "A", last, 20),
		f.SetSheetRow(sheet, "A1", &header),
		f.SetRowStyle(sheet, 1, 1, bold),
		f.SetSheetRow(sheet, "A2", &[]string{"zhang.san", "张三", unitName, "一级科员", "科员",
			"zhang.san@example.gov.cn", "13800138000", "11010519491231002X"}),
	}
	if err := errors.Join(steps...); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
