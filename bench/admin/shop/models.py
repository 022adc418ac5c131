# The models of bench/admin/main.go, on its tables.
from django.db import models

class Author(models.Model):
    name = models.CharField(max_length=100)
    class Meta: db_table = "shop_author"; app_label = "shop"
    def __str__(self): return self.name
class Publisher(models.Model):
    name = models.CharField(max_length=100)
    class Meta: db_table = "shop_publisher"; app_label = "shop"
    def __str__(self): return self.name
class Book(models.Model):
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=[("draft", "Draft"), ("live", "Live")], default="draft")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="books")
    pages = models.BigIntegerField(default=0)
    class Meta: db_table = "shop_book"; app_label = "shop"
    def __str__(self): return self.title
