#!/usr/bin/env python
"""The bench's Oscar shop (bench-only); run with bench/.oscar-venv/bin/python."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oscar_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
