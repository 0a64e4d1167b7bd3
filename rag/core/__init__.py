"""The shared vocabulary: the data types, errors, `Settings`, token counting, days and the machine.

Owns what every wing speaks; imports nothing else of `rag`.
"""
