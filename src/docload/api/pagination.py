"""ZGW pagination: {count, next, previous, results}, 100 per page."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 100
