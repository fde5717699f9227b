"""API paging: a page number that is not a page is a 400 naming the parameter, not a 404."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination


class PageNumberPaginationWith400(PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:  # "abc", 0, or past the last page
            raise ValidationError({self.page_query_param: [str(exc.detail)]}) from exc
