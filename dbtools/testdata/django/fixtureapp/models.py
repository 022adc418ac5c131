# The Django side of dbtools' fixture tests: the same models as fixtureModels in
# dbtools/fixture_test.go.
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    born = models.DateField(null=True)


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()
    published = models.DateTimeField()
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name='articles')
    editor = models.ForeignKey(Author, null=True, on_delete=models.SET_NULL, related_name='edited')
    price = models.DecimalField(max_digits=10, decimal_places=2)
    rating = models.FloatField()
    views = models.BigIntegerField()
    public = models.BooleanField()
    code = models.UUIDField()
    extra = models.JSONField()
    blob = models.BinaryField()
    tags = models.ManyToManyField(Tag, related_name='articles')
