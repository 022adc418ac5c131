"""Writes ../django_fixture*.json and ../django_auth_fixture.json with Django 3.2's dumpdata.

Run from this directory with Debian's Django:  /usr/bin/python3 make_fixture.py
It builds the fixtureapp tables in an in-memory SQLite database, stores a few
objects that exercise every field kind, and dumps them with --indent 2, as a
Django project would. dbtools' tests load the file and dump it back. It also
dumps two users and a group of django.contrib.auth, whose fields Galvani's auth
models share: the tests load them and log the users in with their passwords.
"""
import datetime
import decimal
import os
import sys
import uuid

import django
from django.conf import settings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
settings.configure(
    INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth', 'fixtureapp'],
    DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}},
    USE_TZ=True,
    TIME_ZONE='UTC',
    DEFAULT_AUTO_FIELD='django.db.models.AutoField',
)
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from fixtureapp.models import Article, Author, Tag  # noqa: E402

call_command('migrate', run_syncdb=True, verbosity=0)

ada = Author.objects.create(name='Ada Lovelace', born=datetime.date(1815, 12, 10))
grace = Author.objects.create(name='Grace "Amazing" Hopper\\', born=None)
go = Tag.objects.create(name='go')
django_tag = Tag.objects.create(name='django')
Tag.objects.create(name='ünïcödé 東京 </script>')
utc = datetime.timezone.utc
a1 = Article.objects.create(
    title='Notes on the Analytical Engine', body='Line one\nline two\ttabbed',
    published=datetime.datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=utc),
    author=ada, editor=grace, price=decimal.Decimal('12.50'), rating=4.0,
    views=9007199254740993, public=True,
    code=uuid.UUID('6f1c2f4e-3c5a-4b7e-9d2a-0123456789ab'),
    extra={'a': [1, 2.5, None], 'b': {'nested': True}, 'z': 'last'},
    blob=b'\x00\x01binary\xff')
a1.tags.set([go, django_tag])
a2 = Article.objects.create(
    title='Compilers', body='',
    published=datetime.datetime(1952, 5, 1, 0, 0, 0, tzinfo=utc),
    author=grace, editor=None, price=decimal.Decimal('-0.05'), rating=1e-07,
    views=0, public=False,
    code=uuid.UUID('00000000-0000-0000-0000-000000000001'),
    extra=[], blob=b'')

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'django_fixture.json')
with open(out, 'w', encoding='utf-8') as f:
    call_command('dumpdata', 'fixtureapp', indent=2, stdout=f)
compact = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'django_fixture_compact.json')
with open(compact, 'w', encoding='utf-8') as f:
    call_command('dumpdata', 'fixtureapp', stdout=f)

editors = Group.objects.create(name='editors')
Group.objects.create(name='readers')
ada_user = User.objects.create_user('ada', 'ada@example.com', 'analytical-engine-1843',
                                    first_name='Ada', last_name='Lovelace')
ada_user.date_joined = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=utc)
ada_user.last_login = datetime.datetime(2026, 2, 3, 4, 5, 6, tzinfo=utc)
ada_user.save()
ada_user.groups.set([editors])
root = User.objects.create_superuser('root', 'root@example.com', 'correct horse battery staple')
root.date_joined = datetime.datetime(2025, 12, 31, 23, 59, 59, tzinfo=utc)
root.save()
auth_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'django_auth_fixture.json')
with open(auth_out, 'w', encoding='utf-8') as f:
    call_command('dumpdata', 'auth.group', 'auth.user', indent=2, stdout=f)
