package notices_test

import (
	"bytes"
	"encoding/json"
)

// toJSON is v as JSON text, HTML left unescaped, for substring checks.
func toJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.String()
}
