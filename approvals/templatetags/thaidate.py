"""Template filters for Buddhist-Era dates: {% load thaidate %} then {{ value|be_date }}."""

from django import template

from approvals import thaidate

register = template.Library()


@register.filter
def be_date(value, style: str = "short") -> str:
    return thaidate.be_date(value, style)


@register.filter
def be_datetime(value) -> str:
    return thaidate.be_datetime(value)


@register.filter
def be_year(value) -> str:
    """The Buddhist-Era year of a date."""
    if value in (None, ""):
        return ""
    return str(thaidate.be_year(value))


@register.filter
def thai_digits(value) -> str:
    return thaidate.thai_digits(value)
