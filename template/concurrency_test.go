package template

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentRenders renders shared compiled templates from many goroutines (run
// with -race): per-render state (cycles, ifchanged, blocks, loops) must not leak
// between renders.
func TestConcurrentRenders(t *testing.T) {
	e := New(WithLoader(MapLoader{
		"base": "<{% block a %}B{% endblock %}>{% block b %}{% endblock %}",
		"page": `{% extends "base" %}{% block a %}{{ block.super }}{{ n }}{% endblock %}{% block b %}{% for x in l %}{% cycle 'o' 'e' %}{% ifchanged x %}{{ x }}{% endifchanged %}{% include "row" %}{% endfor %}{% endblock %}`,
		"row":  "[{{ x }}{{ forloop.counter }}]",
	}))
	tm, err := e.Get("page")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				out, err := tm.Render(map[string]any{"n": g, "l": []int{1, 1, 2}})
				want := fmt.Sprintf("<B%d>o1[11]e[12]o2[23]", g)
				if err != nil || out != want {
					errs <- fmt.Errorf("goroutine %d: %q, %v; want %q", g, out, err, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
