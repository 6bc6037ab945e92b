"""Small presentation helpers for shop templates."""

from django import template

register = template.Library()


@register.simple_tag
def page_numbers(page_obj) -> list:
    """The page links to show: the first, the last and two either side of the current one,
    with None where a run of pages is left out (a long catalog stays one row of links)."""
    paginator = page_obj.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    ]
