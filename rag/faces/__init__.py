"""What users run: the `rag` CLI, `rag serve` (the OpenAI-compatible API), the bench and the archive
generator. The top of `rag`: may import every wing below it and `ui`; nothing imports it.
"""
