"""Answering: prompting, premises, citations, checking, verification and its relation rules,
calibration, conversation, assembly. May import `rag.core`, `rag.reading`, `rag.index`, `rag.model`.
"""
