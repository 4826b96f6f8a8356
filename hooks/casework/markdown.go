package casework

import "govcollab/hooks/markdown"

// Case bodies and comments use the shared renderer.
var (
	Render        = markdown.Render
	RenderComment = markdown.RenderComment
	PlainText     = markdown.PlainText
	Mentions      = markdown.Mentions
	ErrTooLarge   = markdown.ErrTooLarge
)

// MaxBodyBytes is the largest case body accepted.
const MaxBodyBytes = markdown.MaxBodyBytes
