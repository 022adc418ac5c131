# Time zone template cases for Galvani, rendered by real Django 3.2 with gen_tz.py
# (USE_TZ=True, TIME_ZONE="Europe/Paris"):
#   /usr/bin/python3 i18n/testdata/gen_tz.py i18n/testdata/cases_tz.py > i18n/testdata/cases_tz.jsonl
L = "{% load tz %}"
W = {"$date": "2026-01-15T12:30:00+00:00"}    # winter
S = {"$date": "2026-07-01T23:45:10+00:00"}    # summer, next day in Paris
J = {"$date": "2026-07-01T09:00:00+09:00"}    # given in Tokyo's offset
GAP = {"$date": "2026-03-29T01:30:00+00:00"}  # 03:30 CEST, just after the jump
FOLD1 = {"$date": "2026-10-25T00:30:00+00:00"}  # 02:30 CEST
FOLD2 = {"$date": "2026-10-25T01:30:00+00:00"}  # 02:30 CET
F = "Y-m-d H:i:s O"
def D(var, f=F): return "{{ " + var + "|date:'" + f + "' }}"
CASES = []
for zone in [None, "America/New_York", "Asia/Tokyo", "UTC", "Australia/Lord_Howe"]:
    tag = (zone or "default").replace("/", "_").lower()
    CASES += [
     ("value_" + tag, "{{ w }}|{{ s }}", {"w": W, "s": S}, zone),
     ("date_" + tag, D("w") + "|" + D("s") + "|" + D("j"), {"w": W, "s": S, "j": J}, zone),
     ("time_filter_" + tag, "{{ w|time:'H:i' }}|{{ s|time }}", {"w": W, "s": S}, zone),
     ("dst_" + tag, D("a") + "|" + D("b") + "|" + D("c"), {"a": GAP, "b": FOLD1, "c": FOLD2}, zone),
     ("localtime_off_" + tag, L + "{% localtime off %}" + D("s") + "|" + D("j") + "{% endlocaltime %}|" + D("s"), {"s": S, "j": J}, zone),
     ("localtime_nested_" + tag, L + "{% localtime off %}{{ j|date:'H:i O' }}{% localtime on %}|{{ j|date:'H:i O' }}{% endlocaltime %}|{{ j|localtime|date:'H:i O' }}{% endlocaltime %}", {"j": J}, zone),
     ("localtime_on_" + tag, L + "{% localtime %}{{ j|date:'H:i O' }}{% endlocaltime %}", {"j": J}, zone),
     ("filters_" + tag, L + D("j|localtime") + "|" + D("j|utc") + "|" + D("j|timezone:'Asia/Kolkata'"), {"j": J}, zone),
     ("timezone_tag_" + tag, L + "{% timezone 'America/Sao_Paulo' %}" + D("w") + "{% endtimezone %}|" + D("w"), {"w": W}, zone),
     ("timezone_var_" + tag, L + "{% timezone z %}{{ w|date:'H:i' }}{% get_current_timezone as TZ %} {{ TZ }}{% endtimezone %}", {"w": W, "z": "Europe/London"}, zone),
     ("timezone_none_" + tag, L + "{% timezone None %}{{ w|date:'H:i' }}{% get_current_timezone as TZ %} {{ TZ }}{% endtimezone %}", {"w": W}, zone),
     ("current_timezone_" + tag, L + "{% get_current_timezone as TZ %}{{ TZ }}", {}, zone),
     ("timezone_filter_bad_" + tag, L + "[{{ w|timezone:'Not/AZone' }}]", {"w": W}, zone),
     ("filters_nondate_" + tag, L + "[{{ x|localtime }}][{{ x|utc }}][{{ x|timezone:'UTC' }}]", {"x": "text"}, zone),
    ]
CASES += [
 ("err_localtime_arg", L + "{% localtime maybe %}x{% endlocaltime %}", {}, None),
 ("err_timezone_args", L + "{% timezone %}x{% endtimezone %}", {}, None),
 ("err_timezone_unclosed", L + "{% timezone 'UTC' %}x", {}, None),
 ("err_current_timezone", L + "{% get_current_timezone %}", {}, None),
 ("err_timezone_unknown", L + "{% timezone 'Not/AZone' %}x{% endtimezone %}", {}, None),
]
