package casework

import (
	"fmt"
	"govcollab/hooks/markdown"
	"slices"
	"strings"
	"unicode/utf8"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/security"
	"govcollab/migrations"
)

// Businesses are the kinds of work a case may concern.
var Businesses = []string{"行政许可", "行政执法", "政务服务", "市场监管", "税费征管", "社会保障", "应急管理", "基层治理", "其他"}

// Limits of a case's fields.
const (
	maxTitle    = 200
	maxSummary  = 1000
	maxTags     = 10
	maxTagRunes = 20
	maxEntities = 50
)

// Input is the body of POST /api/gov/cases and PATCH /api/gov/cases/{id}.
// Pointers tell a PATCH which fields it changes.
type Input struct {
	Title    *string        `json:"title"`
	Summary  *string        `json:"summary"`
	Body     *string        `json:"body"`
	Scope    *string        `json:"scope"`
	Tags     *[]string      `json:"tags"`
	Business *string        `json:"business"`
	Files    *[]string      `json:"files"`
	Entities *[]EntityInput `json:"entities"`
}

// EntityInput names an enterprise (统一社会信用代码) or a person (身份证号).
type EntityInput struct {
	Kind   string `json:"kind"`
	Number string `json:"number"`
	Name   string `json:"name"`
}

// content is a version's editable content, complete.
type content struct {
	Title, Summary, Body, Scope, Business string
	Tags                                  []string
	Files                                 []string
	Entities                              []EntityInput
}

// apply lays in over c, validating every field it sets; the first problem
// is a 400 naming the field, and c is then not to be used.
func (in *Input) apply(c *content) *api.Error {
	if in.Title != nil {
		c.Title = strings.TrimSpace(*in.Title)
	}
	if c.Title == "" {
		return api.BadField("title", "required", "请填写标题")
	}
	if utf8.RuneCountInString(c.Title) > maxTitle {
		return api.BadField("title", "too_long", fmt.Sprintf("标题不能超过 %d 字", maxTitle))
	}
	if in.Summary != nil {
		c.Summary = strings.TrimSpace(*in.Summary)
	}
	if utf8.RuneCountInString(c.Summary) > maxSummary {
		return api.BadField("summary", "too_long", fmt.Sprintf("摘要不能超过 %d 字", maxSummary))
	}
	if in.Body != nil {
		c.Body = *in.Body
	}
	if len(c.Body) > markdown.MaxBodyBytes {
		return api.BadField("body", "too_long", fmt.Sprintf("正文不能超过 %d 字节", markdown.MaxBodyBytes))
	}
	if in.Scope != nil {
		c.Scope = *in.Scope
	}
	if !slices.Contains(migrations.CaseScopes, c.Scope) {
		return api.BadField("scope", "invalid", "可见范围应为 unit、subtree、system 或 all")
	}
	if in.Business != nil {
		c.Business = strings.TrimSpace(*in.Business)
	}
	if c.Business != "" && !slices.Contains(Businesses, c.Business) {
		return api.BadField("business", "invalid", "业务类别应为："+strings.Join(Businesses, "、"))
	}
	if in.Tags != nil {
		tags, err := cleanTags(*in.Tags)
		if err != nil {
			return err
		}
		c.Tags = tags
	}
	if in.Files != nil {
		c.Files = []string{}
		for _, id := range *in.Files {
			if !slices.Contains(c.Files, id) {
				c.Files = append(c.Files, id)
			}
		}
	}
	if in.Entities != nil {
		ents, err := cleanEntities(*in.Entities)
		if err != nil {
			return err
		}
		c.Entities = ents
	}
	return nil
}

func cleanTags(raw []string) ([]string, *api.Error) {
	var tags []string
	for _, t := range raw {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "#"))
		if t == "" || slices.Contains(tags, t) {
			continue
		}
		if utf8.RuneCountInString(t) > maxTagRunes || strings.ContainsAny(t, ",，;；") {
			return nil, api.BadField("tags", "invalid", fmt.Sprintf("标签「%s」无效：每个标签不超过 %d 字，不含逗号", t, maxTagRunes))
		}
		tags = append(tags, t)
	}
	if len(tags) > maxTags {
		return nil, api.BadField("tags", "too_many", fmt.Sprintf("标签最多 %d 个", maxTags))
	}
	if tags == nil {
		tags = []string{}
	}
	return tags, nil
}

// cleanEntities validates every number by its check character (GB 32100
// for 统一社会信用代码, GB 11643 for 身份证号).
func cleanEntities(raw []EntityInput) ([]EntityInput, *api.Error) {
	if len(raw) > maxEntities {
		return nil, api.BadField("entities", "too_many", fmt.Sprintf("关联主体最多 %d 个", maxEntities))
	}
	out := []EntityInput{}
	seen := map[string]bool{}
	for i, e := range raw {
		e.Number = strings.ToUpper(strings.TrimSpace(e.Number))
		e.Name = strings.TrimSpace(e.Name)
		field := fmt.Sprintf("entities.%d.number", i)
		switch e.Kind {
		case "enterprise":
			if !security.ValidCreditCode(e.Number) {
				return nil, api.BadField(field, "invalid_credit_code", fmt.Sprintf("第 %d 个关联主体的统一社会信用代码无效（18 位，校验位不符）", i+1))
			}
		case "person":
			if !security.ValidIDNumber(e.Number) {
				return nil, api.BadField(field, "invalid_id_number", fmt.Sprintf("第 %d 个关联主体的身份证号无效（18 位，校验位不符）", i+1))
			}
		default:
			return nil, api.BadField(fmt.Sprintf("entities.%d.kind", i), "invalid", "关联主体类型应为 enterprise（企业）或 person（个人）")
		}
		if utf8.RuneCountInString(e.Name) > 100 {
			return nil, api.BadField(fmt.Sprintf("entities.%d.name", i), "too_long", "名称不能超过 100 字")
		}
		if seen[e.Kind+e.Number] {
			continue
		}
		seen[e.Kind+e.Number] = true
		out = append(out, e)
	}
	return out, nil
}

// markedField finds a 密级 mark (秘密/机密/绝密 as a mark, e.g. 机密★5年) in
// the title, summary or body an input sets.
func (in *Input) markedField() (field, mark string) {
	for _, f := range []struct {
		name string
		v    *string
	}{{"title", in.Title}, {"summary", in.Summary}, {"body", in.Body}} {
		if f.v == nil {
			continue
		}
		if mk := files.MarkIn(*f.v); mk != "" {
			return f.name, mk
		}
	}
	return "", ""
}
