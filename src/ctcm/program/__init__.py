"""The core every program area plugs into: obligations, their occurrences and the evidence that
closes them (model), and the one light rule."""
