// Package export writes tables (rollups, ledgers, lists) as the files the
// people who answer for them open: XLSX (excelize) or CSV (UTF-8 with a
// BOM, so Excel reads the Chinese headers), with every cell kept from being
// run as a formula.
package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
)

// Sheet is one table: a name (the XLSX sheet), Chinese headers and rows.
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]any
}

// Format reads ?format=xlsx|csv (default xlsx); anything else is a 400.
func Format(e *core.RequestEvent) (string, error) {
	switch f := e.Request.URL.Query().Get("format"); f {
	case "", "xlsx":
		return "xlsx", nil
	case "csv":
		return "csv", nil
	default:
		return "", api.BadField("format", "invalid", "导出格式须为 xlsx 或 csv")
	}
}

// Cell keeps a spreadsheet from running a value typed by a user as a formula.
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func cellValue(v any) any {
	if s, ok := v.(string); ok {
		return Cell(s)
	}
	return v
}

// Write answers the sheets as name.xlsx, or as name.csv (the sheets one
// after another, each under its name) with Cache-Control private, no-store.
func Write(e *core.RequestEvent, name, format string, sheets ...Sheet) error {
	var body []byte
	var err error
	ctype := "text/csv; charset=utf-8"
	if format == "csv" {
		body, err = writeCSV(sheets)
	} else {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		body, err = writeXLSX(sheets)
	}
	if err != nil {
		return err
	}
	h := e.Response.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", files.ContentDisposition(name+"."+format, false))
	h.Set("Cache-Control", "private, no-store")
	e.Response.WriteHeader(http.StatusOK)
	_, err = e.Response.Write(body)
	return err
}

func writeCSV(sheets []Sheet) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	for i, sh := range sheets {
		if len(sheets) > 1 {
			if i > 0 {
				_ = w.Write(nil)
			}
			_ = w.Write([]string{Cell(sh.Name)})
		}
		_ = w.Write(sh.Header)
		for _, r := range sh.Rows {
			rec := make([]string, len(r))
			for j, v := range r {
				rec[j] = fmt.Sprint(cellValue(v))
			}
			_ = w.Write(rec)
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func writeXLSX(sheets []Sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	for i, sh := range sheets {
		name := sh.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return nil, err
		}
		head := make([]any, len(sh.Header))
		for j, h := range sh.Header {
			head[j] = excelize.Cell{Value: h, StyleID: bold}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return nil, err
		}
		for r, row := range sh.Rows {
			vals := make([]any, len(row))
			for j, v := range row {
				vals[j] = cellValue(v)
			}
			axis, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(axis, vals); err != nil {
				return nil, err
			}
		}
		if err := sw.Flush(); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
