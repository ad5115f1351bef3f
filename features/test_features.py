"""Runs every .feature file under features/ — a new file needs no Python."""
from pytest_bdd import scenarios

scenarios(".")
