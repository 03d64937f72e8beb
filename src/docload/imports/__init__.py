"""The import engine: jobs, sources, content resolvers, batch writer, reports.

Nothing here imports HTTP code; dialect adapters translate their wire formats to engine calls.
"""
