package paginator_test

import (
	"errors"
	"fmt"

	"github.com/galvani-web/galvani/paginator"
)

func Example() {
	p := paginator.New(95, 10) // 95 items, 10 to a page
	page, err := p.ParsePage("4")
	if err != nil {
		panic(err)
	}
	fmt.Println(page.Number, "of", p.NumPages(), "— items", page.StartIndex(), "to", page.EndIndex())
	fmt.Println("offset", page.Offset(), "limit", page.Limit())

	_, err = p.ParsePage("922337203685477582")
	fmt.Println(err, errors.Is(err, paginator.ErrEmptyPage))
	fmt.Println(p.GetPage("nonsense").Number, p.GetPage("99").Number)
	// Output:
	// 4 of 10 — items 31 to 40
	// offset 30 limit 10
	// paginator: page "922337203685477582" is past the last page true
	// 1 10
}

func ExamplePage_Links() {
	page, _ := paginator.New(500, 10).Page(43)
	for _, l := range page.Links() {
		switch {
		case l.Ellipsis:
			fmt.Print("… ")
		case l.Current:
			fmt.Printf("[%d] ", l.Number)
		default:
			fmt.Printf("%d ", l.Number)
		}
	}
	fmt.Println()
	// Output: 1 2 … 40 41 42 [43] 44 45 46 … 49 50
}

func ExampleSlice() {
	colours := []string{"red", "orange", "yellow", "green", "blue", "indigo", "violet"}
	p := &paginator.Paginator{Count: int64(len(colours)), PerPage: 3, Orphans: 1}
	for _, n := range p.PageRange() {
		page, _ := p.Page(n)
		fmt.Println(n, paginator.Slice(colours, page))
	}
	// Output:
	// 1 [red orange yellow]
	// 2 [green blue indigo violet]
}
