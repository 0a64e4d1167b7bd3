"""The index: embeddings, the Chroma store and its manifest, the lexical (BM25) index, indexing, retrieval.

Owns the way from chunks to stored vectors and back to ranked `Passage`s; may import `rag.core`, `rag.reading`.
"""
