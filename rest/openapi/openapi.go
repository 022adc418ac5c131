// Package openapi models OpenAPI 3.1 documents: the document, its operations and JSON
// Schema 2020-12 schemas, schemas derived from Go types (SchemaFor), YAML output
// (MarshalYAML) and an embedded documentation page (Swagger UI, vendored: no CDN).
//
// It knows nothing of how a document is produced: the rest package builds one from
// its registered views, and any handler can build one by hand.
package openapi

import (
	"encoding/json"
	"sort"
)

// Version is the OpenAPI version documents declare.
const Version = "3.1.0"

// Document is an OpenAPI 3.1 document.
type Document struct {
	OpenAPI    string                `json:"openapi"`
	Info       Info                  `json:"info"`
	Servers    []Server              `json:"servers,omitempty"`
	Paths      map[string]*PathItem  `json:"paths"`
	Components *Components           `json:"components,omitempty"`
	Security   []SecurityRequirement `json:"security,omitempty"`
	Tags       []Tag                 `json:"tags,omitempty"`
}

// Info describes the API.
type Info struct {
	Title       string   `json:"title"`
	Version     string   `json:"version"`
	Description string   `json:"description,omitempty"`
	License     *License `json:"license,omitempty"`
}

// License names the API's licence.
type License struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier,omitempty"`
	URL        string `json:"url,omitempty"`
}

// Server is a base URL of the API.
type Server struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
}

// Tag groups operations in the docs page.
type Tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// PathItem holds the operations of one path.
type PathItem struct {
	Get     *Operation `json:"get,omitempty"`
	Put     *Operation `json:"put,omitempty"`
	Post    *Operation `json:"post,omitempty"`
	Delete  *Operation `json:"delete,omitempty"`
	Options *Operation `json:"options,omitempty"`
	Head    *Operation `json:"head,omitempty"`
	Patch   *Operation `json:"patch,omitempty"`
}

// Set stores op under method (upper or lower case); unknown methods are ignored.
func (p *PathItem) Set(method string, op *Operation) {
	switch method {
	case "GET", "get":
		p.Get = op
	case "PUT", "put":
		p.Put = op
	case "POST", "post":
		p.Post = op
	case "DELETE", "delete":
		p.Delete = op
	case "OPTIONS", "options":
		p.Options = op
	case "HEAD", "head":
		p.Head = op
	case "PATCH", "patch":
		p.Patch = op
	}
}

// Operations returns the path's operations by upper-case method.
func (p *PathItem) Operations() map[string]*Operation {
	m := map[string]*Operation{}
	for k, op := range map[string]*Operation{"GET": p.Get, "PUT": p.Put, "POST": p.Post, "DELETE": p.Delete,
		"OPTIONS": p.Options, "HEAD": p.Head, "PATCH": p.Patch} {
		if op != nil {
			m[k] = op
		}
	}
	return m
}

// Operation is one method on one path.
type Operation struct {
	OperationID string                `json:"operationId,omitempty"`
	Summary     string                `json:"summary,omitempty"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags,omitempty"`
	Parameters  []*Parameter          `json:"parameters,omitempty"`
	RequestBody *RequestBody          `json:"requestBody,omitempty"`
	Responses   map[string]*Response  `json:"responses"`
	Security    []SecurityRequirement `json:"security,omitempty"`
	Deprecated  bool                  `json:"deprecated,omitempty"`
}

// Parameter is a path, query, header or cookie parameter.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema,omitempty"`
}

// RequestBody describes a request's body.
type RequestBody struct {
	Description string                `json:"description,omitempty"`
	Required    bool                  `json:"required,omitempty"`
	Content     map[string]*MediaType `json:"content"`
}

// Response describes one response.
type Response struct {
	Description string                `json:"description"`
	Headers     map[string]*Header    `json:"headers,omitempty"`
	Content     map[string]*MediaType `json:"content,omitempty"`
}

// Header describes a response header.
type Header struct {
	Description string  `json:"description,omitempty"`
	Schema      *Schema `json:"schema,omitempty"`
}

// MediaType is the schema of one content type.
type MediaType struct {
	Schema *Schema `json:"schema,omitempty"`
}

// Components holds the reusable parts of a document.
type Components struct {
	Schemas         map[string]*Schema         `json:"schemas,omitempty"`
	SecuritySchemes map[string]*SecurityScheme `json:"securitySchemes,omitempty"`
}

// SecurityScheme is how clients authenticate: type "http" (scheme "bearer" or
// "basic"), "apiKey" (in header, query or cookie) and so on.
type SecurityScheme struct {
	Type         string `json:"type"`
	Description  string `json:"description,omitempty"`
	Name         string `json:"name,omitempty"`
	In           string `json:"in,omitempty"`
	Scheme       string `json:"scheme,omitempty"`
	BearerFormat string `json:"bearerFormat,omitempty"`
}

// SecurityRequirement names the schemes an operation accepts (an empty one means
// "no authentication").
type SecurityRequirement map[string][]string

// Schema is a JSON Schema (2020-12, as OpenAPI 3.1 uses it). Type is a string or,
// for nullable values, a list such as ["string", "null"].
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 any                `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Title                string             `json:"title,omitempty"`
	Description          string             `json:"description,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Default              any                `json:"default,omitempty"`
	Examples             []any              `json:"examples,omitempty"`
	ReadOnly             bool               `json:"readOnly,omitempty"`
	WriteOnly            bool               `json:"writeOnly,omitempty"`
	MinLength            *int               `json:"minLength,omitempty"`
	MaxLength            *int               `json:"maxLength,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	MinItems             *int               `json:"minItems,omitempty"`
	MaxItems             *int               `json:"maxItems,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
	ContentEncoding      string             `json:"contentEncoding,omitempty"`
	ContentMediaType     string             `json:"contentMediaType,omitempty"`

	order []string // property order for output (MarshalJSON)
}

// Ref returns a schema that refers to the component schema name.
func Ref(name string) *Schema { return &Schema{Ref: "#/components/schemas/" + name} }

// SetProperty adds or replaces the property name, keeping properties in the order
// they were first set (the order the document lists them in).
func (s *Schema) SetProperty(name string, p *Schema, required bool) {
	if s.Properties == nil {
		s.Properties = map[string]*Schema{}
	}
	if _, ok := s.Properties[name]; !ok {
		s.order = append(s.order, name)
	}
	s.Properties[name] = p
	if required {
		for _, r := range s.Required {
			if r == name {
				return
			}
		}
		s.Required = append(s.Required, name)
	}
}

// Nullable returns a copy of s that also allows null.
func (s *Schema) Nullable() *Schema {
	c := *s
	switch t := s.Type.(type) {
	case string:
		c.Type = []string{t, "null"}
	case []string:
		for _, x := range t {
			if x == "null" {
				return &c
			}
		}
		c.Type = append(append([]string(nil), t...), "null")
	default:
		if s.Ref != "" || s.Type == nil {
			return &Schema{OneOf: []*Schema{s, {Type: "null"}}, Description: s.Description, ReadOnly: s.ReadOnly, WriteOnly: s.WriteOnly}
		}
	}
	return &c
}

// MarshalJSON writes the schema with its properties in the order they were set.
func (s *Schema) MarshalJSON() ([]byte, error) {
	type plain Schema
	b, err := json.Marshal((*plain)(s))
	if err != nil || len(s.Properties) == 0 {
		return b, err
	}
	// Re-encode with ordered properties.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	props, err := orderedObject(s.Properties, s.order)
	if err != nil {
		return nil, err
	}
	m["properties"] = props
	return orderedObject(m, schemaKeyOrder)
}

// schemaKeyOrder is the order schema keywords are written in, for readable output.
var schemaKeyOrder = []string{"$ref", "type", "format", "title", "description", "enum", "default", "examples",
	"readOnly", "writeOnly", "minLength", "maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems",
	"items", "properties", "required", "additionalProperties", "oneOf", "anyOf"}

// orderedObject encodes m with the keys in order first, then the others sorted.
func orderedObject[V any](m map[string]V, order []string) ([]byte, error) {
	seen := make(map[string]bool, len(m))
	keys := make([]string, 0, len(m))
	for _, k := range order {
		if _, ok := m[k]; ok && !seen[k] {
			keys = append(keys, k)
			seen[k] = true
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	keys = append(keys, rest...)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k)
		b = append(b, kb...)
		b = append(b, ':')
		vb, err := json.Marshal(m[k])
		if err != nil {
			return nil, err
		}
		b = append(b, vb...)
	}
	return append(b, '}'), nil
}

// JSON returns the document as indented JSON.
func (d *Document) JSON() ([]byte, error) { return json.MarshalIndent(d, "", "  ") }
