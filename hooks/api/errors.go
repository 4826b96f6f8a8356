// Package api owns the HTTP contract shared by every module (shared/docs/API.md):
// the error shape, the list envelope, the app handle routes receive, and the
// guarded list/view helpers that put the policy into every query.
package api

import (
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// FieldError describes what is wrong with one input field.
type FieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is every non-2xx answer: {status, code, message, data}.
type Error struct {
	Status  int                   `json:"status"`
	Code    string                `json:"code"`
	Message string                `json:"message"`
	Data    map[string]FieldError `json:"data"`

	// RetryAfter, in seconds, is sent as the Retry-After header on 429/503.
	RetryAfter int `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// NewError builds an error answer.
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message, Data: map[string]FieldError{}}
}

// BadField is a 400 naming one field.
func BadField(field, code, message string) *Error {
	e := NewError(http.StatusBadRequest, "invalid_input", "输入有误："+message)
	e.Data[field] = FieldError{Code: code, Message: message}
	return e
}

// Field adds another field's problem to a 400.
func (e *Error) Field(field, code, message string) *Error {
	e.Data[field] = FieldError{Code: code, Message: message}
	return e
}

// Common answers.
func Unauthorized() *Error { return NewError(http.StatusUnauthorized, "unauthorized", "请先登录") }
func Forbidden() *Error {
	return NewError(http.StatusForbidden, "forbidden", "您的角色无权进行此类操作")
}
func NotFound() *Error {
	return NewError(http.StatusNotFound, "not_found", "对象不存在或无权查看")
}
func Conflict(message string) *Error {
	return NewError(http.StatusConflict, "conflict", message)
}
func Internal() *Error {
	return NewError(http.StatusInternalServerError, "internal_error", "服务器内部错误，请稍后重试")
}

var statusText = map[int]struct{ code, message string }{
	400: {"invalid_input", "输入有误"},
	401: {"unauthorized", "请先登录"},
	403: {"forbidden", "您的角色无权进行此类操作"},
	404: {"not_found", "对象不存在或无权查看"},
	405: {"method_not_allowed", "不支持的请求方法"},
	409: {"conflict", "操作冲突，请刷新后重试"},
	413: {"too_large", "请求内容过大"},
	429: {"too_many_requests", "请求过于频繁，请稍后再试"},
	503: {"unavailable", "依赖的服务暂不可用，请稍后重试"},
}

var fieldMessages = map[string]string{
	"validation_required":            "不能为空",
	"validation_invalid_email":       "邮箱格式不正确",
	"validation_length_out_of_range": "长度不符合要求",
	"validation_not_unique":          "已被使用",
	"validation_invalid_value":       "取值无效",
	"validation_values_mismatch":     "两次输入不一致",
	"validation_invalid_format":      "格式不正确",
}

// toError turns any error a handler or PocketBase returned into the contract shape.
func toError(err error) *Error {
	var own *Error
	if errors.As(err, &own) {
		if own.Data == nil {
			own.Data = map[string]FieldError{}
		}
		return own
	}
	var apiErr *router.ApiError
	if !errors.As(err, &apiErr) {
		var verrs validation.Errors
		switch {
		case errors.As(err, &verrs):
			apiErr = router.NewBadRequestError("", verrs)
		case errors.Is(err, sql.ErrNoRows):
			return NotFound()
		default:
			return Internal() // never leak internals as a 400
		}
	}
	st, ok := statusText[apiErr.Status]
	if !ok {
		if apiErr.Status >= 500 || apiErr.Status < 400 {
			return Internal()
		}
		st = statusText[400]
	}
	out := NewError(apiErr.Status, st.code, st.message)
	if apiErr.Status == 400 && strings.Contains(apiErr.Message, "authenticate") {
		out.Code, out.Message = "invalid_credentials", "用户名或密码错误"
	}
	for field, v := range apiErr.Data {
		fe := FieldError{Code: "validation_invalid_value", Message: "取值无效"}
		if m, ok := v.(map[string]any); ok {
			if c, ok := m["code"].(string); ok {
				fe.Code = c
			}
			if msg, ok := fieldMessages[fe.Code]; ok {
				fe.Message = msg
			} else if msg, ok := m["message"].(string); ok {
				fe.Message = msg
			}
		}
		out.Data[field] = fe
	}
	if len(out.Data) > 0 && out.Status == 400 {
		f := slices.Sorted(maps.Keys(out.Data))[0]
		out.Message = "输入有误：" + f + " " + out.Data[f].Message
	}
	return out
}

// ErrorMiddlewarePriority places the renderer just inside the activity
// logger (which still sees the error) and outside panic recovery.
const ErrorMiddlewarePriority = -1035

// ErrorMiddleware renders every error, PocketBase's own included, in the
// contract shape, and marks API answers as not cacheable.
func ErrorMiddleware() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "govErrors",
		Priority: ErrorMiddlewarePriority,
		Func: func(e *core.RequestEvent) error {
			if strings.HasPrefix(e.Request.URL.Path, "/api/") {
				e.Response.Header().Set("Cache-Control", "private, no-store")
			}
			err := e.Next()
			if err == nil {
				return nil
			}
			if w, ok := e.Response.(router.WriteTracker); ok && w.Written() {
				return err
			}
			out := toError(err)
			if out.Status == http.StatusUnauthorized && SessionEnded(e) {
				out.Code, out.Message = "session_ended", "会话已结束，请重新登录"
			}
			if out.Status >= 500 {
				e.App.Logger().Error("request failed", "path", e.Request.URL.Path, "error", err.Error())
			}
			h := e.Response.Header()
			h.Set("Content-Type", "application/json; charset=utf-8")
			if out.RetryAfter > 0 {
				h.Set("Retry-After", itoa(out.RetryAfter))
			}
			e.Response.WriteHeader(out.Status)
			if e.Request.Method != http.MethodHead {
				_ = json.NewEncoder(e.Response).Encode(out)
			}
			return err // the activity logger still records the failure
		},
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
