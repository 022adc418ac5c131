#!/usr/bin/env python3
"""Render i18n template cases with the real Django 3.2 engine.

Like ../shared/conformance/dtl/gen.py, but with translation on: USE_I18N=True,
LANGUAGE_CODE="en-us", the catalogs of testdata/locale (compiled with msgfmt into a
temporary directory under Django's domain name), and the i18n tag library. Input: a
Python file defining CASES = [(name, templates, context, language), ...]; language is
activated around the render (None: nothing activated, so LANGUAGE_CODE).
Usage, from the repository root:
  /usr/bin/python3 i18n/testdata/gen_i18n.py i18n/testdata/cases_i18n.py > i18n/testdata/cases_i18n.jsonl
"""
import json, os, runpy, subprocess, sys, tempfile
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp()
for lang in sorted(os.listdir(os.path.join(here, "locale"))):
    src = os.path.join(here, "locale", lang, "LC_MESSAGES", "galvani.po")
    if not os.path.exists(src): continue
    dst = os.path.join(tmp, lang, "LC_MESSAGES")
    os.makedirs(dst)
    subprocess.run(["msgfmt", "-o", os.path.join(dst, "django.mo"), src], check=True)

import django
from django.conf import settings
settings.configure(USE_TZ=False, USE_I18N=True, LANGUAGE_CODE="en-us", LOCALE_PATHS=[tmp],
                   LANGUAGES=[("en", "English"), ("fr", "French"), ("pl", "Polish"), ("de", "German")],
                   TEMPLATES=[])
django.setup()
from django.template import Context, Engine
from django.utils import translation
from django.utils.safestring import mark_safe

def decode(v):
    if isinstance(v, dict):
        if set(v) == {"$safe"}: return mark_safe(v["$safe"])
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list): return [decode(x) for x in v]
    return v

def render(templates, context, lang):
    if isinstance(templates, str): templates = {"main": templates}
    engine = Engine(loaders=[("django.template.loaders.locmem.Loader", templates)],
                    libraries={"i18n": "django.templatetags.i18n"}, builtins=[],
                    string_if_invalid="", autoescape=True)
    if lang is None:
        translation.deactivate()
        return engine.get_template("main").render(Context(decode(context)))
    with translation.override(lang):
        return engine.get_template("main").render(Context(decode(context)))

def main():
    cases = runpy.run_path(sys.argv[1])["CASES"]
    seen = set()
    for name, templates, context, lang in cases:
        assert name not in seen, name; seen.add(name)
        row = {"name": name, "templates": templates, "context": context, "language": lang}
        try: row["expected"] = render(templates, context, lang)
        except Exception as e: row["error"] = True; row["django_error"] = type(e).__name__
        print(json.dumps(row, ensure_ascii=False))

if __name__ == "__main__": main()
