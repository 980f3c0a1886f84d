"""The workspace feature's web pages: campaigns, programmes, people, staff and organisations.

Pages parse the request, call the feature and render; the feature's domain modules never import them.
"""
