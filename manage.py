#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Whatever a command writes is recorded as that command's doing, acting as the system account
        # (audit/context.py); a migration's own changes are recorded as the migration's (audit's migrate).
        from audit import context

        with context.command(sys.argv[1] if len(sys.argv) > 1 else "help"):
            execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake is the operator's to fix: say what is wrong, without a traceback.
        sys.stderr.write(f"Configuration error / ตั้งค่าไม่ถูกต้อง: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
