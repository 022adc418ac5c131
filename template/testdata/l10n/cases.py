# Localisation (USE_L10N) template cases for Galvani, rendered by real Django 3.2
# with gen.py:
#   /usr/bin/python3 template/testdata/l10n/gen.py template/testdata/l10n/cases.py > template/testdata/l10n/cases.jsonl
L = "{% load l10n %}"
NUM = {"f": 1234.5, "neg": -0.25, "i": 1234567, "big": 1234567.891, "d": {"$decimal": "1234.50"},
       "tiny": 1e-07, "huge": 1.5e+16, "z": 0, "ni": -9876543, "dbig": {"$decimal": "-98765432.1"}}
T = {"t": {"$date": "2026-01-15T14:05:09"}, "m": {"$date": "2026-03-04T00:00:00"},
     "n": {"$date": "2026-10-25T12:00:00"}, "e": {"$date": "2026-08-09T09:30:00"}}
ALL = dict(NUM, **T)
NUMBERS = "{{ f }}|{{ neg }}|{{ i }}|{{ big }}|{{ d }}|{{ tiny }}|{{ huge }}|{{ z }}|{{ ni }}|{{ dbig }}"
FLOATFORMAT = ("{{ f|floatformat }}|{{ f|floatformat:2 }}|{{ i|floatformat:'2g' }}|{{ big|floatformat:'-3' }}"
               "|{{ d|floatformat:'g' }}|{{ ni|floatformat }}|{{ dbig|floatformat:'3g' }}|{{ 'x'|floatformat }}")
NUMERIC_DATES = ("{{ t|date:'SHORT_DATE_FORMAT' }}|{{ t|date:'SHORT_DATETIME_FORMAT' }}|{{ t|time }}"
                 "|{{ t|time:'TIME_FORMAT' }}|{{ e|date:'SHORT_DATETIME_FORMAT' }}|{{ t.date|date:'SHORT_DATE_FORMAT' }}"
                 "|{{ e.time }}|{{ t|date:'Y-m-d' }}")
NAMED_DATES = ("{{ t|date:'DATE_FORMAT' }}|{{ t|date }}|{{ t|date:'DATETIME_FORMAT' }}|{{ t|date:'YEAR_MONTH_FORMAT' }}"
               "|{{ t|date:'MONTH_DAY_FORMAT' }}|{{ t }}|{{ t.date }}|{{ m }}|{{ n }}|{{ e|date:'DATE_FORMAT' }}")
NAMES = "{{ t|date:'F|E|N|b|M|l|D' }}|{{ e|date:'F|E|N|b|M|l|D' }}|{{ t|date:'a A P' }}|{{ e|date:'a A P' }}|{{ m|date:'P' }}|{{ n|date:'P' }}"
LANGS = [None, "en", "fr", "de", "es", "pt-br", "ja", "zh-hans", "pl"]
CASES = []
for lang in LANGS:
    tag = (lang or "default").replace("-", "_")
    CASES += [
        ("numbers_" + tag, NUMBERS, NUM, lang, {}),
        ("numbers_grouped_" + tag, NUMBERS, NUM, lang, {"USE_THOUSAND_SEPARATOR": True}),
        ("numbers_nol10n_" + tag, NUMBERS, NUM, lang, {"USE_L10N": False, "USE_THOUSAND_SEPARATOR": True}),
        ("floatformat_" + tag, FLOATFORMAT, NUM, lang, {}),
        ("floatformat_grouped_" + tag, FLOATFORMAT, NUM, lang, {"USE_THOUSAND_SEPARATOR": True}),
        ("floatformat_nol10n_" + tag, FLOATFORMAT, NUM, lang, {"USE_L10N": False}),
        ("numeric_dates_" + tag, NUMERIC_DATES, T, lang, {}),
        ("numeric_dates_nol10n_" + tag, NUMERIC_DATES, T, lang, {"USE_L10N": False}),
        ("named_dates_" + tag, NAMED_DATES, T, lang, {}),
        ("names_" + tag, NAMES, T, lang, {}),
        ("localize_filters_" + tag, L + "{{ f|localize }}|{{ f|unlocalize }}|{{ i|localize }}|{{ i|unlocalize }}"
         "|{{ d|localize }}|{{ d|unlocalize }}|{{ tiny|unlocalize }}|{{ huge|unlocalize }}|{{ t|unlocalize }}"
         "|{{ t|localize }}|{{ 'abc'|localize }}|{{ True|localize }}|{{ t.date|unlocalize }}|{{ e.time|localize }}",
         ALL, lang, {"USE_THOUSAND_SEPARATOR": True}),
        ("localize_filters_nol10n_" + tag, L + "{{ f|localize }}|{{ f|unlocalize }}|{{ i|localize }}|{{ d|localize }}"
         "|{{ t|localize }}|{{ t|unlocalize }}|{{ t|date:'SHORT_DATE_FORMAT'|localize }}",
         ALL, lang, {"USE_L10N": False, "USE_THOUSAND_SEPARATOR": True}),
        ("localize_block_" + tag, L + "{% localize off %}{{ f }}|{{ i }}|{{ d }}|{{ tiny }}|{{ t }}|{{ t|date:'SHORT_DATE_FORMAT' }}"
         "|{{ f|floatformat:2 }}{% localize on %}|{{ f }}|{{ t|date:'SHORT_DATE_FORMAT' }}{% endlocalize %}|{{ i }}{% endlocalize %}"
         "|{{ f }}|{{ i }}|{% localize %}{{ big }}{% endlocalize %}",
         ALL, lang, {"USE_THOUSAND_SEPARATOR": True}),
        ("localize_block_nol10n_" + tag, L + "{% localize on %}{{ f }}|{{ i }}|{{ d }}|{{ t|date:'SHORT_DATE_FORMAT' }}"
         "|{{ f|floatformat:2 }}{% endlocalize %}|{{ f }}|{{ t|date:'SHORT_DATE_FORMAT' }}",
         ALL, lang, {"USE_L10N": False, "USE_THOUSAND_SEPARATOR": True}),
        ("cycle_firstof_" + tag, "{% for x in 'ab' %}{% cycle f d %}{% endfor %}|{% firstof z f %}", NUM, lang, {}),
    ]
CASES += [
    ("localize_bad_arg", L + "{% localize maybe %}{% endlocalize %}", {}, None, {}),
    ("localize_two_args", L + "{% localize on off %}{% endlocalize %}", {}, None, {}),
    ("localize_unclosed", L + "{% localize %}x", {}, None, {}),
    ("localize_filter_arg", L + "{{ 1|localize:2 }}", {}, None, {}),
    ("unlocalize_filter_arg", L + "{{ 1|unlocalize:2 }}", {}, None, {}),
    ("l10n_not_loaded", "{{ 1|localize }}", {}, None, {}),
    ("now_named_ok", "{% now 'Y' %}", {}, "fr", {}),
]
