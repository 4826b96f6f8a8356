package org

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// ImportProblem is one thing wrong with a sheet row.
type ImportProblem struct {
	Field   string `json:"field"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// ImportRow is one data row of the sheet in the report; Row is its row
// number in the sheet (the header is row 1).
type ImportRow struct {
	Row             int             `json:"row"`
	Username        string          `json:"username"`
	OK              bool            `json:"ok"`
	Problems        []ImportProblem `json:"problems"`
	ID              string          `json:"id,omitempty"`
	InitialPassword string          `json:"initial_password,omitempty"`
}

// ImportReport answers POST /api/gov/admin/users/import.
type ImportReport struct {
	DryRun  bool        `json:"dry_run"`
	Rows    []ImportRow `json:"rows"`
	Valid   int         `json:"valid"`
	Invalid int         `json:"invalid"`
	Created int         `json:"created"`
}

// ImportRefusal is the 400 of an import with invalid rows: the error shape
// of API.md plus the report.
type ImportRefusal struct {
	*api.Error
	Report ImportReport `json:"report"`
}

// HandleImportUsers answers POST /api/gov/admin/users/import (multipart
// field "file", .xlsx; ?dry_run=1 checks without writing). All rows are
// created in one transaction, or none.
func (m *Module) HandleImportUsers(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "user")
	if err != nil {
		return err // before reading up to 5 MB of upload
	}
	data, err := importUpload(e)
	if err != nil {
		return err
	}
	rows, err := readImportSheet(data)
	if err != nil {
		return err
	}
	rep, err := m.checkImport(s, rows)
	if err != nil {
		return err
	}
	switch q := e.Request.URL.Query().Get("dry_run"); {
	case q == "1" || q == "true":
		rep.DryRun = true
		return e.JSON(http.StatusOK, rep)
	case rep.Invalid > 0:
		refusal := api.BadField("file", "rows_invalid", fmt.Sprintf("有 %d 行有误，未导入任何账号", rep.Invalid))
		return e.JSON(http.StatusBadRequest, ImportRefusal{Error: refusal, Report: rep})
	}
	if err := m.createImport(e, s, rows, &rep); err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, rep)
}

// checkImport validates every row as CreateUser would, plus what only the
// sheet can get wrong: duplicates between rows and an ambiguous unit name.
// Rows get their unit id resolved in place.
func (m *Module) checkImport(s *policies.Subject, rows []sheetRow) (ImportReport, error) {
	units, err := loadUnitNames(m.app)
	if err != nil {
		return ImportReport{}, err
	}
	col, err := m.app.FindCachedCollectionByNameOrId("users")
	if err != nil {
		return ImportReport{}, err
	}
	c := &importCheck{m: m, s: s, units: units, col: col, seen: map[string]int{}}
	rep := ImportReport{Rows: make([]ImportRow, 0, len(rows))}
	for i := range rows {
		out := c.row(&rows[i])
		if out.OK {
			rep.Valid++
		} else {
			rep.Invalid++
		}
		rep.Rows = append(rep.Rows, out)
	}
	return rep, nil
}

// importCheck holds what checking one sheet needs across rows.
type importCheck struct {
	m     *Module
	s     *policies.Subject
	units *unitNames
	col   *core.Collection
	seen  map[string]int // "username:x" / "email:x" / "id_number:x" (lower case) → first row
}

func (c *importCheck) row(r *sheetRow) ImportRow {
	out := ImportRow{Row: r.N, Username: r.In.Username, Problems: []ImportProblem{}}
	add := func(field, msg string) {
		for _, p := range out.Problems {
			if p.Field == field {
				return // one problem per field is enough to fix it
			}
		}
		out.Problems = append(out.Problems, ImportProblem{Field: field, Column: columnHeader(field), Message: msg})
	}
	if id, msg := c.units.resolve(r.In.Unit); msg != "" {
		add("unit", msg)
	} else {
		r.In.Unit = id
	}
	if err := CheckUserInput(c.m.app, &r.In); err != nil {
		for _, f := range sortedFields(err) {
			add(f, err.Data[f].Message)
		}
	}
	for _, k := range []struct{ field, value string }{{"username", r.In.Username}, {"email", r.In.Email}, {"id_number", r.In.IDNumber}} {
		if k.value == "" {
			continue
		}
		key := k.field + ":" + strings.ToLower(k.value)
		if first, dup := c.seen[key]; dup {
			add(k.field, fmt.Sprintf("与第 %d 行重复", first))
		} else {
			c.seen[key] = r.N
		}
	}
	if path, ok := c.units.paths[r.In.Unit]; ok && !c.m.mayManageIn(c.s, c.col, r.In, path) {
		add("unit", "所在单位不存在或已停用") // the same words as a unit that does not exist
	}
	out.OK = len(out.Problems) == 0
	return out
}

// mayManageIn asks the policy about the account the row would create.
func (m *Module) mayManageIn(s *policies.Subject, col *core.Collection, in UserInput, unitPath string) bool {
	r := core.NewRecord(col)
	r.Set("unit", in.Unit)
	r.Set("unit_path", unitPath)
	r.Set("rank", in.Rank)
	ok, _ := m.app.Authz.Can(s, "manage", r)
	return ok
}

func sortedFields(err *api.Error) []string {
	return slices.Sorted(maps.Keys(err.Data))
}

// unitNames resolves the 单位 column: an active unit's id or its exact name.
type unitNames struct {
	paths  map[string]string   // id → path
	byName map[string][]string // name → ids
}

func loadUnitNames(app core.App) (*unitNames, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
		Path string `db:"path"`
	}
	err := app.DB().Select("id", "name", "path").From("units").Where(dbx.HashExp{"active": true}).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("org: import units: %w", err)
	}
	u := &unitNames{paths: map[string]string{}, byName: map[string][]string{}}
	for _, r := range rows {
		u.paths[r.ID] = r.Path
		u.byName[r.Name] = append(u.byName[r.Name], r.ID)
	}
	return u, nil
}

// resolve returns the unit id, or a message saying why there is none.
func (u *unitNames) resolve(raw string) (string, string) {
	raw = strings.TrimSpace(raw)
	switch ids := u.byName[raw]; {
	case raw == "":
		return "", "请填写单位全称或单位 ID"
	case u.paths[raw] != "":
		return raw, ""
	case len(ids) == 1:
		return ids[0], ""
	case len(ids) > 1:
		return "", fmt.Sprintf("有 %d 个单位名为“%s”，请改填单位 ID", len(ids), raw)
	}
	return "", fmt.Sprintf("单位“%s”不存在或已停用", raw)
}

// createImport creates every row in one transaction. Passwords are hashed
// first, in parallel, so the write lock is held only for the inserts.
func (m *Module) createImport(e *core.RequestEvent, s *policies.Subject, rows []sheetRow, rep *ImportReport) error {
	passwords, hashes, err := initialPasswords(m.app, len(rows))
	if err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, "user.import", func(tx core.App, c *api.Change) error {
		created := make([]userAudit, 0, len(rows))
		for i, row := range rows {
			in := row.In
			in.Password, in.passwordHash = "", hashes[i]
			r, _, err := CreateUser(tx, in)
			if err != nil {
				return rowError(row.N, err) // someone created a clashing account meanwhile
			}
			rep.Rows[i].ID, rep.Rows[i].InitialPassword = r.Id, passwords[i]
			created = append(created, auditUser(r))
		}
		c.Object, c.After = "users", created
		return nil
	})
	if err != nil {
		return err
	}
	rep.Created = len(rows)
	return nil
}

func rowError(n int, err error) error {
	var ae *api.Error
	if errors.As(err, &ae) && len(ae.Data) > 0 {
		f := sortedFields(ae)[0]
		return api.BadField("file", "row_invalid", fmt.Sprintf("第 %d 行%s：%s", n, columnHeader(f), ae.Data[f].Message))
	}
	return err
}

// initialPasswords makes n one-time passwords and their hashes (with the
// users collection's own bcrypt settings) on every core.
func initialPasswords(app core.App, n int) ([]string, []string, error) {
	col, err := app.FindCachedCollectionByNameOrId("users")
	if err != nil {
		return nil, nil, err
	}
	passwords, hashes := make([]string, n), make([]string, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(n, 1)) {
		wg.Go(func() {
			for i := range next {
				r := core.NewRecord(col)
				passwords[i] = NewInitialPassword()
				r.SetPassword(passwords[i])
				hashes[i] = r.GetString("password:hash")
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return passwords, hashes, nil
}
