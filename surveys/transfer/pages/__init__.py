"""The transfer feature's web pages: the paper questionnaires.

Pages parse the request, call the feature and render; the feature's domain modules never import them.
"""
