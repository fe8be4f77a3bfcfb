from django.urls import path

from approvals import administration_views as admin_pages
from approvals import next_year_views, views

app_name = "approvals"

urlpatterns = [
    path("plans/<int:year>/", views.plan_detail, name="plan-detail"),
    path("plans/import/", views.plan_import, name="plan-import"),
    path("plans/import/confirm/", views.plan_import_confirm, name="plan-import-confirm"),
    # Planning the next year from this year's ITA scores.
    path("scores/template.csv", next_year_views.scores_template, name="scores-template"),
    path("scores/<int:year>/", next_year_views.scores_page, name="scores"),
    path("scores/<int:year>/draft/", next_year_views.draft_next_year, name="draft-next-year"),
    path("plans/drafts/<int:pk>/", next_year_views.plan_draft, name="plan-draft"),
    # The agency administration (our pages; the Django admin is for platform operators only).
    path("administration/", admin_pages.overview, name="administration"),
    path("administration/agency/", admin_pages.agency_details, name="agency"),
    path("administration/divisions/", admin_pages.divisions, name="divisions"),
    path("administration/divisions/<int:pk>/", admin_pages.division_edit, name="division"),
    path("administration/people/", admin_pages.people, name="people"),
    path("administration/people/<int:pk>/", admin_pages.person, name="person"),
    path("administration/people/<int:pk>/active/", admin_pages.person_active, name="person-active"),
    path("administration/people/<int:pk>/unlock/", admin_pages.person_unlock, name="person-unlock"),
    path("administration/people/<int:pk>/password/", admin_pages.person_password, name="person-password"),
    path("administration/people/<int:pk>/grant/", admin_pages.person_grant, name="person-grant"),
    path("administration/roles/", admin_pages.roles, name="roles"),
    path("administration/roles/<int:pk>/end/", admin_pages.role_end, name="role-end"),
    path("administration/roles/<int:pk>/extend/", admin_pages.role_extend, name="role-extend"),
    path("administration/grants/", admin_pages.grants, name="grants"),
    path("administration/grants/<int:pk>/confirm/", admin_pages.grant_confirm, name="grant-confirm"),
    path("administration/grants/<int:pk>/decline/", admin_pages.grant_decline, name="grant-decline"),
    path("administration/plans/<int:year>/actions/", admin_pages.plan_actions, name="plan-actions"),
    path("administration/actions/<int:pk>/", admin_pages.action_edit, name="action-edit"),
    path("budget/<int:year>/", admin_pages.budget, name="budget"),
    path("budget/items/<int:pk>/", admin_pages.budget_item, name="budget-item"),
    path("budget/spending/<int:pk>/withdraw/", admin_pages.expenditure_withdraw, name="expenditure-withdraw"),
    path("budget/spending/<int:pk>/document/", admin_pages.expenditure_document, name="expenditure-document"),
]
