"""The instruments feature's web pages: questionnaire uploads and text packs.

Pages parse the request, call the feature and render; the feature's domain modules never import them.
"""
