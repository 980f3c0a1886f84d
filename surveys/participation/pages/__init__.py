"""The participation feature's web pages: the participant's links and answering, and the staff's
pages for open links, consent and slips.

Pages parse the request, call the feature and render; the feature's domain modules never import them.
"""
