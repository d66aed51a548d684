"""``folioscope check``: every interleaving of a concurrent scenario's
threads, work items and environment steps, with a herd-style verdict and
witnesses that replay as ordinary scenarios.

program  the explorer's view of a scenario      compile  AST -> program
steps    one atomic step on a fork of a state    search   BFS with fingerprints
por      persistent-set reduction                condition, verdict, witness, report
"""
