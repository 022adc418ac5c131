#!/usr/bin/python3
"""Writes expected.json: what Django 3.2 answers to the queries of
orm/expr_django_test.go on dataset.json (the same rows the Go test inserts).

Run with Debian's python3-django (3.2):  /usr/bin/python3 orm/testdata/django/gen.py
Each case here has a twin of the same name in expr_django_test.go. Django runs on an
in-memory SQLite database with USE_TZ=True and TIME_ZONE="UTC"; results are written
as JSON (datetimes in ISO 8601 with their offset, dates as YYYY-MM-DD, decimals as
strings)."""

import datetime
import decimal
import json
import os
import sys
import types

import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))

# an installed app for the models below, without a package on disk
app = types.ModuleType("ormtest")
app.__file__ = os.path.abspath(__file__)
app.__path__ = [HERE]
sys.modules["ormtest"] = app

settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=["ormtest"],
    USE_TZ=True,
    TIME_ZONE="UTC",
)
django.setup()

import pytz  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.db.models import (  # noqa: E402
    Case, CharField, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Avg,
    Value, When, Window,
)
from django.db.models.functions import (  # noqa: E402
    Cast, Coalesce, Concat, Extract, ExtractHour, ExtractIsoWeekDay, ExtractMonth,
    ExtractQuarter, ExtractWeek, ExtractWeekDay, ExtractYear, Lag, Lead, Length, Lower,
    Rank, DenseRank, RowNumber, Trunc, TruncDate, TruncDay, TruncMonth, TruncWeek, Upper,
)

PARIS = pytz.timezone("Europe/Paris")


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.CharField(max_length=120, unique=True)
    karma = models.BigIntegerField(default=0)
    bio = models.TextField(null=True)

    class Meta:
        app_label = "ormtest"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        app_label = "ormtest"


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.CharField(max_length=100, unique=True)
    views = models.BigIntegerField()
    rating = models.FloatField()
    published = models.DateTimeField()
    day = models.DateField(null=True)
    author = models.ForeignKey(Author, models.CASCADE, related_name="articles")
    editor = models.ForeignKey(Author, models.SET_NULL, null=True, related_name="edited")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=10)
    tags = models.ManyToManyField(Tag, related_name="articles")

    class Meta:
        app_label = "ormtest"


class Comment(models.Model):
    article = models.ForeignKey(Article, models.CASCADE, related_name="comments")
    text = models.TextField()

    class Meta:
        app_label = "ormtest"


def load():
    with connection.schema_editor() as ed:
        for m in (Author, Tag, Article, Comment):
            ed.create_model(m)
    with open(os.path.join(HERE, "dataset.json")) as f:
        data = json.load(f)
    for a in data["authors"]:
        Author.objects.create(**a)
    for t in data["tags"]:
        Tag.objects.create(**t)
    for a in data["articles"]:
        a = dict(a)
        tags = a.pop("tags")
        a["published"] = datetime.datetime.fromisoformat(a["published"].replace("Z", "+00:00"))
        if a["day"]:
            a["day"] = datetime.date.fromisoformat(a["day"])
        a["price"] = decimal.Decimal(a["price"])
        a["author_id"] = a.pop("author")
        a["editor_id"] = a.pop("editor")
        art = Article.objects.create(**a)
        art.tags.set(tags)
    for c in data["comments"]:
        Comment.objects.create(article_id=c["article"], text=c["text"])


def plain(v):
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, float):
        return round(v, 6)
    return v


def rows(qs):
    qs = list(qs)
    if qs and isinstance(qs[0], dict):
        return [{k: plain(v) for k, v in r.items()} for r in qs]
    if qs and isinstance(qs[0], tuple):
        return [[plain(v) for v in r] for r in qs]
    return [plain(v) for v in qs]


def cases():
    A = Article.objects
    newest = Comment.objects.filter(article=OuterRef("pk")).order_by("-id").values("text")[:1]
    commented = Comment.objects.filter(article=OuterRef("pk"))
    ncomments = Comment.objects.filter(article=OuterRef("pk")).values("article").annotate(c=Count("id")).values("c")
    by_author = {"partition_by": [F("author")], "order_by": F("published").asc()}
    return {
        "f_arithmetic": A.annotate(x=F("views") * 2 + 1, y=F("views") - F("author__karma")).order_by("slug").values("slug", "x", "y"),
        "coalesce": Author.objects.annotate(b=Coalesce("bio", Value("none"), output_field=models.TextField())).order_by("name").values("name", "b"),
        "concat": A.annotate(c=Concat("title", Value(" by "), "author__name", output_field=CharField())).order_by("slug").values("slug", "c"),
        "lower_upper_length": A.annotate(l=Lower("title"), u=Upper("title"), n=Length("title")).order_by("slug").values("slug", "l", "u", "n"),
        "cast": A.annotate(t=Cast("views", CharField()), r=Cast("rating", IntegerField())).order_by("slug").values("slug", "t", "r"),
        "case_when": A.annotate(heat=Case(When(views__gte=100, then=Value("hot")), When(views__gte=10, then=Value("warm")), default=Value("cold"), output_field=CharField())).order_by("slug").values("slug", "heat"),
        "case_when_filter": A.annotate(heat=Case(When(Q(views__gte=100) | Q(status="draft"), then=Value(1)), default=Value(0), output_field=IntegerField())).filter(heat=1).order_by("slug").values("slug", "heat"),
        "subquery": A.annotate(last=Subquery(newest)).order_by("slug").values("slug", "last"),
        "subquery_count": A.annotate(n=Coalesce(Subquery(ncomments), 0)).order_by("slug").values("slug", "n"),
        "exists_filter": A.filter(Exists(commented)).order_by("slug").values("slug"),
        "exists_exclude": A.exclude(Exists(commented)).order_by("slug").values("slug"),
        "exists_annotate": A.annotate(has=Exists(commented)).order_by("slug").values("slug", "has"),
        "in_queryset": A.filter(author__in=Author.objects.filter(karma__gte=3)).order_by("slug").values("slug"),
        "in_subquery_field": Author.objects.filter(id__in=A.filter(views__gte=100).values("editor")).order_by("name").values("name"),
        "window_row_number": A.annotate(rn=Window(RowNumber(), partition_by=[F("author")], order_by=F("views").desc())).order_by("slug").values("slug", "rn"),
        "window_rank": A.annotate(r=Window(Rank(), order_by=F("views").desc()), d=Window(DenseRank(), order_by=F("views").desc())).order_by("slug").values("slug", "r", "d"),
        "window_lag_lead": A.annotate(prev=Window(Lag("views", 1), **by_author), nxt=Window(Lead("views", 1, default=-1), **by_author)).order_by("slug").values("slug", "prev", "nxt"),
        "window_sum_partition": A.annotate(total=Window(Sum("views"), partition_by=[F("author")])).order_by("slug").values("slug", "total"),
        "window_running_sum": A.annotate(run=Window(Sum("views"), order_by=F("published").asc(), frame=models.RowRange(start=None, end=0))).order_by("slug").values("slug", "run"),
        "window_moving_avg": A.annotate(avg=Window(Avg("views"), order_by=F("published").asc(), frame=models.RowRange(start=-1, end=1))).order_by("slug").values("slug", "avg"),
        "trunc_month_group": A.annotate(m=TruncMonth("published")).values("m").annotate(n=Count("id")).order_by("m"),
        "trunc_day_paris": A.annotate(d=TruncDay("published", tzinfo=PARIS)).order_by("slug").values("slug", "d"),
        "trunc_week_quarter": A.annotate(w=TruncWeek("published"), q=Trunc("published", "quarter", tzinfo=PARIS)).order_by("slug").values("slug", "w", "q"),
        "trunc_date_paris_filter": A.annotate(d=TruncDate("published", tzinfo=PARIS)).filter(d=datetime.date(2026, 2, 1)).values("slug", "d"),
        "trunc_date_field": A.filter(day__isnull=False).annotate(m=TruncMonth("day")).order_by("slug").values("slug", "m"),
        "extract_paris": A.annotate(y=ExtractYear("published", tzinfo=PARIS), mo=ExtractMonth("published", tzinfo=PARIS), wd=ExtractWeekDay("published", tzinfo=PARIS), iwd=ExtractIsoWeekDay("published", tzinfo=PARIS), h=ExtractHour("published", tzinfo=PARIS), q=ExtractQuarter("published"), w=ExtractWeek("published")).order_by("slug").values("slug", "y", "mo", "wd", "iwd", "h", "q", "w"),
        "extract_group_year_paris": A.annotate(y=ExtractYear("published", tzinfo=PARIS)).values("y").annotate(n=Count("id"), v=Sum("views")).order_by("y"),
        "filter_then_annotate": Author.objects.filter(articles__views__gte=10).annotate(n=Count("articles")).order_by("name").values("name", "n"),
        "annotate_then_filter": Author.objects.annotate(n=Count("articles")).filter(articles__views__gte=10).order_by("name").values("name", "n"),
        "annotate_then_filter_distinct": Author.objects.annotate(n=Count("articles", distinct=True)).filter(articles__views__gte=10).order_by("name").values("name", "n"),
        "annotate_filter_on_annotation": Author.objects.annotate(n=Count("articles")).filter(n__gte=2).order_by("name").values("name", "n"),
        "values_list_flat": A.filter(views__gte=10).order_by("-views", "slug").values_list("slug", flat=True),
        "union": A.filter(views__gte=100).union(A.filter(author__name="Cyd")).order_by("slug").values_list("slug", flat=True),
        "union_all_count": [A.filter(views__gte=100).union(A.filter(author__name="Ada"), all=True).count()],
        "intersection": A.filter(views__gte=10).intersection(A.filter(author__name="Ada")).order_by("slug").values_list("slug", flat=True),
        "difference": A.filter(views__gte=10).difference(A.filter(author__name="Ada")).order_by("slug").values_list("slug", flat=True),
    }


def main():
    load()
    out = {}
    for name, qs in cases().items():
        try:
            out[name] = rows(qs)
        except Exception as e:
            raise SystemExit("case %s: %s" % (name, e))
    path = os.path.join(HERE, "expected.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", path, len(out), "cases", file=sys.stderr)


if __name__ == "__main__":
    main()
