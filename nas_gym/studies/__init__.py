"""Studies shipped with nas-gym (package data): ``nas-gym bench smoke``, ``nas-gym bench nb201-paper``."""
