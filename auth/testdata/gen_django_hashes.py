#!/usr/bin/env python3
"""Writes django_hashes.json: passwords hashed by Django's own make_password.

Run with Debian's python3-django, python3-argon2 and python3-bcrypt:
    python3 gen_django_hashes.py > django_hashes.json
Each hasher runs at Django's default cost for the first password; bcrypt runs at
cost 4 for the others (a subclass changing only `rounds`) to keep the Go tests fast
under -race.
"""
import json
from django.conf import settings
settings.configure(PASSWORD_HASHERS=[
    'django.contrib.auth.hashers.PBKDF2PasswordHasher',
    'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
    'django.contrib.auth.hashers.Argon2PasswordHasher',
    'django.contrib.auth.hashers.BCryptSHA256PasswordHasher',
    'django.contrib.auth.hashers.BCryptPasswordHasher',
])
import django
django.setup()
from django.contrib.auth.hashers import make_password, BCryptPasswordHasher, BCryptSHA256PasswordHasher

class FastBCrypt(BCryptPasswordHasher):
    rounds = 4

class FastBCryptSHA256(BCryptSHA256PasswordHasher):
    rounds = 4

out = []
for i, pw in enumerate(["correct horse battery staple", "pässwörd ✓", "x", "a" * 72 + "tail"]):
    for alg in ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt"]:
        hasher = alg
        if i > 0 and alg == "bcrypt":
            hasher = FastBCrypt()
        elif i > 0 and alg == "bcrypt_sha256":
            hasher = FastBCryptSHA256()
        out.append({"password": pw, "hasher": alg, "encoded": make_password(pw, hasher=hasher)})
print(json.dumps({"django_version": django.get_version(), "hashes": out}, ensure_ascii=False, indent=1))
