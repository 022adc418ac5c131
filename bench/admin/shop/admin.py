from django.contrib import admin
from .models import Book

@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "publisher", "status", "pages")
    list_filter = ("status",)
    list_per_page = 100
