"""The exports feature's web pages: exports and their jobs.

Pages parse the request, call the feature and render; the feature's domain modules never import them.
"""
