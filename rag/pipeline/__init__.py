"""The pipeline: `Pipeline` answers and indexes, `Components` turns `Settings` into its parts, the
events it streams, and the checks of a question's arguments. May import every wing below it.
"""

from rag.pipeline.events import WRITING_EVERY_S, Done, Event, Stage, StatementReady, Writing
from rag.pipeline.pipeline import Pipeline
from rag.pipeline.validation import validate_days, validate_question, validate_sources, validate_top

__all__ = [
    "WRITING_EVERY_S",
    "Done",
    "Event",
    "Pipeline",
    "Stage",
    "StatementReady",
    "Writing",
    "validate_days",
    "validate_question",
    "validate_sources",
    "validate_top",
]
