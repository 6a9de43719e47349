"""The record of every state change (全过程留痕).

For now ``record`` appends to a plain append-only table; the ledger issue turns it into the tamper-evident log
(Merkle tree, signed checkpoints) behind the same function, without touching callers. Depends on ``core`` only: an
actor is an id.
"""
