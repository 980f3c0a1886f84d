"""Built-in plugins. Each registers through the ``surveys`` entry-point group, like any third-party plugin."""
