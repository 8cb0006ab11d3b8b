"""Gần Dân: civic feedback and grassroots democracy for Vietnam's two-level local government."""

import os

# Piccolo looks its engine up through this module path; it must be set before any table
# class is imported, which is why it lives in the package's first line of code.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
