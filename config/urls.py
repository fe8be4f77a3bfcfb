from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from api import views as api_views
from api.main import api_urls
from approvals import account_views, signout
from approvals import views as approval_views
from audit import reasons
from audit.middleware import with_reason
from notifications import views as notification_views
from operations import views as operation_views

urlpatterns = [
    path("", approval_views.home, name="home"),
    # Signing in may rehash the account's password: that change is the account's own.
    path(
        "accounts/login/",
        with_reason(reasons.code(reasons.SIGN_IN), by_the_account=True)(auth_views.LoginView.as_view()),
        name="login",
    ),
    # Asks on a GET (a link), signs out on a POST (the header's button), and says so on the sign-in page.
    path("accounts/logout/", signout.SignOutView.as_view(), name="logout"),
    # The person's own account: password (required after a temporary one) and second factor.
    path("accounts/", account_views.account, name="account"),
    path("accounts/password/", account_views.OwnPasswordChangeView.as_view(), name="password-change"),
    path("accounts/second-factor/", account_views.second_factor_setup, name="second-factor-setup"),
    path("accounts/second-factor/verify/", account_views.second_factor_verify, name="second-factor-verify"),
    path("accounts/second-factor/recovery-codes/", account_views.recovery_codes, name="recovery-codes"),
    # The person's own API tokens (api/).
    path("accounts/api-tokens/", api_views.tokens, name="api-tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", api_views.revoke, name="api-token-revoke"),
    # The language switch is on the sign-in page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("approvals/", include("approvals.urls")),
    path("work/", include("workflows.urls")),
    path("oit/", include("oit.urls")),
    path("notifications/", include("notifications.urls")),
    path("healthz", notification_views.healthz, name="healthz"),
    path("metrics", operation_views.metrics, name="metrics"),
    path("", include("reports.urls")),
    path("audit/", include("audit.urls")),
    # The API: /api/v1/, /api/schema/, /api/docs/ (api/main.py).
    path("api/", api_urls),
    path("oversight/", include("oversight.urls")),
    path("admin/", admin.site.urls),
]
