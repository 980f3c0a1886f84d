"""Declarative questionnaires that need no plugin code; registered by the core plugin."""
