"""The API's tests share the public page's sample year and its isolation of files and cache."""

from tests.reports.conftest import _isolated_files_and_cache, login, sample_year  # noqa: F401
