from django.urls import include, path

from workflows import queues, views
from workflows.flows import ActionFlow

flow_patterns, flow_app_name, flow_namespace = ActionFlow.instance.urls
app_name = "workflows"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("queue/", queues.queue, name="queue"),
    path("archive/", views.archive, name="archive"),
    path("decisions/", views.batch_decisions, name="batch"),
    path("decisions/confirm/", views.batch_confirm, name="batch-confirm"),
    path("progress/", views.current_progress, name="progress-current"),
    path("progress/<int:year>/", views.plan_progress, name="progress"),
    path("plans/<int:year>/activate/", views.activate_plan, name="plan-activate"),
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
    path("actions/<int:pk>/cancel/", views.cancel_action, name="action-cancel"),
    path("tasks/<int:pk>/reassign/", views.reassign_task, name="task-reassign"),
    path("acting/<int:pk>/end/", views.end_acting, name="acting-end"),
    path("leave/", views.substitutes, name="substitutes"),
    path("leave/<int:pk>/confirm/", views.confirm_substitute, name="substitute-confirm"),
    path("evidence/<int:pk>/", views.download_evidence, name="evidence-download"),
    # The flow's own URLs: <process>/<node>/<task>/assign/, .../execute/ (namespace workflows:action:<node>).
    path("flow/", include((flow_patterns, flow_app_name), namespace=flow_namespace)),
]
