package training_test

import (
	"bytes"
	"image/png"
	"testing"
	"time"
)

// TestCheckinQR: the trainer's QR image of a live check-in; nobody else's;
// none before a code is open or after it ran out.
func TestCheckinQR(t *testing.T) {
	e := newEnv(t)
	id := course(e, nil)
	s := sessionIDs(t, e, id)
	path := "/api/gov/courses/" + id + "/sessions/" + s[0] + "/checkin-qr"
	e.Must(409, "leader.east", "GET", path, nil)
	clock := time.Now()
	e.G.Training.SetClock(func() time.Time { return clock })
	e.Must(200, "leader.east", "POST", "/api/gov/courses/"+id+"/sessions/"+s[0]+"/checkin-code", map[string]any{"minutes": 5})
	code, _, raw := e.Call("leader.east", "GET", path, nil)
	if code != 200 {
		t.Fatalf("QR: %d %s", code, raw)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 320 {
		t.Fatalf("not a 320px PNG: %v", err)
	}
	e.Must(403, "staff.east.tax", "GET", path, nil)
	e.Must(404, "leader.west", "GET", path, nil)
	e.Must(403, "admin.sys", "GET", path, nil)
	e.Must(404, "leader.east", "GET", "/api/gov/courses/"+id+"/sessions/nosuchsession000/checkin-qr", nil)
	clock = clock.Add(6 * time.Minute)
	e.Must(409, "leader.east", "GET", path, nil)
}
