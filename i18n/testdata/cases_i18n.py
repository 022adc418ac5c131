# i18n template cases for Galvani, rendered by real Django 3.2 with gen_i18n.py and
# the catalogues in testdata/locale:
#   /usr/bin/python3 i18n/testdata/gen_i18n.py i18n/testdata/cases_i18n.py > i18n/testdata/cases_i18n.jsonl
# Each case: (name, template(s), context, language to activate or None).
def S(s): return {"$safe": s}
L = "{% load i18n %}"
CASES = []
# translate / trans
for lang in [None, "fr", "pl", "de"]:
    tag = lang or "none"
    CASES += [
     ("trans_literal_" + tag, L + "{% trans 'Hello' %}|{% translate \"Hello\" %}", {}, lang),
     ("trans_untranslated_" + tag, L + "{% trans 'Not in any catalogue' %}", {}, lang),
     ("trans_html_literal_" + tag, L + "{% trans 'Hello <b>world</b>' %}", {}, lang),
     ("trans_percent_" + tag, L + "{% trans '100% sure' %}|{% trans 'sure: 100%' %}", {}, lang),
     ("trans_var_" + tag, L + "{% trans greeting %}|{% trans html %}|{% trans safe %}", {"greeting": "Hello", "html": "<i>Hello</i>", "safe": S("<i>Hello</i>")}, lang),
     ("trans_missing_var_" + tag, L + "[{% trans nothing %}]", {}, lang),
     ("trans_noop_" + tag, L + "{% trans 'Hello' noop %}|{% trans greeting noop %}", {"greeting": "Hello"}, lang),
     ("trans_as_" + tag, L + "{% trans 'Hello' as h %}[{{ h }}]{% trans html as x %}[{{ x }}]{% trans 'Hello <b>world</b>' as y %}[{{ y }}]", {"html": "<i>x</i>"}, lang),
     ("trans_filters_" + tag, L + "{% trans 'Hello'|upper %}|{% trans greeting|lower %}|{% trans 'Hello'|add:'!' %}", {"greeting": "Hello"}, lang),
     ("trans_context_var_" + tag, L + "{% trans 'May' context ctx %}", {"ctx": "verb"}, lang),
     ("blocktrans_plain_" + tag, L + "{% blocktrans %}Hello{% endblocktrans %}|{% blocktranslate %}Hello{% endblocktranslate %}", {}, lang),
     ("blocktrans_var_" + tag, L + "{% blocktrans %}Hello {{ name }}!{% endblocktrans %}", {"name": "<Ada>"}, lang),
     ("blocktrans_with_" + tag, L + "{% blocktrans with name=user.first|upper %}Hello {{ name }}!{% endblocktrans %}", {"user": {"first": "ada"}}, lang),
     ("blocktrans_with_legacy_" + tag, L + "{% blocktrans with user.first as name %}Hello {{ name }}!{% endblocktrans %}", {"user": {"first": "ada"}}, lang),
     ("blocktrans_with_two_" + tag, L + "{% blocktrans with a='A' b=bee %}Yours, {{ a }} and {{ b }}{% endblocktrans %}", {"bee": "<B>"}, lang),
     ("blocktrans_with_and_" + tag, L + "{% blocktrans with 'A' as a and bee as b %}Yours, {{ a }} and {{ b }}{% endblocktrans %}", {"bee": "B"}, lang),
     ("blocktrans_percent_" + tag, L + "{% blocktrans %}100% sure{% endblocktrans %}", {}, lang),
     ("blocktrans_missing_" + tag, L + "{% blocktrans %}Hello {{ nobody }}!{% endblocktrans %}", {}, lang),
     ("blocktrans_dotted_" + tag, L + "{% blocktrans %}Hello {{ user.first }}!{% endblocktrans %}", {"user": {"first": "ada"}}, lang),
     ("blocktrans_broken_translation_" + tag, L + "{% blocktrans %}Broken {{ name }}{% endblocktrans %}", {"name": "x"}, lang),
     ("blocktrans_trimmed_" + tag, L + "{% blocktrans trimmed with x='X' %}\n  Line one\n   and line two   \n  with {{ x }}.\n{% endblocktrans %}", {}, lang),
     ("blocktrans_untrimmed_" + tag, L + "{% blocktrans with x='X' %}\n  Line one\n  and line two with {{ x }}.\n{% endblocktrans %}", {}, lang),
     ("blocktrans_asvar_" + tag, L + "{% blocktrans asvar v with name=n %}Hello {{ name }}!{% endblocktrans %}[{{ v }}]", {"n": "<Ada>"}, lang),
     ("blocktrans_context_" + tag, L + "{% blocktrans context 'month name' %}May{% endblocktrans %}|{% blocktrans context 'verb' %}May{% endblocktrans %}", {}, lang),
     ("blocktrans_autoescape_off_" + tag, L + "{% autoescape off %}{% blocktrans %}Hello {{ name }}!{% endblocktrans %}{% endautoescape %}", {"name": "<Ada>"}, lang),
     ("language_block_" + tag, L + "{% trans 'Hello' %}{% language 'de' %}|{% trans 'Hello' %}{% language 'pl' %}|{% trans 'Hello' %}{% endlanguage %}|{% trans 'Hello' %}{% endlanguage %}|{% trans 'Hello' %}", {}, lang),
     ("language_var_" + tag, L + "{% language l %}{% trans 'Hello' %}{% get_current_language as c %}{{ c }}{% endlanguage %}", {"l": "fr"}, lang),
     ("current_language_" + tag, L + "{% get_current_language as LANG %}{{ LANG }}|{% get_current_language_bidi as bidi %}{{ bidi }}", {}, lang),
    ] + ([] if lang not in (None, "fr") else [
     # Django's own catalogues translate language names and month names too; the
     # test catalogue has them for French only.
     ("trans_context_" + tag, L + "{% trans 'May' context 'month name' %}|{% trans 'May' context 'verb' %}|{% trans 'May' %}|{% trans 'May' context 'unknown' %}", {}, lang),
     ("available_languages_" + tag, L + "{% get_available_languages as langs %}{% for code, name in langs %}{{ code }}={{ name }};{% endfor %}", {}, lang),
     ("language_info_" + tag, L + "{% get_language_info for 'de' as l %}{{ l.code }} {{ l.name }} {{ l.name_local }} {{ l.name_translated }} {{ l.bidi }}", {}, lang),
     ("language_info_list_" + tag, L + "{% get_language_info_list for codes as ls %}{% for l in ls %}{{ l.code }}:{{ l.name_local }}:{{ l.name_translated }};{% endfor %}", {"codes": ["fr", "pl", "de"]}, lang),
    ]) + [
     ("language_filters_" + tag, L + "{{ 'fr'|language_name }}|{{ 'de'|language_name_local }}|{{ 'pl'|language_bidi }}", {}, lang),
     ("underscore_literal_" + tag, L + "{{ _('Hello') }}|{% firstof _('Hello') %}", {}, lang),
    ]
# plurals
for lang in [None, "fr", "pl", "de"]:
    tag = lang or "none"
    for n in [0, 1, 2, 5, 22, 112]:
        CASES += [
         ("plural_%s_%d" % (tag, n), L + "{% blocktrans count counter=n %}There is {{ counter }} apple.{% plural %}There are {{ counter }} apples.{% endblocktrans %}", {"n": n}, lang),
        ]
    CASES += [
     ("plural_length_" + tag, L + "{% blocktrans count counter=items|length %}There is {{ counter }} apple.{% plural %}There are {{ counter }} apples.{% endblocktrans %}", {"items": [1, 2, 3]}, lang),
     ("plural_legacy_" + tag, L + "{% blocktrans count items|length as counter %}There is {{ counter }} apple.{% plural %}There are {{ counter }} apples.{% endblocktrans %}", {"items": [1]}, lang),
     ("plural_context_" + tag, L + "{% blocktrans count counter=n context 'fruit' %}{{ counter }} pear{% plural %}{{ counter }} pears{% endblocktrans %}", {"n": 3}, lang),
     ("plural_asvar_" + tag, L + "{% blocktrans count n=k asvar v %}{{ n }} file{% plural %}{{ n }} files{% endblocktrans %}[{{ v }}]", {"k": 24}, lang),
     ("plural_with_" + tag, L + "{% blocktrans with who=name count counter=n %}There is {{ counter }} apple.{% plural %}There are {{ counter }} apples for {{ who }}.{% endblocktrans %}", {"n": 2, "name": "Zoë"}, lang),
     ("plural_float_" + tag, L + "{% blocktrans count counter=n %}There is {{ counter }} apple.{% plural %}There are {{ counter }} apples.{% endblocktrans %}", {"n": 1.0}, lang),
    ]
# errors and edge syntax
CASES += [
 ("err_trans_noarg", L + "{% trans %}", {}, None),
 ("err_trans_unknown_option", L + "{% trans 'Hello' bogus %}", {}, None),
 ("err_trans_dup_option", L + "{% trans 'Hello' noop noop %}", {}, None),
 ("err_trans_context_missing", L + "{% trans 'Hello' context %}", {}, None),
 ("err_trans_context_as", L + "{% trans 'Hello' context as %}", {}, None),
 ("err_trans_as_missing", L + "{% trans 'Hello' as %}", {}, None),
 ("err_trans_int", L + "{% trans n %}", {"n": 5}, "fr"),
 ("err_blocktrans_tag_inside", L + "{% blocktrans %}a{% if x %}b{% endif %}{% endblocktrans %}", {}, None),
 ("err_blocktrans_unclosed", L + "{% blocktrans %}abc", {}, None),
 ("err_blocktrans_unknown_option", L + "{% blocktrans bogus %}a{% endblocktrans %}", {}, None),
 ("err_blocktrans_with_empty", L + "{% blocktrans with %}a{% endblocktrans %}", {}, None),
 ("err_blocktrans_count_two", L + "{% blocktrans count a=1 b=2 %}a{% plural %}b{% endblocktrans %}", {}, None),
 ("err_blocktrans_count_noplural", L + "{% blocktrans count a=1 %}a{% endblocktrans %}", {}, None),
 ("err_blocktrans_count_string", L + "{% blocktrans count counter=s %}a{% plural %}b{% endblocktrans %}", {"s": "3"}, None),
 ("err_blocktrans_wrong_end", L + "{% blocktrans %}a{% endblocktranslate %}", {}, None),
 ("err_blocktrans_dup", L + "{% blocktrans trimmed trimmed %}a{% endblocktrans %}", {}, None),
 ("err_blocktrans_asvar_missing", L + "{% blocktrans asvar %}a{% endblocktrans %}", {}, None),
 ("err_blocktrans_comment_inside", L + "{% blocktrans %}a{# c #}b{% endblocktrans %}", {}, None),
 ("err_current_language", L + "{% get_current_language %}", {}, None),
 ("err_language_args", L + "{% language %}x{% endlanguage %}", {}, None),
 ("err_language_unclosed", L + "{% language 'fr' %}x", {}, None),
 ("err_language_info", L + "{% get_language_info 'fr' as l %}", {}, None),
 ("err_language_info_unknown", L + "{% get_language_info for 'xx-unknown' as l %}", {}, None),
 ("err_not_loaded", "{% trans 'Hello' %}", {}, None),
 ("blocktrans_endblocktranslate", L + "{% blocktranslate %}Hello{% endblocktranslate %}", {}, "fr"),
 ("blocktrans_nested_var_spaces", L + "{% blocktrans %}Hello {{name}}!{% endblocktrans %}", {"name": "x"}, "fr"),
 ("trans_in_for", L + "{% for w in words %}{% trans w %},{% endfor %}", {"words": ["Hello", "May", "x"]}, "fr"),
 ("trans_empty_literal", L + "[{% trans '' %}]", {}, "fr"),
]
