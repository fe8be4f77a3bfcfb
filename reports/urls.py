from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/dashboard/", views.executive_dashboard, name="dashboard"),
    path("reports/my-division/", views.division_dashboard, name="division-dashboard"),
    path("reports/official/", views.render_page, name="render"),
    path("reports/official/<int:pk>/status/", views.render_status, name="render-status"),
    path("reports/official/<int:pk>/download/", views.render_download, name="render-download"),
    path("reports/official/<int:pk>/publish/", views.render_publish, name="render-publish"),
    path("public/<slug:slug>/", views.public_latest, name="public-latest"),
    path("public/<slug:slug>/<int:year>/", views.public_plan, name="public"),
    path("public/<slug:slug>/<int:year>/data.json", views.public_data_json, name="public-data-json"),
    path("public/<slug:slug>/<int:year>/data.csv", views.public_data_csv, name="public-data-csv"),
    path("public/<slug:slug>/chain-heads.json", views.public_chain_heads, name="public-chain-heads"),
    path("public/<slug:slug>/<int:year>/evidence/<int:pk>/", views.public_evidence, name="public-evidence"),
    path("public/<slug:slug>/<int:year>/report/<int:pk>/", views.public_report, name="public-report"),
    path("public/<slug:slug>/<int:year>/verify/", views.public_verify, name="public-verify"),
]
