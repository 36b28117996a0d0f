"""The task system: tasks from processes or people, their lifecycle, store and handlers."""
