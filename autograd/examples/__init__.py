"""Runnable examples: `python -m autograd.examples.mnist` trains a network on MNIST (see its --help)."""
