"""The language model: llama.cpp loading and generation, the OpenAI-compatible client, the supervised
model server, model files and the doctor. Owns every llama-cpp type; may import `rag.core` only.
"""
