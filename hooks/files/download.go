package files

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
)

// BlobPrefix is where signed local URLs are served (one sub-path per store).
const BlobPrefix = "/api/gov/blob/"

// HandleDownload is GET /api/gov/files/{id}: after the policy allows the
// owning record (a pending upload: its uploader), the download is audited
// and answered with a 302 to a signed URL valid for at most 5 minutes.
// ?inline=1 asks to show a PDF or image in the browser; ?as=json answers
// {url, expires_in} instead of the redirect.
func (m *Module) HandleDownload(e *core.RequestEvent) error {
	s, err := m.app.Subject(e)
	if err != nil {
		return err
	}
	f, err := e.App.FindRecordById(FilesTable, e.Request.PathValue("id"))
	if err != nil {
		return api.NotFound()
	}
	ok, err := m.mayDownload(s, f)
	if err != nil {
		return err
	}
	if !ok {
		return api.NotFound()
	}
	inline := e.Request.URL.Query().Get("inline") == "1" && inlineMIME(f.GetString("mime"))
	ctx, cancel := context.WithTimeout(e.Request.Context(), statTimeout)
	defer cancel()
	u, err := m.Files.SignedURL(ctx, f.GetString("key"), m.urlTTL, ResponseHeaders{
		ContentType:        f.GetString("mime"),
		ContentDisposition: ContentDisposition(f.GetString("name"), inline),
	})
	if err != nil {
		return storeError(err)
	}
	// Audited before the URL leaves: no download goes unrecorded.
	if _, err := m.audit.LogRequest(e, actorEntry(e, audit.Entry{Action: "file.download", Object: FilesTable + "/" + f.Id,
		Detail: f.GetString("name")})); err != nil {
		return err
	}
	e.Response.Header().Set("Cache-Control", "private, no-store")
	if e.Request.URL.Query().Get("as") == "json" {
		// for the UI: a script cannot follow a redirect to another origin
		// (MinIO) and then hand the bytes over; it navigates to the URL
		return e.JSON(http.StatusOK, map[string]any{"url": u, "expires_in": int(m.urlTTL.Seconds())})
	}
	return e.Redirect(http.StatusFound, u)
}

// actorEntry fills in the actor's name and unit from the signed-in user
// the request has already loaded, sparing the audit log a look-up of the
// same row inside its write transaction.
func actorEntry(e *core.RequestEvent, en audit.Entry) audit.Entry {
	if e.Auth != nil && !e.Auth.IsSuperuser() && en.Actor == "" {
		en.Actor, en.ActorName, en.Unit = e.Auth.Id, e.Auth.GetString("username"), e.Auth.GetString("unit")
	}
	return en
}

// inlineMIME lists the types a browser may show in place.
func inlineMIME(mime string) bool {
	switch mime {
	case "application/pdf", "image/jpeg", "image/png":
		return true
	}
	return false
}

// HandleBlob is GET /api/gov/blob/{store}/{key...}: serves a signed local
// URL (local stores only). No login: the signature is the permission, and
// it expires within 5 minutes.
func (m *Module) HandleBlob(e *core.RequestEvent) error {
	var st Store
	switch e.Request.PathValue("store") {
	case "files":
		st = m.Files
	case "archive":
		st = m.Archive
	}
	ls, ok := st.(*LocalStore)
	if !ok {
		return api.NotFound()
	}
	err := ls.ServeSigned(e.Response, e.Request, e.Request.PathValue("key"))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrURLExpired):
		return api.NewError(http.StatusForbidden, "url_expired", "下载链接已过期，请重新打开文件")
	case errors.Is(err, ErrURLInvalid), errors.Is(err, ErrNotFound):
		return api.NotFound()
	}
	return storeError(err)
}

// ContentDisposition names the file for the browser (RFC 6266 with the RFC
// 5987 filename* for Chinese names, and an ASCII fallback for old clients).
func ContentDisposition(name string, inline bool) string {
	kind := "attachment"
	if inline {
		kind = "inline"
	}
	var fallback strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' || r == ';':
			fallback.WriteByte('_')
		default:
			fallback.WriteRune(r)
		}
	}
	return kind + `; filename="` + fallback.String() + `"; filename*=UTF-8''` + extValue(name)
}

// extValue percent-encodes every byte that is not an RFC 5987 attr-char.
func extValue(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
