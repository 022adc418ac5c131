# Django template language cases for Galvani: values of Python's own types: attributes, printing, mappings. Rendered by real Django 3.2
# (Debian's python3-django) with the shared gen.py:
#   /usr/bin/python3 ../shared/conformance/dtl/gen.py template/testdata/cases_values.py \
#       > template/testdata/cases_values.jsonl
D = {"$date": "2026-03-07T14:05:09"}
DA = {"$date": "2026-03-07T14:05:09+02:00"}
DZ = {"$date": "2026-03-07T14:05:09Z"}
DU = {"$date": "2026-03-07T09:05:09.012300"}
def d(s): return {"$date": s}
def S(s): return {"$safe": s}
CASES = []
CASES += [
 ("lit_keyword_attr", "[{{ None.x }}][{{ True.real }}]", {}),
 ("tg_regroup_string_target", "{% regroup s by upper as g %}{% for x in g %}{{ x.grouper }}{{ x.list|length }};{% endfor %}", {"s": "aab"}),
 ("val_str_methods", "{{ s.upper }}|{{ s.lower }}|{{ s.title }}|{{ s.capitalize }}|{{ s.swapcase }}|{{ s.strip }}|{{ s.isdigit }}|{{ s.isupper }}", {"s": " Ab cD "}),
 ("val_str_split", "{{ s.split }}|{{ s.split|length }}|{{ s.splitlines }}", {"s": "a b\nc"}),
 ("val_str_method_args", "[{{ s.join }}][{{ s.count }}][{{ s.replace }}][{{ s.startswith }}]", {"s": "ab"}),
 ("val_str_method_in_for", "{% for w in s.split %}[{{ w }}]{% endfor %}", {"s": "a b c"}),
 ("val_dict_items_print", "{{ d.items }}|{{ d.keys }}|{{ d.values }}", {"d": {"a": 1, "b": [2]}}),
 ("val_dict_items_key_wins", "{{ d.items }}|{{ d.keys }}", {"d": {"items": "I", "keys": "K"}}),
 ("val_dict_get_method", "[{{ d.get }}][{{ d.copy }}][{{ d.update }}]", {"d": {"a": 1}}),
 ("val_dict_len_attr", "{{ d.items|length }}|{{ d.keys|first }}", {"d": {"a": 1, "b": 2}}),
 ("val_dict_unpack_items", "{% for k, v in d.items %}{{ k }}={{ v }};{% endfor %}", {"d": {"a": 1, "b": 2}}),
 ("val_dict_items_tuple_index", "{% for p in d.items %}{{ p.0 }}{{ p.1 }}{{ p }};{% endfor %}", {"d": {"a": 1}}),
 ("val_list_methods", "[{{ l.copy }}][{{ l.count }}][{{ l.index }}]", {"l": [1, 2]}),
 ("val_int_attrs", "{{ n.real }}|{{ n.imag }}|{{ n.numerator }}|{{ n.denominator }}|{{ n.bit_length }}", {"n": 12}),
 ("val_float_attrs", "{{ f.real }}|{{ f.is_integer }}|{{ g.is_integer }}|{{ f.hex }}", {"f": 2.5, "g": 3.0}),
 ("val_bool_attrs", "{{ t.real }}|{{ t.numerator }}", {"t": True}),
 ("val_none_attr", "[{{ n.x }}][{{ n.0 }}]", {"n": None}),
 ("val_string_index", "{{ s.0 }}{{ s.2 }}|[{{ s.5 }}]|[{{ s.x }}]", {"s": "héllo"[:3]}),
 ("val_int_index", "[{{ n.0 }}][{{ f.0 }}]", {"n": 5, "f": 1.5}),
 ("val_dict_int_key", "{{ d.0 }}|{{ d.1 }}", {"d": {"0": "zero", "1": "one"}}),
 ("val_list_big_index", "[{{ l.99999999999999999999 }}]", {"l": [1]}),
 ("val_list_str_key", "[{{ l.a }}]", {"l": [1]}),
 ("val_nested_none", "[{{ d.a.b }}][{{ d.a }}]", {"d": {"a": None}}),
 ("val_date_attrs", "{{ d.year }}|{{ d.month }}|{{ d.day }}|{{ d.hour }}|{{ d.minute }}|{{ d.second }}|{{ d.microsecond }}", {"d": DU}),
 ("val_date_methods", "{{ d.weekday }}|{{ d.isoweekday }}|{{ d.isoformat }}|{{ d.date }}|{{ d.time }}", {"d": DU}),
 ("val_date_tz_attrs", "[{{ d.tzinfo }}][{{ a.tzinfo }}][{{ d.tzname }}]", {"d": D, "a": DA}),
 ("val_forloop_attrs_missing", "{% for x in l %}[{{ forloop.nope }}][{{ forloop.items }}]{% endfor %}", {"l": [1]}),
 ("val_print_nested", "{{ d }}", {"d": {"b": [1, {"c": None}], "a": "x'y\"z"}}),
 ("val_print_dict_order", "{{ d }}", {"d": {"b": 1, "a": 2}}),
 ("val_for_dict_order", "{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d.items %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2, "c": 3}}),
 ("val_print_floats", "{{ a }}|{{ b }}|{{ c }}|{{ d }}|{{ e }}|{{ f }}", {"a": 1e16, "b": 1.5e-5, "c": 123456789012.5, "d": 0.1, "e": 1e22, "f": 5e-324}),
 ("val_print_floats_in_list", "{{ l }}", {"l": [1e16, 1.5e-5, 1e22, 0.1, -0.0, 100.0]}),
 ("val_print_big_ints", "{{ a }}|{{ b }}", {"a": 18446744073709551616, "b": -18446744073709551616}),
 ("val_print_decimal", "{{ a }}|{{ b }}|{{ c }}", {"a": {"$decimal": "1.50"}, "b": {"$decimal": "-0.00"}, "c": {"$decimal": "1E+3"}}),
 ("val_decimal_filters", "{{ a|floatformat }}|{{ a|floatformat:3 }}|{{ a|add:1 }}|{{ a|stringformat:'s' }}|{{ a|stringformat:'.1f' }}", {"a": {"$decimal": "2.50"}}),
 ("val_decimal_if", "{% if a == 2.5 %}a{% endif %}{% if a > 2 %}b{% endif %}{% if z %}c{% endif %}{% if a == b %}d{% endif %}", {"a": {"$decimal": "2.50"}, "b": {"$decimal": "2.5"}, "z": {"$decimal": "0.00"}}),
 ("val_decimal_in_list", "{{ l }}|{{ l|join:',' }}", {"l": [{"$decimal": "1.10"}]}),
 ("val_decimal_floatformat_long", "{{ a|floatformat:20 }}", {"a": {"$decimal": "0.12345678901234567890123"}}),
 ("val_safe_in_list_print", "{{ l }}", {"l": [S("<a>"), "<b>"]}),
 ("val_bool_print_in_list", "{{ l }}|{{ d }}", {"l": [True, None], "d": {"k": False}}),
 ("val_str_repr_quotes", "{{ l }}", {"l": ["'", "\"", "'\"", "\\", "\n\t\r"]}),
 ("val_empty_containers", "[{{ l }}][{{ d }}][{{ l|length }}]", {"l": [], "d": {}}),
]
