#!/usr/bin/env python3
"""Render localisation (USE_L10N) template cases with the real Django 3.2 engine.

USE_I18N=True, USE_L10N=True, USE_TZ=False, LANGUAGE_CODE="en-us", the l10n tag
library. Input: a Python file defining CASES = [(name, template, context, language,
settings), ...]; language is activated around the render (None: LANGUAGE_CODE),
settings (a dict, may be empty) overrides USE_L10N and USE_THOUSAND_SEPARATOR.
Context values as in ../shared/conformance/dtl/gen.py: {"$date": ...} naive
datetimes, {"$decimal": ...} Decimals. Usage, from the repository root:
  /usr/bin/python3 template/testdata/l10n/gen.py template/testdata/l10n/cases.py > template/testdata/l10n/cases.jsonl
"""
import datetime, decimal, json, runpy, sys
import django
from django.conf import settings
settings.configure(USE_TZ=False, USE_I18N=True, USE_L10N=True, USE_THOUSAND_SEPARATOR=False,
                   LANGUAGE_CODE="en-us", TEMPLATES=[])
django.setup()
from django.template import Context, Engine
from django.test.utils import override_settings
import django.test.signals  # resets the format cache when settings change
from django.utils import translation

def decode(v):
    if isinstance(v, dict):
        if set(v) == {"$date"}: return datetime.datetime.fromisoformat(v["$date"])
        if set(v) == {"$decimal"}: return decimal.Decimal(v["$decimal"])
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list): return [decode(x) for x in v]
    return v

def render(template, context, lang, opts):
    engine = Engine(loaders=[("django.template.loaders.locmem.Loader", {"main": template})],
                    libraries={"l10n": "django.templatetags.l10n"}, builtins=[],
                    string_if_invalid="", autoescape=True)
    with override_settings(**opts):
        t = engine.get_template("main")
        if lang is None:
            translation.deactivate()
            return t.render(Context(decode(context)))
        with translation.override(lang):
            return t.render(Context(decode(context)))

def main():
    cases = runpy.run_path(sys.argv[1])["CASES"]
    seen = set()
    for name, template, context, lang, opts in cases:
        assert name not in seen, name; seen.add(name)
        row = {"name": name, "template": template, "context": context, "language": lang, "settings": opts}
        try: row["expected"] = render(template, context, lang, opts)
        except Exception as e: row["error"] = True; row["django_error"] = type(e).__name__
        print(json.dumps(row, ensure_ascii=False))

if __name__ == "__main__": main()
