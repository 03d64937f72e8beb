"""`docload push`: a client that uploads a folder to a docload server over HTTP and imports it.

It imports no Django: it runs against a remote server without local settings or a database.
"""
