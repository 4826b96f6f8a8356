package training

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
)

// HandleCheckinQR is GET /api/gov/courses/{id}/sessions/{sid}/checkin-qr:
// the PNG the trainer shows — the app's check-in page with the session's
// live token — drawn on the server (boombuler/barcode, already used for
// TOTP enrolment) so no QR script is shipped to browsers. 409 when no
// check-in is open.
func (m *Module) HandleCheckinQR(e *core.RequestEvent) error {
	_, course, err := m.managed(e)
	if err != nil {
		return err
	}
	sess, err := e.App.FindFirstRecordByFilter(SessionsTable, "id = {:s} && course = {:c}",
		dbx.Params{"s": e.Request.PathValue("sid"), "c": course.Id})
	if err != nil {
		return api.NotFound()
	}
	until := sess.GetDateTime("checkin_until")
	if sess.GetString("checkin_token") == "" || until.IsZero() || m.now().After(until.Time()) {
		return api.Conflict("本课次没有正在进行的签到，请先生成签到码")
	}
	scheme := "https"
	if e.Request.TLS == nil && e.Request.Header.Get("X-Forwarded-Proto") != "https" {
		scheme = "http"
	}
	url := fmt.Sprintf("%s://%s/#/checkin?c=%s&s=%s&t=%s", scheme, e.Request.Host, course.Id, sess.Id, sess.GetString("checkin_token"))
	code, err := qr.Encode(url, qr.M, qr.Auto)
	if err != nil {
		return err
	}
	if code, err = barcode.Scale(code, 320, 320); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, code); err != nil {
		return err
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, "image/png", buf.Bytes())
}
