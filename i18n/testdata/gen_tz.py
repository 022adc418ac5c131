#!/usr/bin/env python3
"""Render time zone template cases with the real Django 3.2 engine.

USE_TZ=True and TIME_ZONE="Europe/Paris", with the tz library. Input: a Python file
defining CASES = [(name, template, context, zone), ...]; zone is activated around the
render (None: TIME_ZONE). Context values as in gen.py; {"$date": ...} must carry an
offset (aware datetimes). Usage, from the repository root:
  /usr/bin/python3 i18n/testdata/gen_tz.py i18n/testdata/cases_tz.py > i18n/testdata/cases_tz.jsonl
"""
import datetime, json, runpy, sys
import django
from django.conf import settings
settings.configure(USE_TZ=True, TIME_ZONE="Europe/Paris", USE_I18N=False, TEMPLATES=[])
django.setup()
from django.template import Context, Engine
from django.utils import timezone

def decode(v):
    if isinstance(v, dict):
        if set(v) == {"$date"}:
            d = datetime.datetime.fromisoformat(v["$date"].replace("Z", "+00:00"))
            assert d.tzinfo is not None, v
            return d
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list): return [decode(x) for x in v]
    return v

def render(template, context, zone):
    engine = Engine(loaders=[("django.template.loaders.locmem.Loader", {"main": template})],
                    libraries={"tz": "django.templatetags.tz"}, builtins=[],
                    string_if_invalid="", autoescape=True)
    t = engine.get_template("main")
    if zone is None:
        return t.render(Context(decode(context)))
    with timezone.override(zone):
        return t.render(Context(decode(context)))

def main():
    cases = runpy.run_path(sys.argv[1])["CASES"]
    seen = set()
    for name, template, context, zone in cases:
        assert name not in seen, name; seen.add(name)
        row = {"name": name, "template": template, "context": context, "zone": zone}
        try: row["expected"] = render(template, context, zone)
        except Exception as e: row["error"] = True; row["django_error"] = type(e).__name__
        print(json.dumps(row, ensure_ascii=False))

if __name__ == "__main__": main()
