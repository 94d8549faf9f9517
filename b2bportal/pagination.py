"""Paging of our REST API's lists: `limit` and `offset`, bounded, refused when malformed."""

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from b2bportal.numbers import whole_number


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` and `?offset=`: a limit above API_MAX_PAGE_SIZE gets that many rows (the
    `next` link pages on), an offset past the end an empty page, and anything that is not
    a whole number a 400 naming the parameter."""

    @property
    def max_limit(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        limit = whole_number(raw)
        if not limit:
            raise ValidationError(
                {
                    self.limit_query_param: [
                        f"A whole number from 1 up (pages hold at most {self.max_limit})."
                    ]
                }
            )
        return min(limit, self.max_limit)

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        offset = whole_number(raw)
        if offset is None:
            raise ValidationError({self.offset_query_param: ["A whole number from 0 up."]})
        return offset
