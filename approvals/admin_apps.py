from django.contrib.admin.apps import AdminConfig


class OperatorAdminConfig(AdminConfig):
    """The Django admin, as a tool of platform operators only (see approvals.admin_site)."""

    default_site = "approvals.admin_site.OperatorAdminSite"
