# Django 3.2's admin on the tables bench/admin/main.go creates: the same changelist
# (title, author, publisher, status, pages; a status filter; 100 rows a page), every
# request made by the same superuser, set by a middleware, as on the Galvani side.
#   cd bench/admin && PGDATABASE=bench_admin gunicorn -w 2 -b 127.0.0.1:8001 django_admin:application
import os
from django.conf import settings
settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], SECRET_KEY="admin-bench", ROOT_URLCONF=__name__,
    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": os.environ.get("PGDATABASE", "bench_admin"),
                           "HOST": "127.0.0.1", "USER": "root", "CONN_MAX_AGE": None}},
    INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.messages", "shop"],
    MIDDLEWARE=["django_admin.BenchUser", "django.contrib.messages.middleware.MessageMiddleware"],
    MESSAGE_STORAGE="django.contrib.messages.storage.cookie.CookieStorage",
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                   "django.contrib.auth.context_processors.auth",
                                                   "django.contrib.messages.context_processors.messages"]}}],
    STATIC_URL="/static/", USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
)
import django
django.setup()

from django.contrib import admin
from django.http import JsonResponse
from django.urls import path

class BenchUser:
    """Makes every request the bench superuser's (the row main.go -seed creates), loaded once."""
    user = None
    def __init__(self, get_response): self.get_response = get_response
    def __call__(self, request):
        if BenchUser.user is None:
            from django.contrib.auth.models import User
            BenchUser.user = User.objects.get(username="bench")
        request.user = BenchUser.user
        return self.get_response(request)

def json_(r): return JsonResponse({"message": "Hello, World!"})
urlpatterns = [path("json", json_), path("admin/", admin.site.urls)]
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
