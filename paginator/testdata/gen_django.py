#!/usr/bin/python3
"""Writes django_cases.jsonl: what Django 3.2's Paginator answers for a grid of
counts, page sizes, orphans and page numbers. Run with Debian's python3-django:

    /usr/bin/python3 paginator/testdata/gen_django.py > paginator/testdata/django_cases.jsonl

paginator_test.go checks the Go paginator against every case.
"""
import json
import django
from django.conf import settings

settings.configure()
django.setup()
from django.core.paginator import Paginator, EmptyPage, PageNotAnInteger

cases = []
for count in [0, 1, 2, 10, 11, 25, 101, 9999]:
    for per_page in [1, 3, 10]:
        for orphans in [0, 1, 5]:
            for allow_empty in [True, False]:
                p = Paginator(range(count), per_page, orphans=orphans, allow_empty_first_page=allow_empty)
                for number in ["1", "2", "3", "0", "-1", "last", "x", "", "1.5", " 2 ", "9223372036854775807", str(p.num_pages), str(p.num_pages + 1)]:
                    case = {"count": count, "per_page": per_page, "orphans": orphans,
                            "allow_empty": allow_empty, "number": number, "num_pages": p.num_pages}
                    try:
                        if number == "last":
                            n = p.num_pages
                        elif number == "":
                            n = 1
                        else:
                            n = number
                        page = p.page(n)
                        case["page"] = {
                            "number": page.number,
                            "start_index": page.start_index(),
                            "end_index": page.end_index(),
                            "len": len(page),
                            "has_next": page.has_next(),
                            "has_previous": page.has_previous(),
                            "elided": [0 if x == Paginator.ELLIPSIS else x for x in p.get_elided_page_range(page.number)],
                            "elided_1_1": [0 if x == Paginator.ELLIPSIS else x for x in p.get_elided_page_range(page.number, on_each_side=1, on_ends=1)],
                        }
                    except PageNotAnInteger:
                        case["error"] = "not_an_integer"
                    except EmptyPage:
                        case["error"] = "empty_page"
                    try:
                        g = p.get_page(number if number not in ("last", "") else (p.num_pages if number == "last" else 1))
                        case["get_page"] = g.number
                    except EmptyPage:
                        case["get_page"] = None
                    cases.append(case)
for c in cases:
    print(json.dumps(c, separators=(",", ":")))
