"""Exercises for each notebook: ``from m3h_lite.exercises import ex00 as ex``.

The checking engine is :mod:`m3h_lite.exercises.engine`; ``exNN`` modules hold the content
of notebook NN. This package sits on top of the library and is never imported by it.
"""
