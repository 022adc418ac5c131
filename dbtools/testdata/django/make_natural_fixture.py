"""Writes ../django_auth_natural_fixture.json with Django 3.2's dumpdata --natural-foreign --natural-primary.

Run from this directory with Debian's Django:  /usr/bin/python3 make_natural_fixture.py
Two groups and two users of django.contrib.auth, with permissions and group
memberships, dumped the way a Django project moves users between databases whose
keys differ: references to permissions, groups and users as natural keys, and no
primary keys. dbtools' tests load it into a database numbered differently and
dump it back the same way.
"""
import datetime
import os

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth'],
    DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}},
    USE_TZ=True,
    TIME_ZONE='UTC',
    DEFAULT_AUTO_FIELD='django.db.models.AutoField',
)
django.setup()

from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.core.management import call_command  # noqa: E402

call_command('migrate', verbosity=0)

utc = datetime.timezone.utc
add_user = Permission.objects.get(codename='add_user')
change_group = Permission.objects.get(codename='change_group')
view_user = Permission.objects.get(codename='view_user')
editors = Group.objects.create(name='editors')
editors.permissions.set([add_user, change_group])
readers = Group.objects.create(name='readers')
readers.permissions.set([view_user])
ada = User.objects.create_user('ada', 'ada@example.com', 'analytical-engine-1843', first_name='Ada', last_name='Lovelace')
ada.date_joined = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=utc)
ada.save()
ada.groups.set([editors, readers])
ada.user_permissions.set([view_user])
grace = User.objects.create_user('grace', 'grace@example.com', 'cobol-1959')
grace.date_joined = datetime.datetime(2026, 2, 3, 4, 5, 6, tzinfo=utc)
grace.save()
grace.groups.set([readers])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'django_auth_natural_fixture.json')
with open(out, 'w', encoding='utf-8') as f:
    call_command('dumpdata', 'auth.group', 'auth.user', indent=2, natural_foreign=True, natural_primary=True, stdout=f)
