"""The reporting feature's web pages: the dashboard, report and indicators.

Pages parse the request, call the feature and render; the feature's domain modules never import them.
"""
