package migrate

import (
	"fmt"
	"sort"
	"strings"
)

// Questioner answers the autodetector's questions: whether a change is a rename, and
// which value existing rows get for a new NOT NULL field without a default. The
// makemigrations command asks on the terminal, or answers from flags in scripts.
type Questioner interface {
	// AskRename asks whether old was renamed to new (what is "model" or "field").
	AskRename(what, old, new string) (bool, error)
	// AskFill returns a value for existing rows of field label ("app.Model.field"),
	// which is NOT NULL and has no default; ok false (or an error) stops makemigrations.
	AskFill(label string, becomingNotNull bool) (value string, err error)
}

// ErrNeedsDefault is the cause of the error when a NOT NULL field without a default
// needs a value for existing rows and the Questioner gave none.
var ErrNeedsDefault = fmt.Errorf("needs a default")

// Diff compares the migration history's state (from) with the models' state (to) and
// returns, per app, the operations that turn one into the other. Nothing is guessed:
// renames are offered to q only when unambiguous, and NOT NULL fields without a
// default ask q for a value.
func Diff(from, to *State, q Questioner) (map[string][]Operation, error) {
	d := &differ{cur: from.Clone(), to: to, q: q, ops: map[string][]Operation{}}
	if err := d.run(); err != nil {
		return nil, err
	}
	for app, ops := range d.ops {
		if len(ops) == 0 {
			delete(d.ops, app)
		}
	}
	return d.ops, nil
}

type differ struct {
	cur, to *State
	q       Questioner
	ops     map[string][]Operation
}

func (d *differ) add(app string, op Operation) error {
	if err := op.State(d.cur); err != nil {
		return err
	}
	d.ops[app] = append(d.ops[app], op)
	return nil
}

// fieldSig is a field's definition for comparisons; rename detection leaves the name
// (and a column that followed it) out.
func fieldSig(f *Field, withName bool) string {
	c := *f
	if !withName {
		c.Name = ""
		if f.Column == "" || f.Column == defaultColumn(f) {
			c.Column = ""
		}
		if c.autoM2M() {
			c.ThroughTable = ""
		}
	}
	return fmt.Sprintf("%#v", c)
}

func modelSig(m *ModelState) string {
	var parts []string
	for _, f := range m.Fields {
		c := *f
		if strings.EqualFold(c.To, m.Label()) {
			c.To = "self"
		}
		if c.autoM2M() {
			c.ThroughTable, c.SourceColumn, c.TargetColumn = "", "", ""
		}
		parts = append(parts, fmt.Sprintf("%#v", c))
	}
	return strings.Join(parts, "\n")
}

func (d *differ) run() error {
	// 1. renamed models
	added, removed := d.modelSets()
	for _, nk := range added {
		nm := d.to.Models[nk]
		var cands []*ModelState
		for _, ok := range removed {
			om := d.cur.Models[ok]
			if om != nil && om.App == nm.App && modelSig(om) == modelSig(d.renamedView(nm, om)) {
				cands = append(cands, om)
			}
		}
		if len(cands) != 1 || d.claimedBy(cands[0], added) > 1 {
			continue
		}
		om := cands[0]
		yes, err := d.q.AskRename("model", om.Label(), nm.Label())
		if err != nil {
			return err
		}
		if !yes {
			continue
		}
		if err := d.add(nm.App, &RenameModel{App: nm.App, OldName: om.Name, NewName: nm.Name}); err != nil {
			return err
		}
		removed = without(removed, om.Key())
	}
	// 2. created models, targets first; fields pointing at models created later are
	// added afterwards.
	added, removed = d.modelSets()
	var deferred []*AddField
	for _, nk := range d.createOrder(added) {
		nm := d.to.Models[nk]
		op := &CreateModel{App: nm.App, Name: nm.Name, Table: nm.Table, Indexes: cloneIndexes(nm.Indexes)}
		for _, f := range nm.Fields {
			if f.To != "" && !strings.EqualFold(f.To, nm.Label()) {
				if _, exists := d.cur.Model(f.To); !exists {
					deferred = append(deferred, &AddField{App: nm.App, Model: nm.Name, Field: f.clone()})
					continue
				}
			}
			op.Fields = append(op.Fields, f.clone())
		}
		if len(deferred) > 0 {
			var keep []Index
			for _, ix := range op.Indexes {
				ok := true
				for _, n := range ix.Fields {
					if !hasField(op.Fields, n) {
						ok = false
					}
				}
				if ok {
					keep = append(keep, ix)
				}
			}
			op.Indexes = keep
		}
		if err := d.add(nm.App, op); err != nil {
			return err
		}
	}
	for _, op := range deferred {
		if err := d.add(op.App, op); err != nil {
			return err
		}
	}
	// indexes of created models that waited for deferred fields
	for _, nk := range added {
		if err := d.diffIndexes(d.cur.Models[nk], d.to.Models[nk], true); err != nil {
			return err
		}
	}
	// 3. changed models
	var common []string
	for k := range d.to.Models {
		if _, ok := d.cur.Models[k]; ok && !containsStr(added, k) {
			common = append(common, k)
		}
	}
	sort.Strings(common)
	for _, k := range common {
		if err := d.diffModel(d.cur.Models[k], d.to.Models[k]); err != nil {
			return err
		}
	}
	// 4. deleted models, those pointing at others first
	for _, k := range d.deleteOrder(removed) {
		om := d.cur.Models[k]
		if err := d.add(om.App, &DeleteModel{App: om.App, Name: om.Name}); err != nil {
			return err
		}
	}
	return nil
}

// renamedView returns nm as it would look if it were om renamed (self references and
// the default table follow the name).
func (d *differ) renamedView(nm, om *ModelState) *ModelState {
	v := nm.clone()
	v.Name = om.Name
	for _, f := range v.Fields {
		if strings.EqualFold(f.To, nm.Label()) {
			f.To = om.Label()
		}
	}
	return v
}

// claimedBy counts the added models that look like a rename of om.
func (d *differ) claimedBy(om *ModelState, added []string) int {
	n := 0
	for _, nk := range added {
		nm := d.to.Models[nk]
		if nm.App == om.App && modelSig(om) == modelSig(d.renamedView(nm, om)) {
			n++
		}
	}
	return n
}

func (d *differ) modelSets() (added, removed []string) {
	for k := range d.to.Models {
		if _, ok := d.cur.Models[k]; !ok {
			added = append(added, k)
		}
	}
	for k := range d.cur.Models {
		if _, ok := d.to.Models[k]; !ok {
			removed = append(removed, k)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func hasField(fs []*Field, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

func cloneIndexes(ixs []Index) []Index {
	var out []Index
	for _, ix := range ixs {
		ix.Fields = append([]string(nil), ix.Fields...)
		out = append(out, ix)
	}
	return out
}

// createOrder sorts new models so that relation targets come first.
func (d *differ) createOrder(keys []string) []string {
	in := map[string]bool{}
	for _, k := range keys {
		in[k] = true
	}
	state := map[string]int{}
	var out []string
	var visit func(k string)
	visit = func(k string) {
		if state[k] != 0 {
			return
		}
		state[k] = 1
		for _, f := range d.to.Models[k].Fields {
			if t, ok := d.to.Model(f.To); ok && in[t.Key()] {
				visit(t.Key())
			}
			if t, ok := d.to.Model(f.Through); ok && in[t.Key()] {
				visit(t.Key())
			}
		}
		state[k] = 2
		out = append(out, k)
	}
	for _, k := range keys {
		visit(k)
	}
	return out
}

// deleteOrder sorts removed models so that models pointing at others go first.
func (d *differ) deleteOrder(keys []string) []string {
	order := d.createOrderFrom(d.cur, keys)
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order
}

func (d *differ) createOrderFrom(s *State, keys []string) []string {
	saved := d.to
	d.to = s
	defer func() { d.to = saved }()
	return d.createOrder(keys)
}

func (d *differ) diffModel(om, nm *ModelState) error {
	app, name := nm.App, nm.Name
	if om.Table != nm.Table {
		if err := d.add(app, &AlterModelTable{App: app, Name: name, Table: nm.Table}); err != nil {
			return err
		}
	}
	// indexes that go away go first (they may name fields that are removed)
	if err := d.diffIndexes(om, nm, false); err != nil {
		return err
	}
	var addedF, removedF []*Field
	for _, f := range nm.Fields {
		if _, ok := om.Field(f.Name); !ok {
			addedF = append(addedF, f)
		}
	}
	for _, f := range om.Fields {
		if _, ok := nm.Field(f.Name); !ok {
			removedF = append(removedF, f)
		}
	}
	// renamed fields: one removed field with the same definition as one added field
	renamed := map[string]bool{}
	for _, af := range addedF {
		var cands []*Field
		for _, rf := range removedF {
			if !renamed[rf.Name] && fieldSig(rf, false) == fieldSig(af, false) {
				cands = append(cands, rf)
			}
		}
		if len(cands) != 1 {
			continue
		}
		claims := 0
		for _, af2 := range addedF {
			if fieldSig(cands[0], false) == fieldSig(af2, false) {
				claims++
			}
		}
		if claims != 1 {
			continue
		}
		yes, err := d.q.AskRename("field", nm.Label()+"."+cands[0].Name, nm.Label()+"."+af.Name)
		if err != nil {
			return err
		}
		if !yes {
			continue
		}
		if err := d.add(app, &RenameField{App: app, Model: name, OldName: cands[0].Name, NewName: af.Name}); err != nil {
			return err
		}
		renamed[cands[0].Name], renamed["+"+af.Name] = true, true
		cur, _ := d.cur.Model(nm.Label())
		if f, _ := cur.Field(af.Name); f != nil && fieldSig(f, true) != fieldSig(af, true) {
			if err := d.add(app, &AlterField{App: app, Model: name, Field: af.clone()}); err != nil {
				return err
			}
		}
	}
	for _, rf := range removedF {
		if !renamed[rf.Name] {
			if err := d.add(app, &RemoveField{App: app, Model: name, Name: rf.Name}); err != nil {
				return err
			}
		}
	}
	// altered fields
	for _, nf := range nm.Fields {
		of, ok := om.Field(nf.Name)
		if !ok || fieldSig(of, true) == fieldSig(nf, true) {
			continue
		}
		op := &AlterField{App: app, Model: name, Field: nf.clone()}
		if of.Null && !nf.Null && !nf.HasDefault {
			v, err := d.q.AskFill(nm.Label()+"."+nf.Name, true)
			if err != nil {
				return err
			}
			op.HasFill, op.Fill = true, v
		}
		if err := d.add(app, op); err != nil {
			return err
		}
	}
	for _, af := range addedF {
		if renamed["+"+af.Name] {
			continue
		}
		op := &AddField{App: app, Model: name, Field: af.clone()}
		if af.concrete() && !af.Null && !af.HasDefault && !af.Auto {
			v, err := d.q.AskFill(nm.Label()+"."+af.Name, false)
			if err != nil {
				return err
			}
			op.HasFill, op.Fill = true, v
		}
		if err := d.add(app, op); err != nil {
			return err
		}
	}
	cur, _ := d.cur.Model(nm.Label())
	return d.diffIndexes(cur, nm, true)
}

// diffIndexes emits RemoveIndex (adding false) or AddIndex (adding true) operations.
func (d *differ) diffIndexes(om, nm *ModelState, adding bool) error {
	has := func(list []Index, ix Index) bool {
		for _, x := range list {
			if x.key() == ix.key() {
				return true
			}
		}
		return false
	}
	if adding {
		for _, ix := range nm.Indexes {
			if !has(om.Indexes, ix) {
				if err := d.add(nm.App, &AddIndex{App: nm.App, Model: nm.Name, Index: cloneIndexes([]Index{ix})[0]}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, ix := range om.Indexes {
		if !has(nm.Indexes, ix) {
			if err := d.add(nm.App, &RemoveIndex{App: nm.App, Model: om.Name, Index: cloneIndexes([]Index{ix})[0]}); err != nil {
				return err
			}
		}
	}
	return nil
}

// dependencies returns the apps (other than app) whose models ops point at.
func dependencies(app string, ops []Operation) []string {
	seen := map[string]bool{}
	note := func(label string) {
		a, _, _ := strings.Cut(label, ".")
		if a != "" && a != app {
			seen[a] = true
		}
	}
	fieldDeps := func(f *Field) {
		if f == nil {
			return
		}
		note(f.To)
		note(f.Through)
	}
	for _, op := range ops {
		switch o := op.(type) {
		case *CreateModel:
			for _, f := range o.Fields {
				fieldDeps(f)
			}
		case *AddField:
			fieldDeps(o.Field)
		case *AlterField:
			fieldDeps(o.Field)
		}
	}
	var out []string
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
