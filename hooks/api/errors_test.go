package api

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/tools/router"
)

func TestToError(t *testing.T) {
	cases := []struct {
		name      string
		in        error
		status    int
		code      string
		field     string
		fieldCode string
	}{
		{"our own error passes through", BadField("name", "required", "不能为空"), 400, "invalid_input", "name", "required"},
		{"wrapped own error", fmt.Errorf("x: %w", NotFound()), 404, "not_found", "", ""},
		{"PocketBase 404", router.NewNotFoundError("", nil), 404, "not_found", "", ""},
		{"PocketBase 403", router.NewForbiddenError("Only superusers can perform this action.", nil), 403, "forbidden", "", ""},
		{"PocketBase validation", router.NewBadRequestError("Failed to create record.",
			validation.Errors{"username": validation.NewError("validation_not_unique", "Value must be unique.")}),
			400, "invalid_input", "username", "validation_not_unique"},
		{"bare validation errors from a save", validation.Errors{"name": validation.NewError("validation_required", "Cannot be blank.")},
			400, "invalid_input", "name", "validation_required"},
		{"no rows", fmt.Errorf("load: %w", sql.ErrNoRows), 404, "not_found", "", ""},
		{"an internal failure never reads as bad input", errors.New("disk full"), 500, "internal_error", "", ""},
		{"PocketBase 429", router.NewTooManyRequestsError("", nil), 429, "too_many_requests", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := toError(c.in)
			if got.Status != c.status || got.Code != c.code {
				t.Fatalf("got %d %s, want %d %s", got.Status, got.Code, c.status, c.code)
			}
			if got.Message == "" || got.Data == nil {
				t.Fatalf("empty message or nil data: %+v", got)
			}
			if c.field != "" {
				fe, ok := got.Data[c.field]
				if !ok || fe.Code != c.fieldCode || fe.Message == "" {
					t.Fatalf("field %s: %+v", c.field, got.Data)
				}
			}
		})
	}
}

func TestFieldMessagesAreChinese(t *testing.T) {
	got := toError(validation.Errors{"name": validation.NewError("validation_required", "Cannot be blank.")})
	if got.Data["name"].Message != "不能为空" || got.Message != "输入有误：name 不能为空" {
		t.Fatalf("got %+v", got)
	}
}
