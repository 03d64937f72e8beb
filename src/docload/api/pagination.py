"""ZGW pagination: {count, next, previous, results}, 100 per page."""

from typing import Any

from rest_framework import exceptions, pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 100

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        # DRF takes `page=` (empty) for the first page; it names no page, like `page=x`.
        values = request.query_params.getlist(self.page_query_param)
        if values and (len(values) > 1 or not values[0].isascii() or not values[0].isdigit()):
            raise exceptions.NotFound("Invalid page.")
        return super().get_page_number(request, paginator)
