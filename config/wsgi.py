import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The web application refuses to serve a database whose audit triggers are missing (audit/startup.py).
from audit.startup import require_triggers  # noqa: E402

require_triggers()
