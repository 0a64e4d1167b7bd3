"""Reading article files: decoding, sentences with offsets, chunks, dates read from the text, speakers.

Owns the way from a file's bytes to a `Document` and its `Chunk`s; may import `rag.core` only.
"""
