package orm

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// ModelsProvider is implemented by installed apps that have models: Models returns
// one value (or pointer) of each model struct. RegisterApps reads it, so the core
// never needs to import the orm.
type ModelsProvider interface {
	Models() []any
}

// Register registers model T under app label app and returns its metadata. It is
// idempotent for the same app; a bad tag is an error naming the struct and the field.
func Register[T any](app string) (*ModelInfo, error) {
	return registerType(reflect.TypeFor[T](), app)
}

// MustRegister is Register that panics on error, for package-level model setup.
func MustRegister[T any](app string) *ModelInfo {
	m, err := Register[T](app)
	if err != nil {
		panic(err)
	}
	return m
}

// RegisterModels registers each model value (a struct or a pointer to one) under app.
func RegisterModels(app string, models ...any) error {
	for _, v := range models {
		t := reflect.TypeOf(v)
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil {
			return fmt.Errorf("orm: app %s: nil model", app)
		}
		if _, err := registerType(t, app); err != nil {
			return err
		}
	}
	return nil
}

// RegisterApps registers the models of every app that has a Label() string method and
// implements ModelsProvider (galvani.AppConfig values, typically from App.Apps(); apps
// without models are skipped). A value that is no app at all, such as the slice
// App.Apps() itself passed without "...", is an error rather than nothing registered.
func RegisterApps(apps ...any) error {
	for _, a := range apps {
		l, isApp := a.(interface{ Label() string })
		mp, ok := a.(ModelsProvider)
		if !ok {
			if !isApp {
				return fmt.Errorf("orm: RegisterApps: %T is not an app (it has no Label method)", a)
			}
			continue
		}
		if !isApp {
			return fmt.Errorf("orm: %T provides models but has no Label() method", a)
		}
		if err := RegisterModels(l.Label(), mp.Models()...); err != nil {
			return err
		}
	}
	return nil
}

func registerType(t reflect.Type, app string) (*ModelInfo, error) {
	infoMu.Lock()
	defer infoMu.Unlock()
	if m, ok := infoCache[t]; ok {
		if m.App != app {
			return nil, fmt.Errorf("orm: model %s is already registered in app %q", t, m.App)
		}
		return m, nil
	}
	appOf[t] = app
	m, err := buildInfo(t, app)
	if err != nil {
		delete(appOf, t)
		return nil, err
	}
	for _, o := range regOrder {
		if o.Table == m.Table {
			delete(appOf, t)
			return nil, fmt.Errorf("orm: model %s: table %q is already used by %s", m.Label(), m.Table, o.Label())
		}
		if o.App == app && o.Name == m.Name {
			delete(appOf, t)
			return nil, fmt.Errorf("orm: model %s is registered twice (types %s and %s)", m.Label(), o.Type, t)
		}
	}
	infoCache[t] = m
	infoRead.Store(t, m)
	regOrder = append(append([]*ModelInfo(nil), regOrder...), m)
	return m, nil
}

// Models returns every registered model, in registration order. With app labels
// given, only those apps' models.
func Models(apps ...string) []*ModelInfo {
	all := registeredModels()
	if len(apps) == 0 {
		return all
	}
	var out []*ModelInfo
	for _, m := range all {
		for _, a := range apps {
			if m.App == a {
				out = append(out, m)
			}
		}
	}
	return out
}

// ModelByLabel returns the model "app.Name" (case-insensitive on the name).
func ModelByLabel(label string) (*ModelInfo, bool) {
	app, name, _ := strings.Cut(label, ".")
	for _, m := range registeredModels() {
		if m.App == app && strings.EqualFold(m.Name, name) {
			return m, true
		}
	}
	return nil, false
}

// resolveThrough finds the through model of an M2M field declared with through=, and
// its two FK columns.
func resolveThrough(f *Field) error {
	r := f.Rel
	infoMu.RLock()
	done := r.resolved
	infoMu.RUnlock()
	if done {
		return nil
	}
	var tm *ModelInfo
	name := r.throughName
	if !strings.Contains(name, ".") {
		name = f.Model.App + "." + name
	}
	tm, ok := ModelByLabel(name)
	if !ok {
		return fmt.Errorf("orm: model %s, field %s: through model %q is not registered", f.Model.Name, f.GoName, r.throughName)
	}
	var src, dst *Field
	for _, tf := range tm.concrete {
		if tf.Rel == nil {
			continue
		}
		if tf.Rel.TargetType == f.Model.Type && src == nil {
			src = tf
		} else if tf.Rel.TargetType == r.TargetType && dst == nil {
			dst = tf
		}
	}
	if src == nil || dst == nil {
		return fmt.Errorf("orm: model %s, field %s: through model %s needs a FK to %s and a FK to %s", f.Model.Name, f.GoName, tm.Name, f.Model.Name, r.TargetType.Name())
	}
	infoMu.Lock()
	r.Through, r.ThroughTable, r.SourceColumn, r.TargetColumn, r.resolved = tm.Type, tm.Table, src.Column, dst.Column, true
	infoMu.Unlock()
	return nil
}

// Check validates the relations between registered models: every FK, OneToOne and
// M2M target is registered, through models resolve, and related names don't clash.
// CreateTables and the migration framework call it; call it at startup to fail early.
func Check() error {
	var errs []string
	seen := map[string]string{}
	for _, m := range registeredModels() {
		for _, f := range m.Fields {
			if f.Rel == nil {
				continue
			}
			t, err := f.Rel.Target()
			if err != nil {
				errs = append(errs, fmt.Sprintf("model %s, field %s: target %s is not registered", m.Label(), f.GoName, f.Rel.TargetType))
				continue
			}
			if f.Kind == KindM2M {
				if err := resolveThrough(f); err != nil {
					errs = append(errs, err.Error())
				}
			}
			key := t.Label() + "." + f.Rel.RelatedName
			if other, dup := seen[key]; dup {
				errs = append(errs, fmt.Sprintf("model %s, field %s: related_name %q on %s clashes with %s", m.Label(), f.GoName, f.Rel.RelatedName, t.Label(), other))
			}
			if _, clash := t.byName[f.Rel.RelatedName]; clash {
				errs = append(errs, fmt.Sprintf("model %s, field %s: related_name %q clashes with field %s.%s", m.Label(), f.GoName, f.Rel.RelatedName, t.Name, f.Rel.RelatedName))
			}
			seen[key] = m.Label() + "." + f.GoName
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("orm: %s", strings.Join(errs, "; "))
	}
	return nil
}
